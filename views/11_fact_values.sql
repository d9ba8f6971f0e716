-- `fact_states` without who said each fact (speaker, side, conversation_kind, source_uri): the
-- state, the value in force and the deal of every current fact. `derived.fact_states` adds the
-- speakers; a review decision rebuilds its facts' rows from this view.
CREATE OR REPLACE VIEW fact_values AS
WITH decided AS (
    SELECT
        e.*,
        CASE d.action WHEN 'confirm' THEN 'confirmed' WHEN 'edit' THEN 'edited' WHEN 'reject' THEN 'rejected'
            ELSE CASE WHEN e.abstained THEN 'abstained'
                      WHEN e.confidence >= (SELECT auto_accept FROM settings_crm) THEN 'accepted'
                      ELSE 'proposed' END
        END AS state,
        CASE WHEN d.action = 'edit' THEN d.value ELSE e.value END AS current_value,
        d.reviewer,
        d.reviewed_at
    FROM current_extraction_rows e
    LEFT JOIN decisions d ON d.fact_key = e.fact_key AND d.action <> 'reassign'
)
SELECT
    x.fact_key AS fact_id,
    x.fact_key,
    x.field,
    x.state,
    x.current_value AS value,
    CASE x.field
        WHEN 'next_step' THEN (x.current_value ->> 'action') || coalesce(' — ' || (x.current_value ->> 'owner'), '')
                              || coalesce(' (due ' || (x.current_value ->> 'due_date') || ')', '')
        WHEN 'objection' THEN (x.current_value ->> 'category') || ': ' || (x.current_value ->> 'summary')
        WHEN 'competitor' THEN (x.current_value ->> 'name')
                               || CASE WHEN (x.current_value ->> 'active')::BOOLEAN THEN '' ELSE ' (ruled out)' END
        WHEN 'competitor_candidate' THEN (x.current_value ->> 'name') || ' (not in the competitor list)'
        WHEN 'stage' THEN coalesce((x.current_value ->> 'previous') || ' → ', '') || (x.current_value ->> 'stage')
        WHEN 'amount' THEN (x.current_value ->> 'currency') || ' '
                           || format('{:,.0f}', (x.current_value ->> 'amount')::DOUBLE)
        WHEN 'close_date' THEN x.current_value ->> 'close_date'
        ELSE x.current_value::VARCHAR END AS summary,
    x.value AS proposed_value,
    x.confidence,
    x.conversation_id,
    cd.deal_id,
    cd.deal_name,
    cd.account,
    x.evidence ->> 0 AS utterance_id,
    x.quote, x.quote_start, x.quote_end,
    x.start_s, x.said_at,
    x.extractor, x.extractor_version, x.extraction_id, x.run_id,
    x.reviewer, x.reviewed_at
FROM decided x
LEFT JOIN derived.conversation_deals cd USING (conversation_id);
