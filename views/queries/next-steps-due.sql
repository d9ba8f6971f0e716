-- Open next steps due in the next --within days (today included).
-- param: within INTEGER = 7 -- days ahead
SELECT n.due_date, n.deal_name AS deal, n.action, n.owner, n.owner_side, n.due_text, n.state, n.quote
FROM next_steps n, settings_crm s
WHERE n.is_open AND n.due_date BETWEEN s.today AND s.today + $within
ORDER BY n.due_date, deal;
