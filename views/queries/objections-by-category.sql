-- Objections since --since per category: how many, in how many deals, and the latest quote.
-- param: since DATE = -90d -- from this date (2026-10-01, or -30d for the last 30 days)
SELECT category, count(*) AS objections, count(DISTINCT deal_id) AS deals,
       count(*) FILTER (WHERE state IN ('confirmed', 'edited')) AS confirmed,
       max(said_at)::DATE AS latest, arg_max(quote, said_at) AS latest_quote
FROM objections
WHERE state <> 'rejected' AND said_at >= $since
GROUP BY category
ORDER BY objections DESC, category;
