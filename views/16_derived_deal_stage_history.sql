-- Derived table (rebuilt at write time, see views/__init__.py): a deal's stage changes in time
-- order, each with the conversation and quote that moved it (rejected and abstained proposals
-- left out; an edited stage counts as edited). The `deal_stage_history` view adds the days in
-- each stage. Title and kind come from the raw conversations: the `conversations` view would
-- read every utterance.
-- key: deal_id
CREATE OR REPLACE TABLE derived.deal_stage_history AS
WITH changes AS (
    SELECT f.*, f.value ->> 'stage' AS stage
    FROM fact_states f
    WHERE f.field = 'stage' AND f.state NOT IN ('rejected', 'abstained') AND f.deal_id IS NOT NULL
)
SELECT
    s.deal_id, s.deal_name, s.account,
    s.said_at AS changed_at,
    lag(s.stage) OVER w AS previous_stage,
    s.stage,
    lead(s.said_at) OVER w AS next_changed_at,
    s.conversation_id, c.title, c.kind,
    s.state, s.confidence, s.quote, s.speaker, s.start_s, s.fact_id
FROM changes s
LEFT JOIN raw.conversations c USING (conversation_id)
WINDOW w AS (PARTITION BY s.deal_id ORDER BY s.said_at, s.fact_id);
