-- Interaction statistics per call and voice note, over its current transcript (recordings and
-- timed call transcripts alike): talk time and talk ratio per side, the longest monologue (one
-- speaker's consecutive utterances) and who held it, the longest customer story (the same, by
-- an external speaker), questions asked per side (question marks), and interactivity: speaker
-- switches per minute. Sides come from `people`, so naming a speaker updates them.
CREATE OR REPLACE VIEW call_stats AS
WITH latest_transcript AS (
    SELECT conversation_id, arg_max(transcript_id, created_at) AS transcript_id
    FROM raw.transcripts GROUP BY conversation_id
), said AS (
    SELECT u.conversation_id,
           coalesce(p.name, u.speaker) AS speaker,
           coalesce(p.side, 'unknown') AS side,
           u.start_s,
           u.end_s,
           greatest(u.end_s - u.start_s, 0) AS talk_s,
           length(u.text) - length(replace(u.text, '?', '')) AS questions,
           coalesce(u.participant_id, u.speaker) IS DISTINCT FROM
               lag(coalesce(u.participant_id, u.speaker)) OVER turns AS new_speaker,
           row_number() OVER turns AS n
    FROM raw.utterances u
    JOIN latest_transcript USING (conversation_id, transcript_id)
    JOIN raw.conversations c USING (conversation_id)
    LEFT JOIN people p ON p.participant_id = u.participant_id
    WHERE c.kind IN ('call', 'voice_note') AND u.kind = 'speech' AND u.start_s IS NOT NULL AND u.end_s IS NOT NULL
    WINDOW turns AS (PARTITION BY u.conversation_id ORDER BY u.start_s, u.seq)
), monologues AS (
    SELECT conversation_id, any_value(speaker) AS speaker, any_value(side) AS side,
           max(end_s) - min(start_s) AS seconds
    FROM (SELECT *, sum(new_speaker::INTEGER) OVER (PARTITION BY conversation_id ORDER BY n) AS monologue FROM said)
    GROUP BY conversation_id, monologue
), longest AS (
    SELECT conversation_id,
           max(seconds) AS longest_monologue_s,
           arg_max(speaker, seconds) AS longest_monologue_by,
           max(seconds) FILTER (WHERE side = 'external') AS longest_customer_story_s
    FROM monologues GROUP BY conversation_id
), totals AS (
    SELECT conversation_id,
           max(end_s) - min(start_s) AS duration_s,
           sum(talk_s) AS talk_s,
           sum(talk_s) FILTER (WHERE side = 'internal') AS talk_s_internal,
           sum(talk_s) FILTER (WHERE side = 'external') AS talk_s_external,
           sum(talk_s) FILTER (WHERE side = 'unknown') AS talk_s_unknown,
           sum(questions) FILTER (WHERE side = 'internal') AS questions_internal,
           sum(questions) FILTER (WHERE side = 'external') AS questions_external,
           count(*) FILTER (WHERE new_speaker) - 1 AS speaker_switches
    FROM said GROUP BY conversation_id
)
SELECT t.conversation_id,
       round(t.duration_s, 1) AS duration_s,
       round(t.talk_s, 1) AS talk_s,
       round(coalesce(t.talk_s_internal, 0) / nullif(t.talk_s, 0), 3) AS talk_ratio_internal,
       round(coalesce(t.talk_s_external, 0) / nullif(t.talk_s, 0), 3) AS talk_ratio_external,
       round(coalesce(t.talk_s_unknown, 0) / nullif(t.talk_s, 0), 3) AS talk_ratio_unknown,
       round(l.longest_monologue_s, 1) AS longest_monologue_s,
       l.longest_monologue_by,
       round(l.longest_customer_story_s, 1) AS longest_customer_story_s,
       coalesce(t.questions_internal, 0) AS questions_internal,
       coalesce(t.questions_external, 0) AS questions_external,
       t.speaker_switches,
       round(t.speaker_switches / nullif(t.duration_s / 60, 0), 2) AS switches_per_minute
FROM totals t
JOIN longest l USING (conversation_id);
