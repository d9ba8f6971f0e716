"""Query latency of the CRM views on a large synthetic store.

Builds a DuckDB file (not through the ingestors: straight INSERT ... SELECT from `range()`,
every pseudo-random choice a DuckDB `hash()` of the row's number, a salt and a fixed seed, so
the data are the same on every run of the same DuckDB version) shaped like a year of a sales
team's conversations, at --scale 1:

- 5,000 accounts (external email domains, a tenth with a name in [accounts] names) and about
  3,800 named deals of 10-40 conversations each (a tenth of them on an account that already has
  one, so that account's emails and chats fall to its default deal), plus 5,000 inbound
  conversations with no deal, one per account: 100,000 conversations in all, calls 40%,
  email threads 40%, chats 20%; calls name their deal (a sidecar), emails and chats do not;
- 2-6 participants per conversation: one or two reps of a 60-person team at ourco.example
  ([team] internal_domains) and one to four of the account's eight contacts (one of them on
  gmail.com, a free-mail domain);
- one transcript per conversation and 2,000,000 utterances (5-35 per conversation, 20 on
  average): calls one source file each, chats one, emails one source per message;
- two extraction runs (an `extract` over everything, then a `reprocess` over a tenth of the
  conversations, newer) with their coverage rows, and 500,000 current facts: next_step 40%,
  objection 15%, competitor 15%, stage 10%, amount 10%, close_date 10%, valued like the real
  extractors' JSON (a deal's stages climb with its conversations up to a stage of its own; a
  quarter of the deals end closed won or lost), about 10% abstained, each with one real
  utterance of its conversation as evidence (a different one per fact of a conversation) and
  that utterance's text as the quote; plus ~25,000 superseded rows of the first run for the
  re-run conversations (history, not current);
- 50,000 review decisions (confirm 60%, edit 15%, reject 25%), ~1,000 undos, ~500 later
  re-decisions and 200 reassigned conversations.

[crm] as_of is fixed (2026-11-01) so that "today" does not move; the canned queries' date
parameters are given relative to it. The script prints the build time, the file size and the
row counts of deals, deal_risks, review_queue and pipeline (a check that the views are not
empty). Then each canned query of views/queries (with sensible parameters; `pipeline` also for
one rep) and `SELECT * FROM deals` runs once to warm up and --repeat times timed, each in a
fresh read-only `Store` (the CLI's path: `queries.run`, results fetched as polars), and the
script prints rows, p50 and p95 per query beside the target. A query whose warm-up takes over
2 s gets --slow-repeat timed runs instead (the table says so), and one still running after
--timeout seconds is interrupted and reported as slower than that.

    .venv/bin/python benchmarks/query_speed.py [--scale 1] [--repeat 20] [--db PATH] [--keep]

--db PATH builds into PATH, or when it exists reuses it (refreshing its views to this
checkout's SQL first), so that view changes can be timed on the same data.

Target: p95 < 200 ms for every query at --scale 1 on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

SEED = 20261122
TARGET_MS = 200.0
AS_OF = date(2026, 11, 1)
INTERNAL_DOMAIN = "ourco.example"
SLOW_S = 2.0  # a warm-up slower than this gets --slow-repeat timed runs instead of --repeat

FIRST = ["Maya", "Liam", "Olivia", "Noah", "Emma", "Lucas", "Ava", "Ethan", "Sofia", "Mason", "Isla", "Leo", "Mia",
         "James", "Zoe", "Ben", "Chloe", "Omar", "Priya", "Kenji", "Elena", "Diego", "Hana", "Tom", "Nora", "Sam",
         "Ines", "Raj", "Lena", "Victor"]
LAST = ["Chen", "Smith", "Garcia", "Patel", "Kim", "Novak", "Rossi", "Silva", "Meyer", "Dubois", "Khan", "Lopez",
        "Brown", "Sato", "Berg", "Cohen", "Ivanova", "Okafor", "Murphy", "Larsen", "Fischer", "Moreau", "Tanaka",
        "Walsh", "Costa", "Nguyen", "Haddad", "Jensen", "Reyes", "Volkov"]
PREFIX = ["North", "Bright", "Blue", "Red", "Silver", "Iron", "Green", "Stone", "Swift", "Clear", "True", "Deep",
          "High", "Open", "Next", "Cloud", "Pine", "Oak", "Sun", "Star"]
SUFFIX = ["wind", "wave", "field", "bridge", "works", "labs", "point", "ridge", "stack", "forge", "line", "gate",
          "path", "peak", "core"]
PRODUCTS = ["Platform", "Expansion", "Renewal", "Pilot", "Enterprise", "Analytics"]
SENTENCES = [
    "Thanks for making the time today.", "Can you walk me through how the pricing works for our volume?",
    "We need to loop in our security team before we go further.", "I'll send over the proposal by Friday.",
    "Our budget for this is fixed until the next fiscal year.", "We are also looking at Acme Analytics.",
    "The integration with our warehouse is the main question.", "Let's schedule a technical deep dive next week.",
    "Legal will want to review the data processing agreement.", "That sounds reasonable to me.",
    "The rollout would start with two teams in the first quarter.", "What does onboarding look like?",
    "We're currently using Northstar and it's fine for now.", "Honestly the price is higher than we expected.",
    "I need to check with my VP before committing.", "Could you share a customer reference in our industry?",
    "We can move to the proposal stage once procurement signs off.", "The timeline is tight but doable.",
    "I will get you the security questionnaire answers tomorrow.", "Our contract with the current vendor ends in March.",
    "We're aiming to close this by end of quarter.", "The dashboard demo went down well with the team.",
    "Is there a discount for a multi-year commitment?", "We are looking at roughly eighty thousand dollars a year.",
    "Let me get back to you after the board meeting.", "Perfect, talk soon.", "Can you send the recording?",
    "We don't have the headcount to run a pilot right now.", "The forecast module is exactly what finance asked for.",
    "I'll set up a call with our CTO.",
]
ACTIONS = ["send the proposal", "schedule a security review", "share the pricing sheet", "set up a call with the CTO",
           "send the recording", "book a technical deep dive", "share a customer reference", "draft the order form",
           "send the security questionnaire", "loop in procurement", "prepare the business case", "send the contract"]
DUE_TEXT = ["by Friday", "next week", "tomorrow", "by end of month", "on Monday", "in two weeks"]
OBJECTION_CATEGORIES = ["price", "timing", "authority", "need", "competitor", "security", "technical", "other"]
COMPETITORS = ["Acme Analytics", "Northstar", "Gong", "Chorus", "Clari", "Outreach", "Salesloft", "People.ai"]
LADDER = ["prospecting", "discovery", "evaluation", "proposal", "negotiation", "closed_won", "closed_lost"]
CLOSE_SAID = ["end of quarter", "by the end of the year", "next month", "before the renewal", "in Q1"]
MODELS = '["all-MiniLM-L6-v2", "en_core_web_sm-3.8.0"]'


def sql_list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


# ---------------------------------------------------------------------------- building

def build(path: Path, scale: float) -> dict:
    """Create and fill the store; returns the sizes and a few names the queries need."""
    from dealtape.models.config import AccountsConfig, Config, CrmConfig, TeamConfig
    from dealtape.models.store import Store

    n_conv = max(200, round(100_000 * scale))
    n_accounts = max(20, round(5_000 * scale))
    n_facts = max(1_000, round(500_000 * scale))
    n_reviews = max(100, round(50_000 * scale))
    n_reps = max(8, min(60, round(60 * scale ** 0.5)))
    n_stray = min(n_accounts, n_conv // 20)  # inbound conversations with no deal, one per account
    n_dealt = n_conv - n_stray
    names = {}
    for a in range(0, n_accounts, 10):
        company = PREFIX[a % len(PREFIX)] + SUFFIX[(a // len(PREFIX)) % len(SUFFIX)]
        names[f"{company.lower()}{a}.example"] = f"{company} {a} Inc."
    config = Config(team=TeamConfig(internal_domains=(INTERNAL_DOMAIN,)),
                    accounts=AccountsConfig(names=names), crm=CrmConfig(as_of=AS_OF.isoformat()))

    store = Store.open(path, create=True, config=config)
    con = store.con
    steps: list[tuple[str, float]] = []

    def step(label: str, sql: str) -> None:
        t = time.perf_counter()
        con.execute(sql)
        steps.append((label, time.perf_counter() - t))

    as_of = f"TIMESTAMPTZ '{AS_OF.isoformat()} 00:00:00+00'"
    con.execute(f"CREATE TEMP MACRO h(a, b) AS hash(a, b, {SEED})")
    con.execute(f"CREATE TEMP MACRO u01(a, b) AS (hash(a, b, {SEED}) % 1000000)::DOUBLE / 1e6")
    con.execute("CREATE TEMP MACRO pick(l, a, b) AS l[1 + (h(a, b) % len(l))::INTEGER]")
    con.execute("CREATE TEMP MACRO company(a) AS "
                f"{sql_list(PREFIX)}[1 + (a % {len(PREFIX)})::INTEGER] || "
                f"{sql_list(SUFFIX)}[1 + ((a // {len(PREFIX)}) % {len(SUFFIX)})::INTEGER]")
    con.execute("CREATE TEMP MACRO acct_domain(a) AS lower(company(a)) || a || '.example'")
    # Contact c (0-7) of account a: distinct first names within an account; contact 7 writes from gmail.
    con.execute(f"CREATE TEMP MACRO contact_first(a, c) AS {sql_list(FIRST)}[1 + ((a * 8 + c) % {len(FIRST)})::INTEGER]")
    con.execute(f"CREATE TEMP MACRO contact_last(a, c) AS pick({sql_list(LAST)}, a * 8 + c, 'last')")
    con.execute("CREATE TEMP MACRO contact_email(a, c) AS lower(contact_first(a, c) || '.' || contact_last(a, c)) || "
                "CASE WHEN c = 7 THEN a || '@gmail.com' ELSE '@' || acct_domain(a) END")
    con.execute(f"CREATE TEMP MACRO rep_first(r) AS {sql_list(FIRST)}[1 + (r % {len(FIRST)})::INTEGER]")
    con.execute(f"CREATE TEMP MACRO rep_last(r) AS {sql_list(LAST)}[1 + ((r // {len(FIRST)}) % {len(LAST)})::INTEGER]")
    con.execute(f"CREATE TEMP MACRO rep_email(r) AS lower(rep_first(r) || '.' || rep_last(r)) || '@{INTERNAL_DOMAIN}'")

    # Deals: 10-40 conversations each, laid end to end over conversation numbers 0..n_dealt-1.
    step("plan deals", f"""
        CREATE TEMP TABLE deal_plan AS
        WITH sized AS (
            SELECT d, 10 + (h(d, 'size') % 31)::INTEGER AS size FROM range({n_dealt // 10 + 1}) t(d)
        ), placed AS (
            SELECT d, size, sum(size) OVER (ORDER BY d) - size AS first_conv FROM sized
        )
        SELECT d, least(size, {n_dealt} - first_conv)::INTEGER AS size, first_conv,
               CASE WHEN d % 10 = 9 THEN (d * 7919) % {n_accounts} ELSE d % {n_accounts} END AS account_no,
               d % {n_reps} AS owner_rep,
               (h(d, 'age') % 90)::INTEGER AS idle_days,
               3 + (h(d, 'spacing') % 8)::INTEGER AS spacing_days,
               h(d, 'outcome') % 8 AS outcome,
               (h(d, 'reach') % 5)::INTEGER AS reach  -- the furthest open stage it gets to
        FROM placed WHERE first_conv < {n_dealt}""")
    step("plan conversations", f"""
        CREATE TEMP TABLE conv_plan AS
        WITH dealt AS (
            SELECT p.first_conv + k AS i, p.d, k::INTEGER AS k, p.size, p.account_no, p.owner_rep, p.outcome, p.reach,
                   {as_of} - to_days(p.idle_days + (p.size - 1 - k) * p.spacing_days)
                       + to_minutes((h(p.d, k) % 480)::INTEGER) AS started_at,
                   company(p.account_no) || ' ' || pick({sql_list(PRODUCTS)}, p.d, 'product') || ' ' || p.d AS deal_name
            FROM deal_plan p, (SELECT unnest(range(p.size)) AS k)
        ), stray AS (
            SELECT i, NULL::BIGINT AS d, 0 AS k, 1 AS size, (i - {n_dealt}) % {n_accounts} AS account_no,
                   h(i, 'rep') % {n_reps} AS owner_rep, 0 AS outcome, 0 AS reach,
                   {as_of} - to_days((h(i, 'age') % 365)::INTEGER) + to_minutes((h(i, 'min') % 600)::INTEGER) AS started_at,
                   NULL AS deal_name
            FROM range({n_dealt}, {n_conv}) t(i)
        ), both_ AS (SELECT * FROM dealt UNION ALL SELECT * FROM stray)
        SELECT *,
               'c' || left(md5('conv:' || i), 12) AS conversation_id,
               't' || left(md5('transcript:' || i), 12) AS transcript_id,
               CASE WHEN d IS NULL THEN (CASE WHEN h(i, 'kind') % 3 = 0 THEN 'chat' ELSE 'email' END)
                    ELSE CASE WHEN h(i, 'kind') % 10 < 4 THEN 'call' WHEN h(i, 'kind') % 10 < 8 THEN 'email' ELSE 'chat' END
               END AS kind,
               5 + (h(i, 'utterances') % 31)::INTEGER AS n_utt,
               1 + (h(i, 'internal') % 2)::INTEGER AS n_int,
               1 + (h(i, 'external') % 4)::INTEGER AS n_ext,
               (h(i, 'contact') % 7)::INTEGER AS contact_base,
               (owner_rep + 1 + h(i, 'rep2') % ({n_reps} - 1)) % {n_reps} AS second_rep
        FROM both_""")
    step("conversations", f"""
        INSERT INTO raw.conversations
        SELECT conversation_id, kind, 'bench:' || i,
               CASE kind WHEN 'call' THEN 'Call: ' || company(account_no) || ' / ourco — ' || pick({sql_list(PRODUCTS)}, i, 'topic')
                         WHEN 'email' THEN pick({sql_list(PRODUCTS)}, i, 'topic') || ' follow-up'
                         ELSE '#deal-' || lower(company(account_no)) END,
               started_at, CASE WHEN kind = 'call' THEN deal_name END, NULL,
               started_at + INTERVAL 1 DAY, 'bench'
        FROM conv_plan""")
    step("participants", """
        CREATE TEMP TABLE part_plan AS
        SELECT c.i, slot::INTEGER AS slot, c.conversation_id,
               CASE WHEN slot < c.n_int THEN rep_email(CASE WHEN slot = 0 THEN c.owner_rep ELSE c.second_rep END)
                    ELSE contact_email(c.account_no, (c.contact_base + slot - c.n_int) % 8) END AS email,
               CASE WHEN slot < c.n_int THEN rep_first(CASE WHEN slot = 0 THEN c.owner_rep ELSE c.second_rep END) || ' '
                                             || rep_last(CASE WHEN slot = 0 THEN c.owner_rep ELSE c.second_rep END)
                    ELSE contact_first(c.account_no, (c.contact_base + slot - c.n_int) % 8) || ' '
                         || contact_last(c.account_no, (c.contact_base + slot - c.n_int) % 8) END AS name
        FROM conv_plan c, (SELECT unnest(range(c.n_int + c.n_ext)) AS slot);
        INSERT INTO raw.participants
        SELECT 'p' || left(md5(conversation_id || chr(31) || email), 12), conversation_id, email, name, email,
               split_part(email, '@', 2), NULL, 'bench'
        FROM part_plan""")
    step("transcripts", """
        INSERT INTO raw.transcripts
        SELECT transcript_id, conversation_id, CASE WHEN kind = 'call' THEN 'vtt' ELSE 'text' END, NULL, NULL, NULL,
               started_at + INTERVAL 1 DAY, 'bench'
        FROM conv_plan""")
    step("utterances", f"""
        CREATE TEMP TABLE utt_plan AS
        SELECT c.i, seq::INTEGER AS seq, c.conversation_id, c.transcript_id, c.kind AS conv_kind, c.started_at,
               'u' || left(md5(c.conversation_id || ':' || seq), 16) AS utterance_id,
               (h(c.i * 64 + seq, 'speaker') % (c.n_int + c.n_ext))::INTEGER AS slot,
               CASE WHEN c.kind = 'email' THEN sha256('src:' || c.i || ':' || seq) ELSE sha256('src:' || c.i) END AS source_id
        FROM conv_plan c, (SELECT unnest(range(c.n_utt)) AS seq);
        INSERT INTO raw.utterances
        SELECT u.utterance_id, u.conversation_id, u.transcript_id, u.source_id, u.seq, p_id, p.name,
               CASE WHEN u.conv_kind = 'call' THEN 'speech'
                    WHEN u.conv_kind = 'chat' AND h(u.i * 64 + u.seq, 'system') % 50 = 0 THEN 'system'
                    ELSE 'message' END,
               CASE WHEN u.conv_kind = 'call' THEN u.seq * 9.5 END,
               CASE WHEN u.conv_kind = 'call' THEN u.seq * 9.5 + 8 END,
               CASE u.conv_kind WHEN 'email' THEN u.started_at + to_minutes(u.seq * (60 + (h(u.i, 'pace') % 600)::INTEGER))
                                WHEN 'chat' THEN u.started_at + to_minutes(u.seq * 3) END,
               pick({sql_list(SENTENCES)}, u.i * 64 + u.seq, 's1')
                   || CASE WHEN u.conv_kind = 'chat' THEN '' ELSE ' ' || pick({sql_list(SENTENCES)}, u.i * 64 + u.seq, 's2') END,
               CASE u.conv_kind WHEN 'email' THEN '<' || u.utterance_id || '@mail.bench.example>'
                                WHEN 'chat' THEN 'slack:C' || u.i || ':' || u.seq END,
               CASE WHEN u.conv_kind = 'email' AND u.seq > 0
                    THEN '<' || 'u' || left(md5(u.conversation_id || ':' || (u.seq - 1)), 16) || '@mail.bench.example>' END,
               NULL, 'bench'
        FROM utt_plan u
        JOIN (SELECT i, slot, name, 'p' || left(md5(conversation_id || chr(31) || email), 12) AS p_id FROM part_plan) p
          USING (i, slot)""")
    step("sources", f"""
        INSERT INTO raw.sources
        SELECT source_id, CASE conv_kind WHEN 'call' THEN 'vtt' WHEN 'chat' THEN 'slack' ELSE 'mbox' END,
               CASE conv_kind WHEN 'call' THEN 'calls/call_' || i || '.vtt'
                              WHEN 'chat' THEN 'chat/channel_' || i || '.jsonl'
                              ELSE 'mail/bench.mbox#' || (i * 64 + seq) * 2048 END,
               1000 + h(source_id, 'size') % 50000, NULL, NULL, {as_of}, 'bench'
        FROM (SELECT DISTINCT ON (source_id) source_id, conv_kind, i, seq FROM utt_plan ORDER BY source_id, seq)""")

    # Extraction: run A over everything, run B (newer) over a tenth of the conversations.
    run_a, run_b = "extract-20261030T020000-bench1", "reprocess-20261031T020000-bench2"
    t_a, t_b = f"{as_of} - INTERVAL 2 DAY", f"{as_of} - INTERVAL 1 DAY"
    extractors = "'{\"competitor\": \"1\", \"deal_terms\": \"1\", \"next_step\": \"1\", \"objection\": \"1\", \"stage\": \"1\"}'"
    step("extraction runs", f"""
        INSERT INTO raw.extraction_runs VALUES
            ('{run_a}', 'extract', {extractors}, '{MODELS}', 'bench', NULL, {t_a}, 'bench'),
            ('{run_b}', 'reprocess', {extractors}, '{MODELS}', 'bench', '{{"where": "a tenth"}}', {t_b}, 'bench');
        INSERT INTO raw.extraction_run_results VALUES
            ('{run_a}', {t_a} + INTERVAL 3 HOUR, 'ok', {n_conv}, {n_facts}, NULL),
            ('{run_b}', {t_b} + INTERVAL 1 HOUR, 'ok', {n_conv // 10}, {n_facts // 10}, NULL);
        CREATE TEMP TABLE rerun AS SELECT i FROM conv_plan WHERE h(i, 'rerun') % 10 = 0;
        INSERT INTO raw.extraction_coverage
        SELECT '{run_a}', c.conversation_id, c.transcript_id, x.extractor, '1', {t_a}
        FROM conv_plan c, (SELECT unnest(['next_step', 'objection', 'competitor', 'stage', 'deal_terms']) AS extractor) x;
        INSERT INTO raw.extraction_coverage
        SELECT '{run_b}', c.conversation_id, c.transcript_id, x.extractor, '1', {t_b}
        FROM conv_plan c JOIN rerun USING (i),
             (SELECT unnest(['next_step', 'objection', 'competitor', 'stage', 'deal_terms']) AS extractor) x""")
    step("conversation deals (for deal_id)", """
        CREATE TEMP TABLE conv_deal AS SELECT conversation_id, deal_id FROM conversation_deals""")
    step("facts", f"""
        CREATE TEMP TABLE fact_plan AS
        WITH f AS (
            SELECT f, (h(f, 'conv') % {n_conv})::BIGINT AS i,
                   (h(f, 'field') % 100)::INTEGER AS fr, u01(f, 'confidence') AS r
            FROM range({n_facts}) t(f)
        ), ranked AS (  -- each fact of a conversation quotes a different utterance (while there are enough)
            SELECT *, row_number() OVER (PARTITION BY i ORDER BY f) - 1 AS nth FROM f
        )
        SELECT f.f, f.i, c.conversation_id, c.transcript_id, c.kind, c.k, c.size, c.outcome, c.reach, c.owner_rep,
               c.account_no, cd.deal_id,
               CASE WHEN fr < 40 THEN 'next_step' WHEN fr < 55 THEN 'objection' WHEN fr < 70 THEN 'competitor'
                    WHEN fr < 80 THEN 'stage' WHEN fr < 90 THEN 'amount' ELSE 'close_date' END AS field,
               round(CASE WHEN r < 0.1 THEN 0.2 + r * 2.9 ELSE 0.5 + (r - 0.1) / 0.9 * 0.49 END, 3) AS confidence,
               'u' || left(md5(c.conversation_id || ':' || ((h(f.i, 'evidence') + f.nth) % c.n_utt)), 16) AS utterance_id,
               rerun.i IS NOT NULL AS rerun
        FROM ranked f JOIN conv_plan c USING (i) LEFT JOIN conv_deal cd USING (conversation_id) LEFT JOIN rerun USING (i);
        CREATE TEMP TABLE fact_rows AS
        SELECT p.*, u.text AS quote, u.start_s,
               coalesce(u.sent_at, cv.started_at + to_seconds(coalesce(u.start_s, 0))) AS said_at,
               CASE p.field WHEN 'amount' THEN 'deal_terms' WHEN 'close_date' THEN 'deal_terms' ELSE p.field END AS extractor,
               CASE p.field
                   WHEN 'next_step' THEN json_object(
                       'action', pick({sql_list(ACTIONS)}, p.f, 'action'),
                       'due_date', CASE WHEN h(p.f, 'due') % 10 < 7
                                        THEN strftime(coalesce(u.sent_at, cv.started_at)::DATE + (1 + h(p.f, 'days') % 21)::INTEGER, '%Y-%m-%d') END,
                       'due_text', CASE WHEN h(p.f, 'due') % 10 < 7 THEN pick({sql_list(DUE_TEXT)}, p.f, 'due_text') END,
                       'owner', CASE WHEN h(p.f, 'owner') % 3 < 2 THEN rep_first(p.owner_rep) || ' ' || rep_last(p.owner_rep)
                                     ELSE contact_first(p.account_no, 0) || ' ' || contact_last(p.account_no, 0) END,
                       'owner_email', CASE WHEN h(p.f, 'owner') % 3 < 2 THEN rep_email(p.owner_rep)
                                           ELSE contact_email(p.account_no, 0) END,
                       'owner_side', CASE WHEN h(p.f, 'owner') % 3 < 2 THEN 'internal' ELSE 'external' END)
                   WHEN 'objection' THEN json_object(
                       'category', pick({sql_list(OBJECTION_CATEGORIES)}, p.f, 'category'),
                       'summary', left(u.text, 80))
                   WHEN 'competitor' THEN json_object(
                       'active', h(p.f, 'active') % 100 < 85, 'name', pick({sql_list(COMPETITORS)}, p.f, 'competitor'))
                   WHEN 'stage' THEN json_object(
                       'previous', CASE WHEN stage_no > 0 THEN {sql_list(LADDER)}[least(stage_no, 5)] END,
                       'stage', {sql_list(LADDER)}[stage_no + 1])
                   WHEN 'amount' THEN json_object(
                       'amount', (5 + h(p.f, 'amount') % 500) * 1000.0,
                       'currency', CASE WHEN h(p.f, 'currency') % 10 < 8 THEN 'USD' WHEN h(p.f, 'currency') % 10 < 9 THEN 'EUR' ELSE 'GBP' END)
                   ELSE json_object(
                       'close_date', strftime(coalesce(u.sent_at, cv.started_at)::DATE + (20 + h(p.f, 'close') % 150)::INTEGER, '%Y-%m-%d'),
                       'said', pick({sql_list(CLOSE_SAID)}, p.f, 'said'))
               END AS value
        FROM (SELECT *,
                     -- stage by the conversation's place in its deal; a deal's last conversation may close it
                     CASE WHEN k = size - 1 AND size > 1 AND outcome = 0 THEN 5
                          WHEN k = size - 1 AND size > 1 AND outcome = 1 THEN 6
                          ELSE least(reach, k * (reach + 1) // size) END AS stage_no
              FROM fact_plan) p
        JOIN raw.utterances u ON u.utterance_id = p.utterance_id
        JOIN conv_plan cv ON cv.conversation_id = p.conversation_id;
        INSERT INTO raw.extractions
        SELECT 'x' || left(md5('{run_a}' || f), 16), '{run_a}', conversation_id, transcript_id, deal_id, field, value,
               round(greatest(0, confidence - 0.05), 3),
               'f' || left(md5(CASE WHEN field = 'stage' THEN coalesce(deal_id, conversation_id) ELSE conversation_id END
                               || ':' || field || ':' || f), 16),
               json_array(utterance_id), quote, 0, length(quote), start_s, said_at, extractor, '1', '{MODELS}',
               {t_a}, confidence - 0.05 < 0.5
        FROM fact_rows WHERE rerun AND h(f, 'superseded') % 2 = 0;
        INSERT INTO raw.extractions
        SELECT 'x' || left(md5(CASE WHEN rerun THEN '{run_b}' ELSE '{run_a}' END || f), 16),
               CASE WHEN rerun THEN '{run_b}' ELSE '{run_a}' END, conversation_id, transcript_id, deal_id, field, value,
               confidence,
               'f' || left(md5(CASE WHEN field = 'stage' THEN coalesce(deal_id, conversation_id) ELSE conversation_id END
                               || ':' || field || ':' || f), 16),
               json_array(utterance_id), quote, 0, length(quote), start_s, said_at, extractor, '1', '{MODELS}',
               CASE WHEN rerun THEN {t_b} ELSE {t_a} END, confidence < 0.5
        FROM fact_rows""")

    # Reviews: decisions on a sample of current facts, a few undone, a few decided again, a few reassigns.
    step("reviews", f"""
        CREATE TEMP TABLE decided AS
        SELECT e.*, h(e.extraction_id, 'action') % 20 AS ar, (h(e.extraction_id, 'reviewer') % {n_reps})::INTEGER AS rep,
               {t_b} + INTERVAL 2 HOUR + to_minutes((h(e.extraction_id, 'when') % 20000)::INTEGER) AS decided_at
        FROM raw.extractions e JOIN raw.extraction_coverage l USING (run_id, conversation_id, extractor)
        WHERE NOT (e.run_id = '{run_a}' AND e.conversation_id IN (SELECT conversation_id FROM conv_plan JOIN rerun USING (i)))
        ORDER BY h(e.extraction_id, 'review') LIMIT {n_reviews};
        INSERT INTO raw.reviews
        SELECT 'r' || left(md5('review:' || extraction_id), 12),
               CASE WHEN ar < 12 THEN 'confirm' WHEN ar < 15 THEN 'edit' ELSE 'reject' END,
               fact_key, conversation_id, field,
               CASE WHEN ar BETWEEN 12 AND 14 THEN json_merge_patch(value, CASE field
                   WHEN 'next_step' THEN json_object('due_text', 'next Tuesday')
                   WHEN 'objection' THEN json_object('category', 'timing')
                   WHEN 'competitor' THEN json_object('active', false)
                   WHEN 'stage' THEN json_object('stage', 'proposal')
                   WHEN 'amount' THEN json_object('amount', 120000.0)
                   ELSE json_object('close_date', '2026-12-31') END) END,
               value, extraction_id, extractor, extractor_version, confidence, NULL, rep_email(rep), decided_at
        FROM decided;
        INSERT INTO raw.reviews  -- undo about one decision in fifty
        SELECT 'r' || left(md5('undo:' || extraction_id), 12), 'undo', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
               NULL, 'r' || left(md5('review:' || extraction_id), 12), rep_email(rep), decided_at + INTERVAL 5 MINUTE
        FROM decided WHERE h(extraction_id, 'undo') % 50 = 0;
        INSERT INTO raw.reviews  -- decide again later (confirm after a reject, ...), about one in a hundred
        SELECT 'r' || left(md5('again:' || extraction_id), 12), 'confirm', fact_key, conversation_id, field, NULL, value,
               extraction_id, extractor, extractor_version, confidence, NULL, rep_email(rep), decided_at + INTERVAL 1 DAY
        FROM decided WHERE h(extraction_id, 'again') % 100 = 0;
        INSERT INTO raw.reviews  -- move a few conversations to another deal of the same account or a new one
        SELECT 'r' || left(md5('reassign:' || c.i), 12), 'reassign', NULL, c.conversation_id, NULL,
               json_object('deal', c.deal_name || ' (phase 2)',
                           'deal_id', 'd' || left(md5(lower(trim(c.deal_name || ' (phase 2)'))), 10)),
               NULL, NULL, NULL, NULL, NULL, NULL, rep_email(c.owner_rep), {t_b} + INTERVAL 3 HOUR
        FROM conv_plan c WHERE c.deal_name IS NOT NULL AND c.k = c.size - 1
        ORDER BY h(c.i, 'reassign') LIMIT {max(5, round(200 * scale))}""")
    t = time.perf_counter()
    for temp in ("decided", "fact_rows", "fact_plan", "conv_deal", "rerun", "utt_plan", "part_plan", "conv_plan", "deal_plan"):
        con.execute(f"DROP TABLE {temp}")
    con.execute("CHECKPOINT")
    steps.append(("checkpoint", time.perf_counter() - t))
    data_s = sum(s for _, s in steps)
    t = time.perf_counter()
    store.refresh()  # what ingest, extract and review do after writing (here: everything at once)
    steps.append(("derived tables (dealtape refresh)", time.perf_counter() - t))

    counts = {t: store.scalar(f"SELECT count(*) FROM raw.{t}") for t in (
        "conversations", "participants", "transcripts", "utterances", "sources", "extraction_coverage",
        "extractions", "reviews")}
    counts["accounts (domains)"] = store.scalar("SELECT count(DISTINCT account) FROM people")
    counts["current facts"] = store.scalar("SELECT count(*) FROM current_extractions")
    deal = store.scalar("""SELECT name FROM deals WHERE conversations >= 10
                           ORDER BY hash(deal_id) LIMIT 1""")
    owner = store.scalar("SELECT owner FROM deals WHERE owner IS NOT NULL GROUP BY owner ORDER BY count(*) DESC, owner LIMIT 1")
    store.close()
    return {"counts": counts, "steps": steps, "data_s": data_s, "deal": deal, "owner": owner}


# ---------------------------------------------------------------------------- measuring

def cases(deal: str, owner: str) -> list[tuple[str, str | None, dict]]:
    """(label, canned query name or None for raw SQL, params or {'sql': ...})."""
    since_90 = (AS_OF - timedelta(days=90)).isoformat()
    since_30 = (AS_OF - timedelta(days=30)).isoformat()
    from dealtape.models import queries

    params = {
        "competitor-report": {"since": since_90},
        "deal": {"deal": deal},
        "deals-at-risk": {},
        "next-steps-due": {"within": "7"},
        "objections-by-category": {"since": since_90},
        "overdue-next-steps": {},
        "pipeline": {},
        "rep-activity": {"since": since_30},
        "stalled-deals": {"days": "21"},
    }
    out = []
    for q in queries.available():
        out.append((q.name, q.name, params.get(q.name, {})))
    out.append(("pipeline --owner (one rep)", "pipeline", {"owner": owner}))
    out.append(("SELECT * FROM deals", None, {"sql": "SELECT * FROM deals"}))
    return out


def run_once(path: Path, name: str | None, params: dict, timeout_s: float) -> tuple[float, int | None]:
    """One run in a fresh read-only store: seconds (open excluded) and rows (None: interrupted at timeout_s)."""
    from dealtape.models import queries
    from dealtape.models.errors import DealtapeError
    from dealtape.models.store import Store

    with Store.open(path, read_only=True) as store:
        timer = threading.Timer(timeout_s, store.con.interrupt)
        timer.start()
        t = time.perf_counter()
        try:
            df = queries.run(store, name, params) if name else store.query(params["sql"])
        except DealtapeError:
            if time.perf_counter() - t < timeout_s:
                raise
            return time.perf_counter() - t, None
        finally:
            timer.cancel()
        return time.perf_counter() - t, df.height


def fetch(path: Path, sql: str, timeout_s: float) -> list[tuple] | None:
    """Rows of one SQL statement in a fresh read-only store; None when interrupted at timeout_s."""
    import duckdb

    from dealtape.models.store import Store

    with Store.open(path, read_only=True) as store:
        timer = threading.Timer(timeout_s, store.con.interrupt)
        timer.start()
        try:
            return store.con.execute(sql).fetchall()
        except duckdb.InterruptException:
            return None
        finally:
            timer.cancel()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = p / 100 * (len(ordered) - 1)
    lo = int(rank)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="1 = 100,000 conversations / 2,000,000 utterances / 500,000 facts (default 1)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per query after one warm-up (default 20)")
    parser.add_argument("--slow-repeat", type=int, default=5,
                        help=f"timed runs for a query whose warm-up took over {SLOW_S:.0f} s (default 5)")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="interrupt a query after this many seconds and report it as slower (default 120)")
    parser.add_argument("--db", type=Path, help="reuse (or build into) this DuckDB file instead of a temp one")
    parser.add_argument("--keep", action="store_true", help="keep the temp DuckDB file and print its path")
    parser.add_argument("--only", nargs="*", help="only these queries (labels), e.g. deal 'SELECT * FROM deals'")
    args = parser.parse_args()

    tmp = None
    if args.db:
        path = args.db
    else:
        tmp = Path(tempfile.mkdtemp(prefix="dealtape-query-bench-"))
        path = tmp / "bench.duckdb"
    try:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        if path.exists():
            from dealtape.models.store import Store
            with Store.open(path) as store:  # writable: refreshes the views to this checkout's SQL
                deal = store.scalar("SELECT name FROM deals WHERE conversations >= 10 ORDER BY hash(deal_id) LIMIT 1")
                owner = store.scalar("SELECT owner FROM deals WHERE owner IS NOT NULL GROUP BY owner "
                                     "ORDER BY count(*) DESC, owner LIMIT 1")
            print(f"reusing {path} ({path.stat().st_size / 1e9:.2f} GB); views refreshed")
        else:
            t0 = time.perf_counter()
            built = build(path, args.scale)
            build_s = time.perf_counter() - t0
            deal, owner = built["deal"], built["owner"]
            print(f"built {path} at scale {args.scale:g} (seed {SEED}, as_of {AS_OF}) in {build_s:.1f} s "
                  f"({built['data_s']:.1f} s writing the data, the rest counting through the views); "
                  f"file {path.stat().st_size / 1e9:.2f} GB ({path.stat().st_size / 1e6:.0f} MB)")
            print("  " + ", ".join(f"{k} {v:,}" for k, v in built["counts"].items()))
            print("  build steps: " + ", ".join(f"{label} {s:.1f}s" for label, s in built["steps"]))

        checks = {
            "deals": "SELECT count(*) FROM deals",
            "deal_risks": "SELECT count(*) FROM deal_risks",
            "review_queue": "SELECT count(*) FROM review_queue",
            "pipeline": "SELECT count(*) FROM pipeline",
            "deal_risks by kind": "SELECT risk, count(*) FROM deal_risks GROUP BY risk ORDER BY risk",
            "fact_states by state": "SELECT state, count(*) FROM fact_states GROUP BY state ORDER BY state",
            "pipeline by stage": "SELECT stage, deals FROM pipeline",
        }
        found = {k: fetch(path, sql, args.timeout) for k, sql in checks.items()}
        sizes = {k: (v[0][0] if v else None) for k, v in list(found.items())[:4]}
        print("view sizes: " + ", ".join(f"{k} " + (f"{v:,} rows" if v is not None else f"? (over {args.timeout:.0f} s)")
                                        for k, v in sizes.items()))
        for k, v in list(found.items())[4:]:
            print(f"  {k}: " + (", ".join(f"{a} {b:,}" for a, b in v) if v is not None else f"? (over {args.timeout:.0f} s)"))
        empty = [k for k, v in sizes.items() if v == 0]
        if empty:
            print(f"  WARNING: empty view(s): {', '.join(empty)}")
        print(f"parameters: deal {deal!r}, owner {owner!r}, since = as_of - 90d / - 30d")

        print(f"cores: {cores}; 1-min load average {os.getloadavg()[0]:.2f}")
        print(f"{'query':30} {'rows':>7} {'runs':>5} {'p50 ms':>9} {'p95 ms':>9}  target p95 < {TARGET_MS:.0f} ms")
        missed, measured = [], 0
        for label, name, params in cases(deal, owner):
            if args.only and label not in args.only:
                continue
            measured += 1
            warm_s, rows = run_once(path, name, params, args.timeout)
            if rows is None:
                missed.append(label)
                print(f"{label:30} {'?':>7} {0:>5} {'>' + format(args.timeout * 1000, '.0f'):>9} {'':>9}  NO"
                      f"  (interrupted after {args.timeout:.0f} s)", flush=True)
                continue
            n = args.repeat if warm_s <= SLOW_S else args.slow_repeat
            times = []
            for _ in range(n):
                s, rows = run_once(path, name, params, args.timeout)
                times.append(s * 1000)
            p50, p95 = statistics.median(times), percentile(times, 95)
            met = p95 < TARGET_MS
            if not met:
                missed.append(label)
            print(f"{label:30} {rows:>7} {n:>5} {p50:>9.1f} {p95:>9.1f}  {'yes' if met else 'NO'}"
                  + (f"  (warm-up {warm_s:.1f} s: {n} runs)" if n != args.repeat else ""), flush=True)
        if measured:
            print(f"target p95 < {TARGET_MS:.0f} ms: "
                  + ("met by every query" if not missed else f"NOT met by {', '.join(missed)}"))
        load = os.getloadavg()[0]
        print(f"1-min load average now {load:.2f}"
              + (f" (above the {cores} cores: something else competed for the CPU, figures are pessimistic)"
                 if load > cores else ""))
    finally:
        if tmp and args.keep:
            print(f"kept: {path}")
        elif tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
