"""`dealtape review` without a subcommand: the review queue, one proposal at a time.

Conversations come newest first; each key press is one decision, written at once (so every view
follows it), and `u` takes the latest back. Fits an 80×24 terminal: one proposal is a dozen lines.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field

import click
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from .cli import _clock
from .extract.settings import ExtractSettings
from .models import review
from .models.config import Config
from .models.errors import DealtapeError
from .models.store import Store

KEYS = (("y", "confirm"), ("n", "reject"), ("e", "edit"), ("a", "confirm all left in this conversation"),
        ("s", "skip (it stays proposed)"), ("u", "undo your last decision"), ("q", "quit"), ("?", "this help"))
PROMPT = "(y/n/e/a/s/u/q/?) "
QUOTE_LINES = 3
PENDING, SKIPPED = "pending", "skip"
ATTRIBUTE_START = re.compile(r"\s+(?=[a-z_]+=)")  # "send the deck due_date=friday" -> 2 items


@dataclass
class Session:
    store: Store
    settings: ExtractSettings
    reviewer: str
    console: Console
    proposals: list[dict]
    status: list[str] = field(init=False)       # per proposal: pending, skip, or the action taken
    history: list[int] = field(default_factory=list)  # positions decided in this session, latest last
    cursor: int | None = 0
    shown: int | None = None       # the proposal on screen; pressing a key that keeps it only re-prompts
    header_for: str | None = None

    def __post_init__(self):
        self.status = [PENDING] * len(self.proposals)

    # ---- the loop ------------------------------------------------------------------------------

    def run(self) -> None:
        handlers = {"y": self.confirm, "n": self.reject, "e": self.edit, "a": self.confirm_rest, "s": self.skip,
                    "u": self.undo, "?": self.help}
        try:
            while self.cursor is not None:
                self.show()
                key = _read_key()
                if key == "q":
                    self.say("q", "")
                    break
                if key not in handlers:
                    self.say(key if key.isprintable() else "", "unknown key: ? shows the keys", "yellow")
                    continue
                try:
                    handlers[key]()
                except DealtapeError as exc:
                    self.say(key, f"✗ {exc}", "red")
        except (KeyboardInterrupt, EOFError):
            self.console.print()
        self.console.print(self.summary(), style="bold")

    def say(self, key: str, message: str, style: str = "green") -> None:
        """Finish the prompt line: the key pressed and what it did."""
        self.console.print(Text.assemble((key, "bold"), " ", (message, style)))

    def advance(self, after: int) -> None:
        self.cursor = next((i for i in range(after + 1, len(self.proposals)) if self.status[i] == PENDING), None)

    def summary(self) -> str:
        n = {action: self.status.count(action) for action in ("confirm", "edit", "reject", SKIPPED)}
        return f"{n['confirm']} confirmed, {n['edit']} edited, {n['reject']} rejected, {n[SKIPPED]} skipped"

    # ---- the keys ------------------------------------------------------------------------------

    def decide(self, action: str, value: dict | None = None) -> None:
        position = self.cursor
        review.decide(self.store, [self.proposals[position]["fact_id"]], action, self.reviewer, value=value)
        self.status[position] = action
        self.history.append(position)
        self.advance(position)

    def confirm(self) -> None:
        self.decide("confirm")
        self.say("y", "✓ confirmed")

    def reject(self) -> None:
        self.decide("reject")
        self.say("n", "✗ rejected", "red")

    def edit(self) -> None:
        proposal = self.proposals[self.cursor]
        self.say("e", "")
        value = self.ask_value(proposal)
        if value is None:
            self.console.print("  edit cancelled", style="yellow")
        elif value == json.loads(proposal["value"]):
            self.console.print("  unchanged: y confirms it as proposed", style="yellow")
        else:
            self.decide("edit", value)
            summary = review.fact(self.store, proposal["fact_id"])["summary"]
            self.console.print(Text.assemble(("  ✎ edited: ", "green"), (summary, "cyan")))

    def confirm_rest(self) -> None:
        conversation = self.proposals[self.cursor]["conversation_id"]
        rest = [i for i in range(self.cursor, len(self.proposals)) if self.status[i] == PENDING
                and self.proposals[i]["conversation_id"] == conversation]
        review.decide(self.store, [self.proposals[i]["fact_id"] for i in rest], "confirm", self.reviewer)
        for i in rest:
            self.status[i] = "confirm"
        self.history.extend(rest)
        self.say("a", f"✓ confirmed {len(rest)} in this conversation")
        self.advance(rest[-1])

    def skip(self) -> None:
        self.status[self.cursor] = SKIPPED
        self.say("s", "→ skipped", "yellow")
        self.advance(self.cursor)

    def undo(self) -> None:
        if not self.history:
            self.say("u", "nothing to undo in this session", "yellow")
            return
        review.undo(self.store, self.reviewer)
        position = self.history.pop()
        self.say("u", f"↶ {review.PAST[self.status[position]]} taken back")
        self.status[position] = PENDING
        self.cursor = position

    def help(self) -> None:
        self.say("?", "")
        self.shown = None
        for key, meaning in KEYS:
            self.console.print(Text.assemble("  ", (key, "bold"), f"  {meaning}"))

    # ---- showing a proposal --------------------------------------------------------------------

    def show(self) -> None:
        if self.shown == self.cursor:
            self.console.print(PROMPT, style="dim", end="")
            return
        self.shown = self.cursor
        proposal = self.proposals[self.cursor]
        conversation = proposal["conversation_id"]
        here = [i for i, p in enumerate(self.proposals) if p["conversation_id"] == conversation]
        if conversation != self.header_for:
            self.header(proposal, len(here))
        self.console.print()
        title = Table.grid(padding=(0, 1))
        title.add_column(no_wrap=True)
        title.add_column(overflow="fold")
        title.add_row(Text.assemble((f"{here.index(self.cursor) + 1}/{len(here)}", "dim"), " ",
                                    (proposal["field"], "bold magenta"), (f" {proposal['confidence']:.2f}", "dim")),
                      Text(proposal["summary"], style="bold cyan"))
        self.console.print(title)
        before, after = review.context(self.store, proposal["utterance_id"])
        quoted = {"speaker": proposal["speaker"], "text": proposal["quote"], "start_s": proposal["start_s"],
                  "said_at": proposal["said_at"]}
        rows = [(u, is_quote) for u, is_quote in ((before, False), (quoted, True), (after, False)) if u]
        who_width = min(28, max(len(_who(u)) for u, _ in rows))
        for utterance, is_quote in rows:
            self.utterance(utterance, who_width, is_quote)
        self.console.print(PROMPT, style="dim", end="")

    def header(self, proposal: dict, count: int) -> None:
        self.header_for = proposal["conversation_id"]
        later = {p["conversation_id"] for i, p in enumerate(self.proposals)
                 if i > self.cursor and self.status[i] == PENDING} - {self.header_for}
        when = proposal["conversation_at"]
        self.console.print()
        self.console.rule(Text(proposal["title"] or proposal["conversation_id"], style="bold"), align="left")
        self.console.print(f"{proposal['kind']} · {when:%a %d %b %Y %H:%M} · {proposal['deal_name'] or '(no deal)'}",
                           no_wrap=True, overflow="ellipsis")
        self.console.print(f"{count} proposal{'s' * (count != 1)} here · "
                           f"{len(later) or 'no'} more conversation{'s' * (len(later) != 1)} after this one",
                           style="dim")

    def utterance(self, utterance: dict, who_width: int, is_quote: bool) -> None:
        """One utterance as `speaker time  text`: the quote (marked) in up to three lines, context in one."""
        max_lines = QUOTE_LINES if is_quote else 1
        who = _who(utterance)
        if len(who) > who_width:
            who = who[:who_width - 1] + "…"
        prefix = Text.assemble(("▶" if is_quote else " ", "bold yellow"), " ",
                               (who.ljust(who_width), "bold" if is_quote else "dim"), "  ")
        width = max(20, self.console.width - prefix.cell_len)
        text = Text(" ".join((utterance["text"] or "").split()), style="italic" if is_quote else "dim")
        lines = text.wrap(self.console, width)
        if len(lines) > max_lines:
            lines = lines[:max_lines]
            lines[-1].truncate(width - 1)
            lines[-1].append("…")
        for n, line in enumerate(lines):
            self.console.print(Text.assemble(prefix if n == 0 else " " * prefix.cell_len, line), no_wrap=True,
                               overflow="crop")

    # ---- editing a value -----------------------------------------------------------------------

    def ask_value(self, proposal: dict) -> dict | None:
        """The validated new value, asked until it is valid; None when the rep leaves it empty."""
        name = proposal["field"]
        primary = review.PRIMARY[name]
        others = [a for a in review.ATTRIBUTES[name] if a != primary]
        current = json.loads(proposal["value"])
        hint = f"a new {primary}" + (f", and/or ATTR=VALUE for {', '.join(others)}" if others else "")
        self.console.print(Padding(hint + "; empty cancels", (0, 0, 0, 2), style="dim", expand=False))
        reference = proposal["said_at"].date() if proposal["said_at"] else None
        text = _plain(current.get(primary))
        while True:
            try:
                text = _ask(f"  {primary}> ", text).strip()
            except (KeyboardInterrupt, EOFError):
                self.console.print()
                return None
            if not text:
                return None
            try:
                return review.parse_value(name, current, ATTRIBUTE_START.split(text), self.settings,
                                          reference=reference)
            except DealtapeError as exc:
                self.console.print(Padding(f"✗ {exc}", (0, 0, 0, 2), style="red", expand=False))


def run_session(store: Store, config: Config, reviewer: str, *, rep: str | None = None,
                deal: str | None = None) -> None:
    """Review the queue (only `rep`'s conversations, only `deal`) interactively, as `reviewer`."""
    console = Console(highlight=False)
    proposals = review.queue(store, rep=rep, deal=deal).to_dicts()
    if not proposals:
        console.print("nothing to review")
        return
    console.print(Text.assemble(f"{len(proposals)} proposal{'s' * (len(proposals) != 1)} to review as ",
                                (reviewer, "bold")))
    console.print("y confirm · n reject · e edit · a all here · s skip · u undo · q quit · ? help",
                  style="dim")
    Session(store, ExtractSettings.from_config(config), reviewer, console, proposals).run()


def _who(utterance: dict) -> str:
    """Who said it and when: mm:ss into a call, or a message's day and time."""
    if utterance["start_s"] is not None:
        when = _clock(utterance["start_s"])
    else:
        when = f"{utterance['said_at']:%d %b %H:%M}" if utterance["said_at"] else ""
    return f"{utterance['speaker'] or '?'} {when}".strip()


def _plain(value) -> str:
    """A value as the rep would type it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_key() -> str:
    """One key press from a terminal; from a pipe, the first character of the next line."""
    if sys.stdin.isatty():
        return click.getchar()
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line.strip()[:1]


def _ask(prompt: str, prefill: str) -> str:
    """A line of input; in a terminal it starts as `prefill`, ready to be edited."""
    if not sys.stdin.isatty():
        return input(prompt)
    import readline

    readline.set_startup_hook(lambda: readline.insert_text(prefill))
    try:
        return input(prompt)
    finally:
        readline.set_startup_hook()
