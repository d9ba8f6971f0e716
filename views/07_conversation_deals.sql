-- Which deal each conversation belongs to. A sidecar `deal` names one; a conversation
-- without one joins its account's only named deal, else the account's default deal.
-- Conversations with neither a deal nor an account (free-mail only) have no deal. A rep's
-- `review reassign` overrides all of this.
CREATE OR REPLACE VIEW conversation_deals AS
WITH reassigned AS (
    SELECT conversation_id, value ->> 'deal_id' AS deal_id, value ->> 'deal' AS deal_name
    FROM decisions WHERE action = 'reassign'
), conv AS (  -- the raw rows and `conversation_accounts`, not `conversations`: no utterance is read
    SELECT c.conversation_id, c.deal, a.account, a.account_name
    FROM raw.conversations c LEFT JOIN conversation_accounts a USING (conversation_id)
), single_named AS (
    SELECT account, min(deal) AS deal
    FROM conv
    WHERE deal IS NOT NULL AND account IS NOT NULL
    GROUP BY account
    HAVING count(DISTINCT deal) = 1
), resolved AS (
    SELECT c.conversation_id, c.account, c.account_name,
           coalesce(c.deal, s.deal) AS named_deal, r.deal_id AS reassigned_id, r.deal_name AS reassigned_name
    FROM conv c
    LEFT JOIN single_named s USING (account)
    LEFT JOIN reassigned r USING (conversation_id)
)
SELECT
    conversation_id,
    coalesce(reassigned_id,
             CASE WHEN named_deal IS NOT NULL THEN 'd' || left(md5(lower(trim(named_deal))), 10)
                  WHEN account IS NOT NULL THEN 'd' || left(md5('account:' || account), 10) END) AS deal_id,
    coalesce(reassigned_name, named_deal, account_name) AS deal_name,
    account
FROM resolved;
