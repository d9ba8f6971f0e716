-- The current value of each setting the views read (the latest row per key).
CREATE OR REPLACE VIEW settings AS
SELECT key, arg_max(value, set_at) AS value, max(set_at) AS set_at
FROM _dealtape_settings
GROUP BY key;
