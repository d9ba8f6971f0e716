-- Per competitor since --since: mentions, deals where it came up, deals where it is still in play, and their pipeline.
-- param: since DATE = -90d -- from this date (2026-10-01, or -30d for the last 30 days)
WITH m AS (
    SELECT deal_id, competitor, said_at, quote
    FROM competitor_mentions
    WHERE listed AND state <> 'rejected' AND said_at >= $since
)
SELECT m.competitor, count(*) AS mentions, count(DISTINCT m.deal_id) AS deals,
       count(DISTINCT d.deal_id) FILTER (WHERE list_contains(d.competitors, m.competitor)
                                         AND coalesce(d.stage, '') NOT IN ('closed_won', 'closed_lost')) AS open_deals_in_play,
       count(DISTINCT d.deal_id) FILTER (WHERE d.stage = 'closed_won') AS deals_won,
       count(DISTINCT d.deal_id) FILTER (WHERE d.stage = 'closed_lost') AS deals_lost,
       max(m.said_at)::DATE AS last_mentioned,
       arg_max(m.quote, m.said_at) AS latest_quote
FROM m LEFT JOIN deals d USING (deal_id)
GROUP BY m.competitor
ORDER BY mentions DESC, m.competitor;
