-- Open next steps whose due date has passed with nothing happening on the deal since.
-- param: owner VARCHAR = % -- only steps owned by this person (name or email, SQL LIKE pattern)
SELECT n.deal_name AS deal, n.action, n.owner, n.owner_side, n.due_date,
       date_diff('day', n.due_date, s.today) AS days_overdue, n.state, n.quote, n.speaker
FROM next_steps n, settings_crm s
WHERE n.is_overdue AND (coalesce(n.owner, '') ILIKE $owner OR coalesce(n.owner_email, '') ILIKE $owner)
ORDER BY days_overdue DESC, deal;
