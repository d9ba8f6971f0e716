"""Typed library errors; only cli.py turns them into messages and exit codes."""


class DealtapeError(Exception):
    """Base of every error dealtape raises on purpose."""

    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None, **attrs):
        super().__init__(message)
        if hint:
            self.hint = hint
        self._attrs = attrs

    def attrs(self) -> dict:
        """Context worth recording beside the message (file, item, ...)."""
        return dict(self._attrs)


class Transient:
    """Mixin: retrying may succeed (a locked database, a timeout)."""


class Terminal:
    """Mixin: retrying the same input will fail the same way."""


class BadInput(DealtapeError, Terminal):
    """An input file or message that cannot be read as what it claims to be."""


class SourceUnavailable(DealtapeError, Transient):
    """A database, server or file that cannot be reached right now."""


class ConfigError(DealtapeError, Terminal):
    """dealtape.toml is missing a value or has a wrong one."""


class ReadOnly(DealtapeError, Terminal):
    """A write was attempted through a read-only connection."""
