-- Open and closed deals and their amounts per stage, in ladder order.
-- param: owner VARCHAR = % -- only deals owned by this rep (email, SQL LIKE pattern)
SELECT coalesce(d.stage, '(none yet)') AS stage, count(*) AS deals, sum(d.amount) AS amount,
       count(d.amount) AS with_amount, round(avg(d.days_in_stage)) AS avg_days_in_stage
FROM deals d, settings_crm s
WHERE coalesce(d.owner, '') ILIKE $owner
GROUP BY d.stage
ORDER BY list_position(any_value(s.ladder), d.stage) NULLS LAST;
