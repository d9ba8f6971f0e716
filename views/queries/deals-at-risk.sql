-- Open deals with warnings (no activity, overdue or missing next step, single-threaded, competitor, stalled, authority), worst first.
-- param: owner VARCHAR = % -- only deals owned by this rep (email, SQL LIKE pattern)
SELECT d.name AS deal, d.owner, d.stage, d.amount, count(*) AS warnings,
       string_agg(r.reason, '; ' ORDER BY r.risk) AS reasons, d.last_activity_at
FROM deal_risks r JOIN deals d USING (deal_id)
WHERE coalesce(d.owner, '') ILIKE $owner
GROUP BY ALL
ORDER BY warnings DESC, d.amount DESC NULLS LAST, deal;
