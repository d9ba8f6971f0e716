-- One row per deal, shaped like a CRM's opportunity record. Every field comes from facts in
-- force (confirmed, edited, accepted or proposed: `stage_state` says which); rejected and
-- abstained facts never fill a field. Owner: the internal person who said the most.
CREATE OR REPLACE VIEW deals AS
WITH conv AS (
    SELECT cd.deal_id, mode(cd.deal_name) AS name, mode(cd.account) AS account,
           min(c.started_at) AS first_activity_at, max(c.ended_at) AS last_activity_at,
           count(*) AS conversations
    FROM conversation_deals cd JOIN conversations c USING (conversation_id)
    WHERE cd.deal_id IS NOT NULL
    GROUP BY cd.deal_id
), current_transcript AS (
    SELECT conversation_id, arg_max(transcript_id, created_at) AS transcript_id
    FROM raw.transcripts GROUP BY conversation_id
), said AS (
    SELECT cd.deal_id, p.side, coalesce(p.email, p.name) AS who, count(*) AS n
    FROM raw.utterances u
    JOIN current_transcript USING (conversation_id, transcript_id)
    JOIN people p ON p.participant_id = u.participant_id
    JOIN conversation_deals cd ON cd.conversation_id = u.conversation_id
    WHERE u.kind IN ('speech', 'message') AND p.side IN ('internal', 'external')
    GROUP BY ALL
), people_said AS (
    SELECT deal_id,
           arg_max(who, n) FILTER (WHERE side = 'internal') AS owner,
           count(*) FILTER (WHERE side = 'external') AS contacts_engaged
    FROM said GROUP BY deal_id
), stage AS (
    SELECT deal_id, stage, state AS stage_state, changed_at AS stage_since, days_in_stage
    FROM deal_stage_history WHERE is_current
), in_force AS (
    SELECT * FROM fact_states WHERE state NOT IN ('rejected', 'abstained') AND deal_id IS NOT NULL
), amount AS (
    SELECT deal_id, arg_max((value ->> 'amount')::DOUBLE, said_at) AS amount,
           arg_max(value ->> 'currency', said_at) AS currency
    FROM in_force WHERE field = 'amount' GROUP BY deal_id
), close_date AS (
    SELECT deal_id, arg_max(TRY_CAST(value ->> 'close_date' AS DATE), said_at) AS close_date
    FROM in_force WHERE field = 'close_date' GROUP BY deal_id
), steps AS (
    SELECT deal_id, count(*) AS open_next_steps,
           arg_min(action || coalesce(' — ' || owner, '') || coalesce(' (due ' || due_date || ')', ''),
                   (coalesce(due_date, DATE '9999-12-31'), said_at)) AS next_step
    FROM next_steps WHERE is_open GROUP BY deal_id
), objection_counts AS (
    SELECT deal_id, count(*) AS open_objections FROM objections WHERE state <> 'rejected' GROUP BY deal_id
), rivals AS (
    SELECT deal_id, list(competitor ORDER BY competitor) FILTER (WHERE active) AS competitors
    FROM (SELECT deal_id, competitor, arg_max(active, said_at) AS active
          FROM competitor_mentions WHERE state <> 'rejected' AND listed GROUP BY ALL)
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
