"""dealtape.toml: every setting has a working default."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .errors import ConfigError

CONFIG_NAME = "dealtape.toml"
STAGE_LADDER = ("prospecting", "discovery", "evaluation", "proposal", "negotiation", "closed_won", "closed_lost")

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
class CrmConfig:
    auto_accept: float | None = None  # [review] auto_accept: extractions this confident fill fields unreviewed
    no_activity_days: int = 10        # [risks]
    stalled_days: int = 21
    as_of: str | None = None          # [crm] as_of: the day "today" is in the views (default: today)


IMAP_TLS = ("ssl", "starttls", "none")
IMAP_KEYS = ("host", "port", "user", "folders", "tls", "password_env", "token_env", "since")


@dataclass(frozen=True)
class ImapAccount:
    """[imap.NAME]: a mailbox `dealtape ingest imap --account NAME` syncs. Secrets stay in the environment."""

    host: str
    name: str | None = None
    port: int | None = None             # default 993 with tls = "ssl", else 143
    user: str | None = None             # default: the login name of whoever runs dealtape
    folders: tuple[str, ...] = ("INBOX",)
    tls: str = "ssl"                    # ssl (IMAP over TLS), starttls, or none
    password_env: str | None = None     # the variable holding the password (default DEALTAPE_IMAP_PASSWORD)
    token_env: str | None = None        # the variable holding an OAuth2 access token (XOAUTH2)
    since: date | None = None           # only messages received on or after this day


@dataclass(frozen=True)
class Config:
    team: TeamConfig = TeamConfig()
    accounts: AccountsConfig = AccountsConfig()
    crm: CrmConfig = CrmConfig()
    imap: dict[str, ImapAccount] = field(default_factory=dict)
    path: Path | None = None
    raw: dict = field(default_factory=dict)

    def view_settings(self) -> dict:
        """The settings the SQL views read from `_dealtape_settings`."""
        return {
            "team.internal_domains": sorted(self.team.internal_domains),
            "accounts.free_mail_domains": sorted(self.accounts.free_mail_domains),
            "accounts.names": [{"domain": d, "name": n} for d, n in sorted(self.accounts.names.items())],
            "review.auto_accept": self.crm.auto_accept,
            "risks.no_activity_days": self.crm.no_activity_days,
            "risks.stalled_days": self.crm.stalled_days,
            "crm.as_of": self.crm.as_of,
            "stages.ladder": list((self.raw.get("stages") or {}).get("ladder") or STAGE_LADDER),
        }


def _domains(values, where: str) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ConfigError(f"{where} must be a list of domain names")
    return tuple(v.strip().lower().lstrip("@") for v in values if v.strip())


def _crm(raw: dict, path: Path) -> CrmConfig:
    review, risks, crm = raw.get("review") or {}, raw.get("risks") or {}, raw.get("crm") or {}
    auto = review.get("auto_accept")
    if auto is not None and (not isinstance(auto, int | float) or not 0 <= auto <= 1):
        raise ConfigError(f"{path}: [review] auto_accept must be a confidence in [0, 1] (leave it out to never auto-accept)")
    days = {}
    for key, default in (("no_activity_days", 10), ("stalled_days", 21)):
        days[key] = risks.get(key, default)
        if not isinstance(days[key], int) or days[key] < 1:
            raise ConfigError(f"{path}: [risks] {key} must be a whole number of days")
    as_of = crm.get("as_of")
    if as_of is not None:
        try:
            as_of = date.fromisoformat(str(as_of)).isoformat()
        except ValueError:
            raise ConfigError(f"{path}: [crm] as_of must be a date, e.g. 2026-03-01") from None
    return CrmConfig(auto_accept=None if auto is None else float(auto), as_of=as_of, **days)


def _imap(raw: dict, path: Path) -> dict[str, ImapAccount]:
    tables = raw.get("imap") or {}
    if not isinstance(tables, dict) or not all(isinstance(t, dict) for t in tables.values()):
        raise ConfigError(f"{path}: [imap] must hold one table per account, e.g. [imap.work] host = \"imap.example.com\"")
    accounts = {}
    for name, table in tables.items():
        where = f"{path}: [imap.{name}]"
        if "password" in table or "token" in table:  # never echo the value
            raise ConfigError(f"{where}: do not write a password or token in the config; put it in an environment "
                              "variable and name that variable with password_env (or token_env)")
        unknown = sorted(set(table) - set(IMAP_KEYS))
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; the keys are {', '.join(IMAP_KEYS)}")
        if not isinstance(table.get("host"), str) or not table["host"].strip():
            raise ConfigError(f"{where}: host is required, e.g. host = \"imap.example.com\"")
        port = table.get("port")
        if port is not None and (not isinstance(port, int) or not 0 < port < 65536):
            raise ConfigError(f"{where}: port must be a number from 1 to 65535")
        folders = table.get("folders", ["INBOX"])
        if isinstance(folders, str):
            folders = [folders]
        if not isinstance(folders, list) or not folders or not all(isinstance(f, str) and f for f in folders):
            raise ConfigError(f"{where}: folders must be a list of folder names, e.g. [\"INBOX\", \"Sent\"]")
        tls = table.get("tls", "ssl")
        if isinstance(tls, bool):  # tls = true / false
            tls = "ssl" if tls else "none"
        tls = "ssl" if tls == "tls" else tls
        if tls not in IMAP_TLS:
            raise ConfigError(f"{where}: tls must be one of {', '.join(IMAP_TLS)}")
        for key in ("user", "password_env", "token_env"):
            if table.get(key) is not None and not isinstance(table[key], str):
                raise ConfigError(f"{where}: {key} must be a string")
        since = table.get("since")
        if since is not None:
            try:
                since = since if isinstance(since, date) else date.fromisoformat(str(since))
            except ValueError:
                raise ConfigError(f"{where}: since must be a date, e.g. 2026-01-01") from None
        accounts[name] = ImapAccount(
            name=name, host=table["host"].strip(), port=port, user=table.get("user"), folders=tuple(folders),
            tls=tls, password_env=table.get("password_env"), token_env=table.get("token_env"), since=since)
    return accounts


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
        crm=_crm(raw, path),
        imap=_imap(raw, path),
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
