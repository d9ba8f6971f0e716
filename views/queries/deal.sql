-- One deal's story: its record, stage history, open next steps, objections, competitors and conversations, in time order.
-- param: deal VARCHAR -- the deal's id, or part of its name or account
WITH d AS MATERIALIZED (
    SELECT * FROM deals
    WHERE deal_id = $deal OR name ILIKE '%' || $deal || '%' OR account ILIKE '%' || $deal || '%'
    ORDER BY deal_id = $deal DESC, last_activity_at DESC LIMIT 1
)
SELECT * FROM (
    SELECT 1 AS part, 'deal' AS section, d.last_activity_at AS happened_at,
           format('{} ({}) — stage {}, {}', d.name, d.account, coalesce(d.stage, '?'),
                  coalesce(d.currency || ' ' || format('{:,.0f}', d.amount), 'no amount')) AS what,
           format('owner {}; close {}; {} contact(s); {} conversation(s)', coalesce(d.owner, '?'),
                  coalesce(d.close_date::VARCHAR, '?'), d.contacts_engaged, d.conversations) AS detail,
           NULL AS quote
    FROM d
    UNION ALL
    SELECT 2, 'stage', h.changed_at, coalesce(h.previous_stage || ' → ', '') || h.stage,
           format('{} ({}, {} days)', h.title, h.state, h.days_in_stage), h.quote
    FROM deal_stage_history h JOIN d USING (deal_id)
    UNION ALL
    SELECT 3, 'next step', n.said_at, n.action,
           format('{}{}{}', coalesce(n.owner, '?'), coalesce(', due ' || n.due_date, ''),
                  CASE WHEN n.is_overdue THEN ' — OVERDUE' ELSE '' END), n.quote
    FROM next_steps n JOIN d USING (deal_id) WHERE n.is_open
    UNION ALL
    SELECT 4, 'objection', o.said_at, o.category || ': ' || o.summary, format('{} ({})', o.speaker, o.state), o.quote
    FROM objections o JOIN d USING (deal_id) WHERE o.state <> 'rejected'
    UNION ALL
    SELECT 5, 'competitor', m.said_at, m.competitor || CASE WHEN m.active THEN '' ELSE ' (ruled out)' END,
           format('{} ({})', m.speaker, m.state), m.quote
    FROM competitor_mentions m JOIN d USING (deal_id) WHERE m.state <> 'rejected' AND m.listed
    UNION ALL
    SELECT 6, 'conversation', c.started_at, c.kind || ': ' || coalesce(c.title, c.conversation_id),
           format('{} utterance(s), {}', c.utterances, c.conversation_id), NULL
    FROM deal_conversations c JOIN d USING (deal_id)
)
ORDER BY part, happened_at;
