-- Human decisions as labelled data: per field and extractor version, how many proposals reps
-- confirmed unedited, edited or rejected (the decision in force per fact).
CREATE OR REPLACE VIEW review_stats AS
SELECT
    field, extractor, extractor_version,
    count(*) AS decided,
    count(*) FILTER (WHERE action = 'confirm') AS confirmed,
    count(*) FILTER (WHERE action = 'edit') AS edited,
    count(*) FILTER (WHERE action = 'reject') AS rejected,
    round(count(*) FILTER (WHERE action = 'confirm') / count(*), 3) AS confirmed_share
FROM decisions
WHERE action IN ('confirm', 'edit', 'reject')
GROUP BY ALL
ORDER BY field, extractor, extractor_version;
