-- One row with the settings the CRM views read: the day they count from ([crm] as_of, else
-- today), the auto-accept threshold, the risk thresholds and the stage ladder.
CREATE OR REPLACE VIEW settings_crm AS
WITH s AS (SELECT map_from_entries(list((key, value))) AS m FROM settings)
SELECT
    coalesce(TRY_CAST(s.m['crm.as_of'] ->> '$' AS DATE), current_date) AS today,
    TRY_CAST(s.m['review.auto_accept'] ->> '$' AS DOUBLE) AS auto_accept,
    coalesce(TRY_CAST(s.m['risks.no_activity_days'] ->> '$' AS INTEGER), 10) AS no_activity_days,
    coalesce(TRY_CAST(s.m['risks.stalled_days'] ->> '$' AS INTEGER), 21) AS stalled_days,
    coalesce(from_json(s.m['stages.ladder'], '["VARCHAR"]'),
             ['prospecting', 'discovery', 'evaluation', 'proposal', 'negotiation', 'closed_won', 'closed_lost']) AS ladder
FROM s;
