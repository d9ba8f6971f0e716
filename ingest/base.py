"""What every ingestor is: a name, a version, a natural key, `detect`, `discover` and `read`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Protocol

from ..models.errors import BadInput
from ..models.records import Conversation, Rejected


@dataclass(frozen=True)
class SourceItem:
    """One unit of input an ingestor reads: a file, a folder, or a member of an archive."""

    uri: str
    path: Path
    kind: str


class Ingestor(Protocol):
    name: str
    version: str
    natural_key: str  # what makes a re-ingest add nothing, in words (documented in --help)
    description: str

    def detect(self, path: Path) -> bool:
        """True when `path` (a file or folder) is this kind of input."""

    def discover(self, path: Path) -> Iterable[SourceItem]:
        """The items inside `path` (an mbox yields one item; a Slack export one per channel-day)."""

    def read(self, item: SourceItem) -> Iterator[Conversation | Rejected]:
        """Records for `item`; a part that cannot be read is yielded as `Rejected`, never raised."""


def sidecar_path(path: Path) -> Path:
    """The optional call-metadata file beside a transcript or recording: X.vtt -> X.json."""
    return path.with_suffix(".json")


def parse_json(data: bytes | str, expect: type, what: str = "a JSON value"):
    """Parse JSON that must be of type `expect` (list or dict); BadInput with a one-line reason."""
    try:
        value = json.loads(data)
    except UnicodeDecodeError as exc:
        raise BadInput(f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise BadInput(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(value, expect):
        raise BadInput(f"not {what} (found {type(value).__name__})")
    return value
