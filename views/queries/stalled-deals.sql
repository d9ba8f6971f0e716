-- Open deals that have stayed in their stage longer than --days.
-- param: days INTEGER = 21 -- days in the current stage
SELECT name AS deal, owner, stage, stage_since::DATE AS in_stage_since, days_in_stage, amount,
       last_activity_at::DATE AS last_activity, next_step
FROM deals
WHERE days_in_stage > $days AND coalesce(stage, '') NOT IN ('closed_won', 'closed_lost')
ORDER BY days_in_stage DESC, deal;
