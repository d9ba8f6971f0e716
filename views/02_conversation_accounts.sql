-- The account of each conversation that has one: the account (see `people`) most of its
-- participants belong to, with its display name from [accounts] names. `conversations` and
-- `conversation_deals` read it; it never reads an utterance.
CREATE OR REPLACE VIEW conversation_accounts AS
WITH accounts AS (
    SELECT conversation_id, arg_max(account, n) AS account
    FROM (SELECT conversation_id, account, count(*) AS n FROM people
          WHERE account IS NOT NULL GROUP BY ALL)
    GROUP BY conversation_id
), names AS (
    SELECT unnest(from_json(value, '[{"domain": "VARCHAR", "name": "VARCHAR"}]'), recursive := true)
    FROM settings WHERE key = 'accounts.names'
)
SELECT a.conversation_id, a.account, coalesce(n.name, a.account) AS account_name
FROM accounts a
LEFT JOIN names n ON n.domain = a.account;
