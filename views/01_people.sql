-- Every participant with their side (internal/external/unknown) and account domain.
-- Internal: email domain in [team] internal_domains, else what the source said (Slack members).
-- Account: the email domain of an external person, unless it is a free-mail domain.
CREATE OR REPLACE VIEW people AS
WITH internal AS (
    SELECT unnest(from_json(value, '["VARCHAR"]')) AS domain FROM settings WHERE key = 'team.internal_domains'
), free_mail AS (
    SELECT unnest(from_json(value, '["VARCHAR"]')) AS domain FROM settings WHERE key = 'accounts.free_mail_domains'
)
SELECT
    p.participant_id,
    p.conversation_id,
    p.identity,
    coalesce(p.name, p.email, p.identity) AS name,
    p.email,
    p.domain,
    CASE
        WHEN p.domain IN (SELECT domain FROM internal) THEN 'internal'
        WHEN p.side_hint IS NOT NULL THEN p.side_hint
        WHEN p.domain IS NOT NULL THEN 'external'
        ELSE 'unknown'
    END AS side,
    CASE
        WHEN p.domain IN (SELECT domain FROM internal) OR p.domain IN (SELECT domain FROM free_mail) THEN NULL
        WHEN p.side_hint = 'internal' THEN NULL
        ELSE p.domain
    END AS account
FROM raw.participants p;
