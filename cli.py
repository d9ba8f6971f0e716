"""The `dealtape` command: a thin shell over the library. Each command opens the store,
calls one library function and renders the result."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from typer.core import TyperGroup

from .models.errors import DealtapeError


@dataclass
class Settings:
    db: Optional[Path]
    config: Optional[Path]
    debug: bool
    reviewer: Optional[str] = None  # set by `dealtape review`

    def load_config(self):
        from .models import config

        return config.load(self.config)

    def open(self, *, read_only: bool = False, create: bool = False):
        from .models.store import Store

        return Store.open(self.db, read_only=read_only, create=create,
                          config=None if read_only else self.load_config())


class _Group(TyperGroup):
    """Turns library errors into one `Error: …` line and exit status 1 (tracebacks with --debug)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DealtapeError as exc:
            if isinstance(ctx.obj, Settings) and ctx.obj.debug:
                raise
            _err(f"Error: {exc}")
            if exc.hint:
                _err(f"Hint: {exc.hint}")
            raise typer.Exit(1) from None

    def resolve_command(self, ctx, args):
        # `dealtape ingest imap ...` is a command of its own; `dealtape ingest PATH...` stays as it was
        # (a folder named imap is `dealtape ingest ./imap`)
        if args[:2] == ["ingest", "imap"]:
            return "ingest imap", self.get_command(ctx, "ingest imap"), args[2:]
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=_Group,
    help="dealtape: a CRM derived from what was said in calls, email and chat.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr)


@app.callback()
def _options(
    ctx: typer.Context,
    db: Optional[Path] = typer.Option(None, "--db", envvar="DEALTAPE_DB",
                                      help="DuckDB file (default ./dealtape.duckdb).", show_default=False),
    config: Optional[Path] = typer.Option(None, "--config", help="Config file (default ./dealtape.toml if present)."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks instead of one-line errors."),
):
    if debug:
        import logging

        logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = Settings(db, config, debug)


@app.command()
def init(ctx: typer.Context):
    """Create the database, or upgrade it to the current schema."""
    settings: Settings = ctx.obj
    with settings.open(create=True) as store:
        from .models.migrations import applied

        names = list(applied(store.con))
    typer.echo(f"{store.path}: ready (schema {names[-1]}, {len(names)} migration(s) applied)")


@app.command()
def refresh(ctx: typer.Context):
    """Rebuild the derived tables the CRM views read (deals, fact states, per-conversation
    summaries) from the raw tables. dealtape does this after every write; run it after changing
    the raw tables with other tools."""
    import time

    settings: Settings = ctx.obj
    started = time.perf_counter()
    with settings.open() as store:
        store.refresh()
        deals = store.scalar("SELECT count(*) FROM deals")
        facts = store.scalar("SELECT count(*) FROM fact_states")
    typer.echo(f"{store.path}: {deals} deal(s), {facts} fact(s) rebuilt in {time.perf_counter() - started:.1f} s")


@app.command()
def ingest(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="Files and folders: recordings, transcripts, email, chat exports."),
    kind: Optional[str] = typer.Option(None, "--kind", "-k",
                                       help="Force the input kind instead of detecting it (see `dealtape kinds`); "
                                            "`--kind voice-note` for recordings with one internal speaker."),
):
    """Store calls, email and chat from files and folders. Re-running adds only what is new.

    A live mailbox is synced with `dealtape ingest imap` (see `dealtape ingest imap --help`).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from . import ingest as ingest_lib

    settings: Settings = ctx.obj
    if kind:
        ingest_lib.get(kind)  # an unknown kind fails before anything is opened
    console = _console(stderr=True)
    with settings.open(create=True) as store, Progress(
        TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), TextColumn("{task.fields[uri]}"), transient=True, console=console,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("ingesting", total=None, uri="")

        def progress(uri: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, uri=Path(uri).name if uri else "")

        report = ingest_lib.run(paths, store, kind=kind, progress=progress, config=settings.load_config())
    w = report.written
    typer.echo(f"{w.new} new, {w.duplicate} already had, {len(report.failed)} failed (from {report.items} file(s) "
               f"or archive member(s)); added {w.conversations} conversation(s), {w.utterances} utterance(s), "
               f"{w.participants} participant(s)")
    if report.ignored:
        shown = ", ".join(map(str, report.ignored[:5])) + (" …" if len(report.ignored) > 5 else "")
        typer.echo(f"ignored {len(report.ignored)} file(s) of no known kind: {shown} (use --kind to force one)")
    for rejected in report.failed:
        _err(f"Error: {rejected.uri}: {rejected.reason}")
    if not report.ok:
        raise typer.Exit(1)


@app.command("ingest imap")
def ingest_imap(
    ctx: typer.Context,
    account: Optional[str] = typer.Option(None, "--account", "-a", help="An \\[imap.NAME] account in dealtape.toml; "
                                          "the options below override its settings."),
    host: Optional[str] = typer.Option(None, "--host", help="The IMAP server, e.g. imap.gmail.com."),
    port: Optional[int] = typer.Option(None, "--port", min=1, max=65535,
                                       help="Default 993 (IMAP over TLS), or 143 with --starttls or --no-tls."),
    user: Optional[str] = typer.Option(None, "--user", "-u", help="Login name (default: yours)."),
    folder: Optional[list[str]] = typer.Option(None, "--folder", help="A folder to sync (repeatable; default INBOX)."),
    since: Optional[datetime] = typer.Option(None, "--since", help="Only messages received on or after this date."),
    starttls: bool = typer.Option(False, "--starttls", help="Connect in plain text, then upgrade with STARTTLS."),
    no_tls: bool = typer.Option(False, "--no-tls", help="No encryption at all (only on a network you trust)."),
):
    """Sync a live mailbox over IMAP: each run fetches only what is new; nothing is marked read.

    The password comes from $DEALTAPE_IMAP_PASSWORD (or the account's password_env), an OAuth2 access token from $DEALTAPE_IMAP_OAUTH2_TOKEN (or token_env); else it is asked for in a terminal.
    """
    import sys

    from .ingest import imap

    if starttls and no_tls:
        raise typer.BadParameter("use --starttls or --no-tls, not both")
    settings: Settings = ctx.obj
    mailbox = imap.resolve_account(settings.load_config(), account, host=host, port=port, user=user,
                                   folders=folder or (), since=since.date() if since else None,
                                   tls="starttls" if starttls else "none" if no_tls else None)
    creds = imap.credentials(mailbox, prompt=_secret_prompt if sys.stdin.isatty() else None)
    with imap.connect(mailbox, creds) as session, settings.open(create=True) as store, \
            _progress_bar("syncing") as progress:  # connected first: a wrong password writes nothing
        report = imap.sync(session, store, progress=progress)
    for f in report.folders.values():
        again = f" ({f.rescanned}: read again)" if f.rescanned else ""
        typer.echo(f"{f.folder}: {f.fetched} fetched, {f.new} new, {f.duplicate} already had, {f.failed} failed{again}"
                   if f.fetched or f.failed or again else f"{f.folder}: nothing new")
    w = report.written
    typer.echo(f"{w.new} new, {w.duplicate} already had, {len(report.failed)} failed (from {report.fetched} "
               f"message(s) of {report.mailbox}); added {w.conversations} conversation(s), {w.utterances} "
               f"utterance(s), {w.participants} participant(s)")
    for rejected in report.failed:
        _err(f"Error: {rejected.uri}: {rejected.reason}")
    if not report.ok:
        raise typer.Exit(1)


def _secret_prompt(text: str) -> str:
    return typer.prompt(text, hide_input=True, default="", show_default=False)


def _progress_bar(description: str):
    """A context manager giving `progress(label, done, total)` drawn as a rich bar on stderr (a terminal only)."""
    from contextlib import contextmanager

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    @contextmanager
    def bar():
        console = _console(stderr=True)
        with Progress(TextColumn(description), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      TextColumn("{task.fields[label]}"), transient=True, console=console,
                      disable=not console.is_terminal) as progress:
            task = progress.add_task(description, total=None, label="")
            yield lambda label, done, total: progress.update(task, completed=done, total=total, label=label)

    return bar()


@app.command()
def kinds():
    """List the input kinds `dealtape ingest` understands."""
    from . import ingest as ingest_lib

    for name in ingest_lib.available_ingestors():
        ingestor = ingest_lib.get(name)
        typer.echo(f"{name:16} {ingestor.description} (re-ingest key: {ingestor.natural_key})")


@app.command()
def status(ctx: typer.Context):
    """What the database holds: rows per table, conversations per kind, last runs."""
    from .models import crm

    with ctx.obj.open(read_only=True) as store:
        s = crm.status(store)
    console = _console()
    console.print(f"[bold]{s.path}[/bold]  schema {s.migrations[-1] if s.migrations else '-'}")
    console.print("  ".join(f"{table}: {n}" for table, n in s.rows.items()))
    console.print(f"accounts: {s.accounts}  contacts: {s.contacts}  "
                  f"internal domains: {', '.join(s.internal_domains) or '(none configured)'}")
    if not s.internal_domains:
        console.print("[yellow]No \\[team] internal_domains in dealtape.toml: every email address counts as "
                      "external.[/yellow]")
    console.print(_table(s.by_kind, title="Conversations"))
    console.print(_table(s.last_runs, title="Last runs"))


@app.command("conversations")
def conversations_(
    ctx: typer.Context,
    account: Optional[str] = typer.Option(None, "--account", "-a", help="Account domain or name."),
    kind: Optional[str] = typer.Option(None, "--kind", "-k", help="call, voice_note, email or chat."),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", help="Show at most N."),
):
    """List conversations, newest first."""
    from .models import crm

    with ctx.obj.open(read_only=True) as store:
        df = crm.conversations(store, account=account, kind=kind, limit=limit)
    _console().print(_table(df, title=f"{len(df)} conversation(s)"))


@app.command()
def show(ctx: typer.Context, conversation_id: str = typer.Argument(..., help="A conversation id, or its first characters.")):
    """One conversation: who took part and what each of them said, in order."""
    from .models import crm

    with ctx.obj.open(read_only=True) as store:
        overview, people, timeline = crm.conversation(store, conversation_id)
    from rich.text import Text

    console = _console()
    console.print(f"[bold]{overview['title'] or '(untitled)'}[/bold]  {overview['kind']}  "
                  f"{_cell(overview['started_at'])}  {overview['account_name'] or ''}")
    console.print(f"[dim]{overview['conversation_id']}  {overview['source_uri']}[/dim]")
    console.print(_table(people, title="Participants"))
    for row in timeline.iter_rows(named=True):
        when = _clock(row["start_s"]) if row["start_s"] is not None else _cell(row["sent_at"])
        style = "cyan" if row["side"] == "internal" else "green" if row["side"] == "external" else "white"
        label = row["speaker"] or "?"
        if row["utterance_kind"] not in ("speech", "message"):
            label += f" ({row['utterance_kind']})"
        console.print(Text.assemble((when, "dim"), " ", (label, style), ": ", row["text"]))


@app.command("export-rttm")
def export_rttm(
    ctx: typer.Context,
    conversation_id: str = typer.Argument(..., help="A recorded call (id or its first characters)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to this file (default: stdout)."),
):
    """Who spoke when in a recorded call, as RTTM (the current transcript's speaker turns)."""
    from .models import speakers

    with ctx.obj.open(read_only=True) as store:
        rttm = speakers.rttm(store, conversation_id)
    if output:
        output.write_text(rttm, encoding="utf-8")
        _err(f"wrote {rttm.count(chr(10))} turn(s) to {output}")
    else:
        typer.echo(rttm, nl=False)


reps_app = typer.Typer(help="Reps' voices: enrol them so recorded calls name them.", no_args_is_help=True)
app.add_typer(reps_app, name="reps")


@reps_app.command("enroll")
def reps_enroll(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="The rep's email (an internal domain: only our own people enrol)."),
    audio_file: Path = typer.Argument(..., help="A recording of the rep speaking (a few seconds to minutes).",
                                      exists=True, dir_okay=False),
):
    """Store a rep's voiceprint: diarized speakers who sound like it are named as that rep."""
    import getpass

    from .models import speakers

    settings: Settings = ctx.obj
    with settings.open(create=True) as store:
        done = speakers.enroll(store, settings.load_config(), email, audio_file, getpass.getuser())
    typer.echo(f"enrolled {done.email} ({done.speech_s:.0f} s of speech): calls ingested from now on name this voice")


def _extraction(ctx: typer.Context, extractors: list[str] | None, everything: bool, command: str,
                since: datetime | None = None, where: str | None = None, dry_run: bool = False) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from .extract import pipeline
    from .extract.settings import ExtractSettings

    settings: Settings = ctx.obj
    extract_settings = ExtractSettings.from_config(settings.load_config())
    with settings.open() as store:
        selection = pipeline.select(store, extractors or None, everything=everything,
                                    since=since.date() if since else None, where=where)
        if dry_run or not selection.plan:
            verb = "would process" if dry_run else "nothing to do:"
            typer.echo(f"{verb} {selection.conversations} conversation(s) with "
                       f"{', '.join(selection.extractors)}" + ("" if selection.plan or dry_run else
                                                              " (all already extracted; use `dealtape reprocess`)"))
            return
        console = _console(stderr=True)
        with Progress(TextColumn("extracting"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                      TimeRemainingColumn(), console=console, transient=True,
                      disable=not console.is_terminal) as bar:
            task = bar.add_task("extract", total=selection.conversations, rate="")

            def progress(done: int, total: int) -> None:
                elapsed = bar.tasks[0].elapsed or 0
                bar.update(task, completed=done, rate=f"{done / elapsed:.1f} conv/s" if elapsed else "")

            report = pipeline.run(store, extract_settings, selection, command=command, progress=progress,
                                  params={"extractors": extractors, "since": since, "where": where})
    rate = report.utterances / report.seconds if report.seconds else 0
    found = ", ".join(f"{field} {n}" for field, n in sorted(report.facts.items())) or "none"
    typer.echo(f"run {report.run_id}: {report.conversations} conversation(s), {report.utterances} utterance(s) "
               f"in {report.seconds:.1f} s ({rate:.0f} utterances/s); facts: {found}")


@app.command()
def extract(
    ctx: typer.Context,
    extractor: Optional[list[str]] = typer.Option(None, "--extractor", "-e",
                                                  help="Only this extractor (repeatable; see `dealtape extractors`)."),
):
    """Extract next steps, objections, competitors, amounts and stages from conversations not yet processed."""
    _extraction(ctx, extractor, everything=False, command="extract")


@app.command()
def reprocess(
    ctx: typer.Context,
    extractor: Optional[list[str]] = typer.Option(None, "--extractor", "-e", help="Only this extractor (repeatable)."),
    since: Optional[datetime] = typer.Option(None, "--since", help="Only conversations started on or after this date."),
    where: Optional[str] = typer.Option(None, "--where",
                                        help="Only conversations matching this SQL condition on the `conversations` "
                                             "view, e.g. \"kind = 'call'\"."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say how many conversations would be processed."),
):
    """Re-run extractors over the archive as a new run. Old runs and their facts are kept; views use the newest."""
    _extraction(ctx, extractor, everything=True, command="reprocess", since=since, where=where, dry_run=dry_run)


@app.command()
def extractors():
    """List the extractors: name, version, what they read and write."""
    from .extract import EXTRACTORS, get

    for name in EXTRACTORS:
        e = get(name)
        typer.echo(f"{name:12} v{e.version:4} writes {', '.join(e.writes):32} reads {', '.join(e.reads)}")


runs_app = typer.Typer(help="Extraction runs: list them, or compare two.", invoke_without_command=True,
                       no_args_is_help=False)
app.add_typer(runs_app, name="runs")


@runs_app.callback()
def runs_list(ctx: typer.Context, limit: int = typer.Option(20, "--limit", "-n", help="Show at most N runs.")):
    """List extraction runs, newest first (`dealtape runs diff A B` compares two)."""
    if ctx.invoked_subcommand:
        return
    from .extract import runs

    with ctx.obj.open(read_only=True) as store:
        df = runs.runs(store, limit)
    console = _console()
    if df.is_empty():
        console.print("no extraction runs yet: run `dealtape extract`")
    for r in df.iter_rows(named=True):
        took = f"{r['seconds']:.1f} s" if r["seconds"] is not None else "-"
        console.print(f"[bold]{r['run_id']}[/bold]  {_cell(r['started_at'])}  {r['status']}  "
                      f"{r['conversations'] or 0} conversation(s), {r['facts'] or 0} fact(s) in {took}\n"
                      f"    [dim]{r['extractors']}[/dim]")


@runs_app.command("diff")
def runs_diff(ctx: typer.Context,
              a: str = typer.Argument(..., help="The older run (id, prefix, or 'previous')."),
              b: str = typer.Argument(..., help="The newer run (id, prefix, or 'latest').")):
    """Per field, how many facts run B added, removed or changed compared with run A."""
    from .extract import runs

    with ctx.obj.open(read_only=True) as store:
        df = runs.diff(store, a, b)
    _console().print(_table(df, title=f"{a} → {b} (conversations both runs processed)"))


@app.command()
def facts(
    ctx: typer.Context,
    deal: Optional[str] = typer.Option(None, "--deal", "-d", help="Deal name, account or id (substring)."),
    field: Optional[str] = typer.Option(None, "--field", "-f", help="next_step, objection, competitor, stage, amount, close_date."),
):
    """The current extracted facts per deal, each with its quote."""
    from rich.text import Text

    from .models import crm

    with ctx.obj.open(read_only=True) as store:
        df = crm.facts(store, deal=deal, field=field)
    console = _console()
    if df.is_empty():
        console.print("no facts match --deal/--field" if deal or field else "no facts yet: run `dealtape extract`")
        return
    for (deal_name,), rows in df.group_by(["deal_name"], maintain_order=True):
        console.print(Text(deal_name or "(no deal)", style="bold underline"))
        for row in rows.iter_rows(named=True):
            when = _clock(row["start_s"]) if row["start_s"] is not None else _cell(row["said_at"])
            console.print(Text.assemble(("  " + row["field"].ljust(12), "bold"), (row["summary"], "cyan"),
                                        (f"  {row['confidence']:.2f}", "dim")))
            console.print(Text.assemble("      “", (row["quote"], "italic"), "” ",
                                        (f"{row['speaker'] or '?'}, {row['title'] or ''} {when}", "dim")))


review_app = typer.Typer(
    help="The review queue: confirm, edit or reject what was extracted. Without a subcommand, an "
         "interactive session, one conversation at a time, newest first (keys: y confirm, n reject, "
         "e edit, a confirm the rest, s skip, u undo, q quit).",
    invoke_without_command=True, no_args_is_help=False)
app.add_typer(review_app, name="review")


@review_app.callback()
def review(
    ctx: typer.Context,
    rep: Optional[str] = typer.Option(None, "--rep", help="Only conversations this rep (email) took part in."),
    deal: Optional[str] = typer.Option(None, "--deal", "-d", help="Only this deal (id, or part of its name or account)."),
    as_: Optional[str] = typer.Option(None, "--as", envvar="DEALTAPE_REVIEWER",
                                      help="Who decides (default: [team] me in the config, else the OS user)."),
):
    from .models import review as review_lib

    config = ctx.obj.load_config()
    ctx.obj.reviewer = review_lib.reviewer(as_, config)
    if ctx.invoked_subcommand is None:
        from . import review_tui

        with ctx.obj.open() as store:
            review_tui.run_session(store, config, ctx.obj.reviewer, rep=rep, deal=deal)


@review_app.command("list")
def review_list(
    ctx: typer.Context,
    rep: Optional[str] = typer.Option(None, "--rep", help="Only conversations this rep (email) took part in."),
    deal: Optional[str] = typer.Option(None, "--deal", "-d", help="Only this deal (id, or part of its name or account)."),
    abstained: bool = typer.Option(False, "--abstained", help="Also the facts below the confidence threshold."),
    json_: bool = typer.Option(False, "--json", help="JSON lines, one fact per line (for scripts)."),
):
    """The facts awaiting a decision, newest conversation first."""
    from .models import review as review_lib

    with ctx.obj.open(read_only=True) as store:
        df = review_lib.queue(store, rep=rep, deal=deal, abstained=abstained)
    if json_:
        import json

        for row in df.iter_rows(named=True):
            row["value"] = json.loads(row["value"]) if row["value"] else None
            typer.echo(json.dumps(row, default=str, ensure_ascii=False))
        return
    if df.is_empty():
        _console().print("nothing to review")
        return
    _print_result(df.select("fact_id", "deal_name", "field", "summary", "confidence", "speaker", "quote", "state"),
                  title=f"{len(df)} fact(s) to review")


def _decide(ctx: typer.Context, fact_ids: list[str], action: str, value: dict | None = None) -> None:
    from .models import review as review_lib

    with ctx.obj.open() as store:
        done = review_lib.decide(store, fact_ids, action, ctx.obj.reviewer, value=value)
    for d in done:
        typer.echo(f"{review_lib.PAST[d.action]} {d.fact_id} ({d.field}: {d.summary})")


@review_app.command("confirm")
def review_confirm(ctx: typer.Context, fact_ids: list[str] = typer.Argument(..., help="Fact ids (or unambiguous prefixes).")):
    """Confirm facts as they were proposed."""
    _decide(ctx, fact_ids, "confirm")


@review_app.command("reject")
def review_reject(ctx: typer.Context, fact_ids: list[str] = typer.Argument(..., help="Fact ids (or unambiguous prefixes).")):
    """Reject facts: they never fill a field, and a re-run does not propose them again."""
    _decide(ctx, fact_ids, "reject")


@review_app.command("edit")
def review_edit(
    ctx: typer.Context,
    fact_id: str = typer.Argument(..., help="The fact id (or an unambiguous prefix)."),
    value: list[str] = typer.Option(..., "--value", "-v",
                                    help="The new value: the field's main attribute (a stage, a category, an "
                                         "action, a date...), ATTR=VALUE (e.g. due_date=2026-12-01; repeatable), "
                                         "or a JSON object."),
):
    """Confirm a fact with a corrected value (dates, categories, stages and competitors are checked)."""
    from .extract.settings import ExtractSettings
    from .models import review as review_lib

    config = ctx.obj.load_config()
    with ctx.obj.open() as store:
        fact = review_lib.fact(store, fact_id)
        new = review_lib.parse_value(fact["field"], fact["value"], value, ExtractSettings.from_config(config),
                                     reference=fact["said_at"].date() if fact["said_at"] else None)
        review_lib.decide(store, [fact["fact_id"]], "edit", ctx.obj.reviewer, value=new)
    typer.echo(f"edited {fact['fact_id']} ({fact['field']}): {json.dumps(new, ensure_ascii=False)}")


@review_app.command("reassign")
def review_reassign(
    ctx: typer.Context,
    conversation_id: str = typer.Argument(..., help="The conversation (id or prefix)."),
    deal: str = typer.Option(..., "--deal", "-d", help="The deal: an existing deal's id or name, or a new deal's name."),
):
    """Move a conversation to another deal; the views follow at once."""
    from .models import review as review_lib

    with ctx.obj.open() as store:
        done = review_lib.reassign(store, conversation_id, deal, ctx.obj.reviewer)
    typer.echo(f"reassigned {done.summary}")


@review_app.command("undo")
def review_undo(ctx: typer.Context):
    """Take back your latest decision."""
    from .models import review as review_lib

    with ctx.obj.open() as store:
        done = review_lib.undo(store, ctx.obj.reviewer)
    typer.echo(f"undone: {done.summary}")


@review_app.command("name-speaker")
def review_name_speaker(
    ctx: typer.Context,
    conversation_id: str = typer.Argument(..., help="The recorded call (id or prefix)."),
    speaker: str = typer.Argument(..., help="The speaker as shown, e.g. \"Speaker 2\"."),
    as_person: str = typer.Option(..., "--as-person", "-p", help="Who it is: an email, or a name known in the call."),
):
    """Name a diarized speaker; the call gets a new transcript with that person's words attributed."""
    from .models import speakers

    with ctx.obj.open() as store:
        done = speakers.name_speaker(store, conversation_id, speaker, as_person, ctx.obj.reviewer)
    typer.echo(f"{done.label} in {done.conversation_id} is now {done.person} ({done.utterances} utterance(s))")


@review_app.command("stats")
def review_stats(ctx: typer.Context):
    """Decisions as labelled data: per field and extractor version, confirmed unedited, edited, rejected."""
    with ctx.obj.open(read_only=True) as store:
        df = store.query("SELECT * FROM review_stats")
    _print_result(df, title="review decisions per field and extractor version")


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"
    plain = "plain"


@app.command()
def sql(
    ctx: typer.Context,
    query: str = typer.Argument(..., help="SQL over the views (conversations, timeline, accounts, …) and raw.* tables."),
    format: Format = typer.Option(Format.table, "--format", "-f",
                                  help="table; csv, json or parquet (to --output, or stdout for csv/json); "
                                       "plain: tab-separated values without a header, for scripts."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to this file."),
):
    """Run a read-only SQL query. The database is opened read-only, so nothing can change."""
    with ctx.obj.open(read_only=True) as store:
        df = store.query(query)
    _emit(df, format, output)


def _emit(df, format: Format, output: Optional[Path], title: str | None = None) -> None:
    """Render a result: a table, plain lines, or csv/json/parquet to a file (csv/json also to stdout)."""
    if format is Format.table:
        _print_result(df, title)
    elif format is Format.plain:
        for row in df.iter_rows():
            typer.echo("\t".join("" if v is None else str(v) for v in row))
    elif format is Format.parquet:
        if output is None:
            raise DealtapeError("--format parquet needs --output FILE")
        df.write_parquet(output)
    else:
        text = df.write_csv() if format is Format.csv else df.write_json()
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            typer.echo(text.rstrip("\n"))
    if output:
        _err(f"wrote {len(df)} row(s) to {output}")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def query(
    ctx: typer.Context,
    name: Optional[str] = typer.Argument(None, help="The canned query (see --list); then its parameters, "
                                                    "the first one also without its option: `query deal Acme`."),
    list_: bool = typer.Option(False, "--list", "-l", help="List the canned queries and their parameters."),
    format: Format = typer.Option(Format.table, "--format", "-f", help="table, csv, json, parquet or plain."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to this file."),
):
    """Run a canned query for managers: `dealtape query NAME [--param value]...`.

    Each one is a parameterised SQL file in views/queries/ (parameters are bound, never
    formatted into the SQL). Dates take 2026-10-01 or -30d (30 days ago).
    """
    from .models import queries

    if list_ or not name:
        _print_queries(queries.available())
        return
    query_ = queries.get(name)
    params = _query_params(query_, ctx.args)
    with ctx.obj.open(read_only=True) as store:
        df = queries.run(store, name, params)
    _emit(df, format, output, title=f"{name} — {query_.description}" if format is Format.table else None)


def _query_params(query_, args: list[str]) -> dict:
    params, rest, positional = {}, list(args), []
    by_option = {p.option: p.name for p in query_.params}
    while rest:
        arg = rest.pop(0)
        if not arg.startswith("--"):
            positional.append(arg)
            continue
        option, _, inline = arg.partition("=")
        if option not in by_option:
            raise DealtapeError(f"query {query_.name!r} has no option {option}",
                                hint=f"its options: {', '.join(by_option) or 'none'}")
        if not inline and not rest:
            raise DealtapeError(f"{option} needs a value")
        params[by_option[option]] = inline or rest.pop(0)
    for value in positional:
        first = next((p for p in query_.params if p.name not in params), None)
        if first is None:
            raise DealtapeError(f"query {query_.name!r} takes no further value ({value!r})")
        params[first.name] = value
    return params


def _print_queries(available) -> None:
    from rich.table import Table

    table = Table(title="canned queries: dealtape query NAME [--param value]", title_justify="left",
                  header_style="bold")
    table.add_column("name", no_wrap=True, style="cyan")
    table.add_column("what it shows")
    table.add_column("parameters")
    for q in available:
        table.add_row(q.name, q.description, "\n".join(
            f"{p.option} {p.type.lower()}" + (f" (default {p.default})" if p.default else " (required)")
            + (f": {p.help}" if p.help else "") for p in q.params))
    _console().print(table)


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:d}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"


def _cell(value) -> str:
    from datetime import datetime

    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _print_result(df, title: str | None = None) -> None:
    """A table when it fits the terminal; else one block per row (`column  value` lines), as
    psql's expanded display does, so nothing is cut off in 80 columns."""
    import polars as pl
    from rich.table import Table

    console = _console()
    cells = [[_cell(v) for v in col] for col in df.iter_columns()]
    needed = 1 + sum(3 + max(len(name), max(map(len, col), default=0) if df.schema[name] != pl.String
                             or all(" " not in c for c in col) else 12)
                     for name, col in zip(df.columns, cells))
    if needed <= console.width:
        console.print(_table(df, title=title))
        return
    if title:
        console.print(title, style="bold")
    for n, row in enumerate(df.iter_rows(named=True), 1):
        record = Table.grid(padding=(0, 2))
        record.add_column(style="bold", no_wrap=True)
        record.add_column(overflow="fold")
        for name, value in row.items():
            record.add_row(name, _cell(value))
        console.print(f"[dim]── {n} ──[/dim]")
        console.print(record)
    console.print(f"[dim]{len(df)} row(s)[/dim]")


def _table(df, title: str | None = None):
    """A rich table; ids, numbers and dates never wrap, free text folds."""
    import polars as pl
    from rich.table import Table

    table = Table(title=title, title_justify="left", header_style="bold")
    rows = [[_cell(v) for v in row] for row in df.iter_rows()]
    for i, name in enumerate(df.columns):
        compact = df.schema[name] != pl.String or all(" " not in r[i] for r in rows)
        table.add_column(name, no_wrap=compact, overflow="ellipsis" if compact else "fold",
                         min_width=None if compact else min(10, max((len(r[i]) for r in rows), default=0)) or None)
    for row in rows:
        table.add_row(*row)
    return table


def main() -> None:
    app(prog_name="dealtape")
