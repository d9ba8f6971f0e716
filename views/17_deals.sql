-- One row per deal, shaped like a CRM's opportunity record. Every field comes from facts in
-- force (confirmed, edited, accepted or proposed: `stage_state` says which); rejected and
-- abstained facts never fill a field. Owner: the internal person who said the most.
-- The stage, next step, objection and competitor fields follow `deal_stage_history`,
-- `next_steps`, `objections` and `competitor_mentions`, computed here from one read of
-- `fact_values` (each of those views would compute the facts again, with their speakers).
CREATE OR REPLACE VIEW deals AS
WITH cd AS MATERIALIZED (
    SELECT conversation_id, deal_id, deal_name, account FROM conversation_deals WHERE deal_id IS NOT NULL
), conv AS (
    SELECT cd.deal_id, mode(cd.deal_name) AS name, mode(cd.account) AS account,
           min(c.started_at) AS first_activity_at, max(c.ended_at) AS last_activity_at,
           arg_max(c.conversation_id, c.started_at) AS last_conversation_id,
           count(*) AS conversations
    FROM cd JOIN conversation_times c USING (conversation_id)
    GROUP BY cd.deal_id
), current_transcript AS (
    SELECT conversation_id, arg_max(transcript_id, created_at) AS transcript_id
    FROM raw.transcripts GROUP BY conversation_id
), spoken AS (  -- utterances per speaker and conversation, before the joins
    SELECT u.conversation_id, u.participant_id, count(*) AS n
    FROM raw.utterances u
    JOIN current_transcript USING (conversation_id, transcript_id)
    WHERE u.kind IN ('speech', 'message') AND u.participant_id IS NOT NULL
    GROUP BY ALL
), said AS (
    SELECT cd.deal_id, p.side, coalesce(p.email, p.name) AS who, sum(s.n) AS n
    FROM spoken s
    JOIN people p ON p.participant_id = s.participant_id
    JOIN cd ON cd.conversation_id = s.conversation_id
    WHERE p.side IN ('internal', 'external')
    GROUP BY ALL
), people_said AS (
    SELECT deal_id,
           arg_max(who, n) FILTER (WHERE side = 'internal') AS owner,
           count(*) FILTER (WHERE side = 'external') AS contacts_engaged
    FROM said GROUP BY deal_id
), in_force AS MATERIALIZED (
    SELECT deal_id, conversation_id, fact_id, field, state, value, said_at
    FROM fact_values
    WHERE state NOT IN ('rejected', 'abstained') AND deal_id IS NOT NULL
      AND field IN ('stage', 'amount', 'close_date', 'next_step', 'objection', 'competitor', 'competitor_candidate')
), stage AS (  -- deal_stage_history's current row
    SELECT deal_id, stage, state AS stage_state, said_at AS stage_since,
           date_diff('day', said_at::DATE, coalesce(next_said_at, (SELECT today FROM settings_crm))::DATE) AS days_in_stage
    FROM (SELECT deal_id, value ->> 'stage' AS stage, state, said_at,
                 lead(said_at) OVER w AS next_said_at, lead(said_at) OVER w IS NULL AS is_current
          FROM in_force WHERE field = 'stage'
          WINDOW w AS (PARTITION BY deal_id ORDER BY said_at, fact_id))
    WHERE is_current
), amount AS (
    SELECT deal_id, arg_max((value ->> 'amount')::DOUBLE, said_at) AS amount,
           arg_max(value ->> 'currency', said_at) AS currency
    FROM in_force WHERE field = 'amount' GROUP BY deal_id
), close_date AS (
    SELECT deal_id, arg_max(TRY_CAST(value ->> 'close_date' AS DATE), said_at) AS close_date
    FROM in_force WHERE field = 'close_date' GROUP BY deal_id
), open_steps AS (  -- next_steps WHERE is_open
    SELECT n.deal_id, n.value ->> 'action' AS action, n.value ->> 'owner' AS owner,
           TRY_CAST(n.value ->> 'due_date' AS DATE) AS due_date, n.said_at
    FROM in_force n LEFT JOIN conv a USING (deal_id)
    WHERE n.field = 'next_step' AND CASE
        WHEN TRY_CAST(n.value ->> 'due_date' AS DATE) IS NOT NULL
            THEN coalesce(a.last_activity_at::DATE <= TRY_CAST(n.value ->> 'due_date' AS DATE), true)
        ELSE coalesce(n.conversation_id = a.last_conversation_id, true) END
), steps AS (
    SELECT deal_id, count(*) AS open_next_steps,
           arg_min(action || coalesce(' — ' || owner, '') || coalesce(' (due ' || due_date || ')', ''),
                   (coalesce(due_date, DATE '9999-12-31'), said_at)) AS next_step
    FROM open_steps GROUP BY deal_id
), objection_counts AS (
    SELECT deal_id, count(*) AS open_objections FROM in_force WHERE field = 'objection' GROUP BY deal_id
), rivals AS (
    SELECT deal_id, list(competitor ORDER BY competitor) FILTER (WHERE active) AS competitors
    FROM (SELECT deal_id, value ->> 'name' AS competitor,
                 arg_max(coalesce((value ->> 'active')::BOOLEAN, true), said_at) AS active
          FROM in_force WHERE field = 'competitor' GROUP BY ALL)
    GROUP BY deal_id
)
SELECT
    conv.deal_id,
    conv.account,
    conv.name,
    people_said.owner,
    stage.stage,
    stage.stage_state,
    stage.stage_since,
    stage.days_in_stage,
    amount.amount,
    amount.currency,
    close_date.close_date,
    steps.next_step,
    conv.last_activity_at,
    date_diff('day', conv.last_activity_at::DATE, (SELECT today FROM settings_crm)) AS days_since_activity,
    coalesce(steps.open_next_steps, 0) AS open_next_steps,
    coalesce(objection_counts.open_objections, 0) AS open_objections,
    coalesce(rivals.competitors, []) AS competitors,
    coalesce(people_said.contacts_engaged, 0) AS contacts_engaged,
    conv.first_activity_at,
    conv.conversations
FROM conv
LEFT JOIN people_said USING (deal_id)
LEFT JOIN stage USING (deal_id)
LEFT JOIN amount USING (deal_id)
LEFT JOIN close_date USING (deal_id)
LEFT JOIN steps USING (deal_id)
LEFT JOIN objection_counts USING (deal_id)
LEFT JOIN rivals USING (deal_id);
