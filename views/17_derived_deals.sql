-- Derived table (rebuilt at write time, see views/__init__.py): one row per deal, shaped like a
-- CRM's opportunity record; the `deals` view adds the day counts. Every field comes from facts
-- in force (confirmed, edited, accepted or proposed: `stage_state` says which): the stage is
-- `deal_stage_history`'s current row, the next step the earliest open one of `next_steps`, the
-- objections and competitors those of `objections` and `competitor_mentions` that no rep
-- rejected. Owner: the internal person who said the most.
-- key: deal_id
CREATE OR REPLACE TABLE derived.deals AS
WITH conv AS (
    SELECT deal_id, mode(deal_name) AS name, mode(account) AS account,
           min(started_at) AS first_activity_at, max(ended_at) AS last_activity_at, count(*) AS conversations
    FROM derived.conversation_deals WHERE deal_id IS NOT NULL
    GROUP BY deal_id
), said AS (
    SELECT cd.deal_id, s.side, coalesce(s.email, s.name) AS who, sum(s.utterances) AS n
    FROM derived.conversation_speakers s JOIN derived.conversation_deals cd USING (conversation_id)
    WHERE s.side IN ('internal', 'external') AND cd.deal_id IS NOT NULL
    GROUP BY ALL
), people_said AS (
    SELECT deal_id,
           arg_max(who, n) FILTER (WHERE side = 'internal') AS owner,
           count(*) FILTER (WHERE side = 'external') AS contacts_engaged
    FROM said GROUP BY deal_id
), stage AS (
    SELECT deal_id, stage, state AS stage_state, changed_at AS stage_since
    FROM deal_stage_history WHERE is_current
), terms AS (
    SELECT deal_id,
           arg_max((value ->> 'amount')::DOUBLE, said_at) FILTER (WHERE field = 'amount') AS amount,
           arg_max(value ->> 'currency', said_at) FILTER (WHERE field = 'amount') AS currency,
           arg_max(TRY_CAST(value ->> 'close_date' AS DATE), said_at) FILTER (WHERE field = 'close_date') AS close_date
    FROM fact_states
    WHERE field IN ('amount', 'close_date') AND state NOT IN ('rejected', 'abstained') AND deal_id IS NOT NULL
    GROUP BY deal_id
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
          FROM competitor_mentions WHERE listed AND state <> 'rejected' GROUP BY ALL)
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
    terms.amount,
    terms.currency,
    terms.close_date,
    steps.next_step,
    conv.last_activity_at,
    coalesce(steps.open_next_steps, 0) AS open_next_steps,
    coalesce(objection_counts.open_objections, 0) AS open_objections,
    coalesce(rivals.competitors, []) AS competitors,
    coalesce(people_said.contacts_engaged, 0) AS contacts_engaged,
    conv.first_activity_at,
    conv.conversations
FROM conv
LEFT JOIN people_said USING (deal_id)
LEFT JOIN stage USING (deal_id)
LEFT JOIN terms USING (deal_id)
LEFT JOIN steps USING (deal_id)
LEFT JOIN objection_counts USING (deal_id)
LEFT JOIN rivals USING (deal_id);
