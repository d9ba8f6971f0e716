"""Time expressions as people say them ("by Friday", "early next week", "end of month",
"after the board meeting on the 20th"), found in a sentence and resolved to a date
relative to when it was said. Explicit dates go through dateparser."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WD = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?"
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")
_MON = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_NUM_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
              "eight": 8, "nine": 9, "ten": 10, "couple": 2, "a couple": 2, "a couple of": 2, "few": 3,
              "a few": 3, "couple of": 2}
_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
    "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30}
_SPELLED = r"(?:twenty|thirty)[- ](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|" + "|".join(
    sorted(_ORDINAL_WORDS, key=len, reverse=True))
_ORD = r"(\d{1,2}(?:st|nd|rd|th)|" + _SPELLED + ")"

# Alternatives, most specific first. Each has a name used by `_resolve`.
_PATTERNS = [
    ("eod", r"\b(?:by |before )?(?:the )?(?:end of (?:the )?(?:day|today)|eod|cob|close of business|today|tonight|this (?:afternoon|evening|morning)|(?:straight|right|just) after (?:this|the|our) (?:call|meeting)|after (?:this|our) call|later today)\b(?!,? (?:on )?" + _WD + r"\b)"),
    ("day_after", r"\bthe day after tomorrow\b"),
    ("tomorrow", r"\b(?:tomorrow|tmrw|tmr|tmw|2morrow)(?: morning| afternoon| evening)?\b"),
    ("eow", r"\b(?:(?:by |before )?(?:the )?end of (?:the |this )?week|eow|later this week|this week)\b"),
    ("next_week_part", r"\b(early|mid|middle of|late|end of|beginning of|start of)[- ](?:the )?next week\b"),
    ("next_week", r"\bnext week\b"),
    ("weekday_date", r"\b(?:(?:this|next|on|by|before|until|till) )?(?:the )?" + _WD + r",? (?:the )?(?:" + _MON + r"\.? \d{1,2}(?:st|nd|rd|th)?|\d{1,2}(?:st|nd|rd|th)? (?:of )?" + _MON + r")\b"),
    ("weekday", r"\b(?:(this|next|coming|on|by|before|until|till) )?(?:the )?(" + _WD + r")\b(?: (?:the )?" + _ORD + r")?"),
    ("month_part", r"\b(?:(early|mid|middle of|late|end of|beginning of|start of)[- ](?:the )?)(this month|next month|the month|month|" + _MON + r")\b"),
    ("eom", r"\b(?:month[- ]end|eom)\b"),
    ("next_month", r"\bnext month\b"),
    ("quarter", r"\b(?:(end of|eoq|beginning of|start of|early|late|mid) ?(?:the )?)?(?:(this|next|the) quarter|q([1-4])(?: (20\d\d))?)\b"),
    ("eoq", r"\beoq\b"),
    ("year_end", r"\b(?:(?:the )?end of (?:the |this )?year|year[- ]end|eoy)\b"),
    ("in_n", r"\b(?:in|within) (\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a couple(?: of)?|a few|couple of|few) (day|week|month)s?\b"),
    ("n_from_now", r"\b(\d+|a|one|two|three|four|a couple(?: of)?|a few) (day|week|month)s? from (?:now|today)\b"),
    ("spelled_date", r"\b(?:" + _MON + r"\.? (?:the )?" + _ORD + r"|(?:the )?" + _ORD + r" of " + _MON + r")\b"),
    ("date", r"\b(?:" + _MON + r"\.? \d{1,2}(?:st|nd|rd|th)?(?:,? 20\d\d)?|\d{1,2}(?:st|nd|rd|th)? (?:of )?" + _MON + r"(?:,? 20\d\d)?|\d{1,2}/\d{1,2}(?:/20\d\d|/\d\d)?|20\d\d-\d\d-\d\d)\b"),
    ("day_of_month", r"\bthe " + _ORD + r"\b(?! (?:of )?" + _MON + r")"),
]
_REGEX = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _PATTERNS), re.I)
_GROUP_NAMES = [name for name, _ in _PATTERNS]


@dataclass(frozen=True)
class TimeExpression:
    text: str
    start: int
    end: int
    day: date | None


def find(text: str, base: date | datetime | None) -> list[TimeExpression]:
    """Every time expression in `text`, resolved against `base` (None when it cannot be)."""
    if isinstance(base, datetime):
        base = base.date()
    out = []
    for match in _REGEX.finditer(text):
        kind = next(name for name in _GROUP_NAMES if match.group(name))
        resolved = _resolve(kind, match.group(0), base) if base else None
        if kind == "weekday" and not (_is_weekday_reference(match.group(0)) or re.search(r"\d", match.group(0))):
            continue
        if kind == "day_of_month" and not match.group(0)[4:5].isdigit() and (not re.search(
                r"\b(?:on|by|before|after|until|till|from|for)\s+$", text[:match.start()], re.I) or re.match(
                r"\s+(?:half|quarter|time|call|round|option|point|thing|step|part|one|phase|meeting|slide|page|item|"
                r"version|demo|pilot|year|week|day|month|place|tier|stage|person|row|line|reason|question)s?\b",
                text[match.end():], re.I)):
            continue  # "the second half" is not a date; "on the second" is
        out.append(TimeExpression(match.group(0), match.start(), match.end(), resolved))
    return out


def resolve(text: str, base: date | datetime) -> date | None:
    """The first resolvable date in `text`."""
    return next((t.day for t in find(text, base) if t.day), None)


def _is_weekday_reference(text: str) -> bool:
    # "sat", "wed" and "sun" are also words; only count them spelled out.
    word = re.search(_WD, text, re.I).group(0).lower()
    return (word.endswith("day") or word in ("mon", "tue", "tues", "thu", "thur", "thurs", "fri")
            or re.match(r"(?:by|on|before|until|till|next|this) ", text, re.I) is not None)


def _next_weekday(base: date, weekday: int, strictly_after: bool = True) -> date:
    delta = (weekday - base.weekday()) % 7
    if delta == 0 and strictly_after:
        delta = 7
    return base + timedelta(days=delta)


def _monday(base: date) -> date:
    return base - timedelta(days=base.weekday())


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, n: int) -> date:
    month = day.month - 1 + n
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _weekday_index(word: str) -> int:
    word = word.lower()[:3]
    return next(i for i, name in enumerate(WEEKDAYS) if name.startswith(word))


def _month_index(word: str) -> int:
    word = word.lower()[:3]
    return next(i + 1 for i, name in enumerate(MONTHS) if name.startswith(word))


def _ordinal(text: str) -> int:
    text = text.lower().replace("-", " ")
    if text[:1].isdigit():
        return int(re.match(r"\d+", text).group(0))
    tens, _, unit = text.partition(" ")
    if unit:
        return {"twenty": 20, "thirty": 30}[tens] + _ORDINAL_WORDS[unit]
    return _ORDINAL_WORDS[text]


def _day_of_month(base: date, day: int) -> date | None:
    """The next date (today included) that falls on day-of-month `day`."""
    for months in range(0, 3):
        first = _add_months(base.replace(day=1), months)
        if day <= calendar.monthrange(first.year, first.month)[1]:
            candidate = first.replace(day=day)
            if candidate >= base:
                return candidate
    return None


def _resolve(kind: str, text: str, base: date) -> date | None:
    t = text.lower()
    if kind == "eod":
        return base
    if kind == "day_after":
        return base + timedelta(days=2)
    if kind == "tomorrow":
        return base + timedelta(days=1)
    if kind == "eow":
        friday = _monday(base) + timedelta(days=4)
        return friday if friday >= base else base
    if kind in ("next_week", "next_week_part"):
        monday = _monday(base) + timedelta(days=7)
        if re.search(r"\b(late|end of)\b", t):
            return monday + timedelta(days=4)
        if re.search(r"\b(mid|middle of)\b", t):
            return monday + timedelta(days=2)
        return monday
    if kind == "weekday":
        match = re.search(r"(?:(this|next|coming|on|by|before|until|till) )?(?:the )?(" + _WD + r")(?: (?:the )?" + _ORD + ")?", t)
        if match.group(3):
            return _day_of_month(base, _ordinal(match.group(3)))
        weekday = _weekday_index(match.group(2))
        if match.group(1) == "next":
            return _monday(base) + timedelta(days=7 + weekday)
        return _next_weekday(base, weekday)
    if kind in ("month_part", "eom", "next_month"):
        if kind == "eom":
            return _month_end(base.year, base.month)
        if kind == "next_month":
            return _add_months(base.replace(day=1), 1)
        match = re.search(r"(early|mid|middle of|late|end of|beginning of|start of)[- ](?:the )?(.+)$", t)
        part, which = match.group(1), match.group(2)
        if "next" in which:
            first = _add_months(base.replace(day=1), 1)
        elif re.fullmatch(_MON, which):
            month = _month_index(which)
            year = base.year + (1 if month < base.month - 1 else 0)
            first = date(year, month, 1)
        else:
            first = base.replace(day=1)
        if part in ("end of", "late"):
            return _month_end(first.year, first.month)
        if part in ("mid", "middle of"):
            return first.replace(day=15)
        return max(first, base)
    if kind in ("quarter", "eoq"):
        match = re.search(r"q([1-4])(?: (20\d\d))?", t)
        if match:
            quarter, year = int(match.group(1)), int(match.group(2) or base.year)
            if not match.group(2) and quarter < (base.month - 1) // 3 + 1:
                year += 1
        else:
            quarter, year = (base.month - 1) // 3 + 1, base.year
            if "next" in t:
                quarter, year = (1, year + 1) if quarter == 4 else (quarter + 1, year)
        start = date(year, 3 * quarter - 2, 1)
        end = _month_end(year, 3 * quarter)
        if kind == "eoq" or re.search(r"\b(end of|eoq|late)\b", t) or "quarter" in t and "next" not in t:
            return end
        return max(start, base)
    if kind == "year_end":
        return date(base.year, 12, 31)
    if kind in ("in_n", "n_from_now"):
        match = re.search(r"(\d+|a couple(?: of)?|couple of|a few|few|an|a|one|two|three|four|five|six|seven|eight|nine|ten) (day|week|month)", t)
        n = int(match.group(1)) if match.group(1).isdigit() else _NUM_WORDS[match.group(1)]
        unit = match.group(2)
        if unit == "day":
            return base + timedelta(days=n)
        if unit == "week":
            return base + timedelta(weeks=n)
        return _add_months(base, n)
    if kind == "day_of_month":
        return _day_of_month(base, _ordinal(re.search(_ORD, t).group(0)))
    if kind == "spelled_date":
        month = _month_index(re.search(_MON, t).group(0))
        day = _ordinal(re.search(_ORD, t).group(0))
        year = base.year + (1 if month < base.month - 1 else 0)
        try:
            return date(year, month, day)
        except ValueError:
            return None
    if kind == "weekday_date":
        return _explicit(re.sub(r"^.*?" + _WD + r",? (?:the )?", "", t), base)
    if kind == "date":
        return _explicit(t, base)
    return None


_MONTH_DAY = re.compile(r"^(?P<mon>" + _MON + r")\.? (?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,? (?P<year>20\d\d))?$", re.I)
_DAY_MONTH = re.compile(r"^(?P<day>\d{1,2})(?:st|nd|rd|th)? (?:of )?(?P<mon>" + _MON + r")(?:,? (?P<year>20\d\d))?$", re.I)
_NUMERIC = re.compile(r"^(?P<m>\d{1,2})/(?P<d>\d{1,2})(?:/(?P<y>20\d\d|\d\d))?$")
_ISO = re.compile(r"^(?P<y>20\d\d)-(?P<m>\d\d)-(?P<d>\d\d)$")


def _common_explicit(text: str, base: date) -> date | None:
    """'October 30', '30 Oct 2026', '10/30', '2026-10-30' without dateparser (which is slow)."""
    text = text.strip()
    year = None
    if m := _MONTH_DAY.match(text) or _DAY_MONTH.match(text):
        month, day, year = _month_index(m["mon"]), int(m["day"]), m["year"]
    elif m := _NUMERIC.match(text):
        month, day, year = int(m["m"]), int(m["d"]), m["y"]
        year = f"20{year}" if year and len(year) == 2 else year
    elif m := _ISO.match(text):
        month, day, year = int(m["m"]), int(m["d"]), m["y"]
    else:
        raise LookupError(text)
    try:
        found = date(int(year) if year else base.year, month, day)
    except ValueError:
        return None
    if not year and found < base - timedelta(days=60):
        found = found.replace(year=found.year + 1)
    return found


@lru_cache(maxsize=4096)
def _explicit(text: str, base: date) -> date | None:
    try:
        return _common_explicit(text, base)
    except LookupError:
        pass
    import dateparser

    parsed = dateparser.parse(
        text, languages=["en"],
        settings={"RELATIVE_BASE": datetime(base.year, base.month, base.day), "PREFER_DATES_FROM": "future",
                  "DATE_ORDER": "MDY", "REQUIRE_PARTS": ["day", "month"]})
    if parsed is None:
        return None
    day = parsed.date()
    if not re.search(r"20\d\d", text) and day < base - timedelta(days=60):
        day = day.replace(year=day.year + 1)
    return day
