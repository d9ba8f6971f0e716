"""dealtape.toml: every setting has a working default."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError

CONFIG_NAME = "dealtape.toml"

FREE_MAIL_DOMAINS = (
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "live.com",
    "msn.com", "yahoo.com", "yahoo.co.uk", "ymail.com", "aol.com", "icloud.com", "me.com",
    "mac.com", "proton.me", "protonmail.com", "pm.me", "gmx.com", "gmx.de", "gmx.net",
    "web.de", "mail.com", "zoho.com", "yandex.com", "yandex.ru", "mail.ru", "qq.com",
    "163.com", "126.com", "fastmail.com", "hey.com", "tutanota.com", "orange.fr", "free.fr",
    "laposte.net", "libero.it", "t-online.de", "comcast.net", "verizon.net", "att.net",
)


@dataclass(frozen=True)
class TeamConfig:
    internal_domains: tuple[str, ...] = ()
    me: str | None = None


@dataclass(frozen=True)
class AccountsConfig:
    free_mail_domains: tuple[str, ...] = FREE_MAIL_DOMAINS
    names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    team: TeamConfig = TeamConfig()
    accounts: AccountsConfig = AccountsConfig()
    path: Path | None = None
    raw: dict = field(default_factory=dict)

    def view_settings(self) -> dict:
        """The settings the SQL views read from `_dealtape_settings`."""
        return {
            "team.internal_domains": sorted(self.team.internal_domains),
            "accounts.free_mail_domains": sorted(self.accounts.free_mail_domains),
            "accounts.names": [{"domain": d, "name": n} for d, n in sorted(self.accounts.names.items())],
        }


def _domains(values, where: str) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ConfigError(f"{where} must be a list of domain names")
    return tuple(v.strip().lower().lstrip("@") for v in values if v.strip())


def load(path: str | os.PathLike | None = None) -> Config:
    """Load `path`, else ./dealtape.toml when present, else the defaults."""
    if path is None:
        candidate = Path(CONFIG_NAME)
        if not candidate.exists():
            return Config()
        path = candidate
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    team = raw.get("team", {})
    accounts = raw.get("accounts", {})
    free = _domains(accounts.get("free_mail_domains", []), f"{path}: [accounts] free_mail_domains")
    names = accounts.get("names", {})
    if not isinstance(names, dict):
        raise ConfigError(f"{path}: [accounts] names must be a table of domain = \"Name\"")
    return Config(
        team=TeamConfig(
            internal_domains=_domains(team.get("internal_domains", []), f"{path}: [team] internal_domains"),
            me=team.get("me"),
        ),
        accounts=AccountsConfig(
            free_mail_domains=tuple(sorted(set(FREE_MAIL_DOMAINS) | set(free))),
            names={k.lower(): str(v) for k, v in names.items()},
        ),
        path=path,
        raw=raw,
    )
