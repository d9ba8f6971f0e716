-- Deals and amounts per stage, in ladder order (deals with no stage yet last).
CREATE OR REPLACE VIEW pipeline AS
SELECT
    coalesce(d.stage, '(none yet)') AS stage,
    count(*) AS deals,
    sum(d.amount) AS amount,
    count(d.amount) AS deals_with_amount,
    list_position(any_value(s.ladder), d.stage) AS stage_order
FROM deals d, settings_crm s
GROUP BY d.stage
ORDER BY stage_order NULLS LAST;
