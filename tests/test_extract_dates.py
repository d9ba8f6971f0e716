"""Time expressions as people say them, resolved against the day they were said.

The reference day is Tuesday 6 October 2026 unless a test says otherwise.
"""

from datetime import date, datetime, timedelta, timezone

import pytest

from dealtape.extract import dates

TUESDAY = date(2026, 10, 6)
assert TUESDAY.weekday() == 1


@pytest.mark.parametrize("text, expected", [
    ("I'll send the order form by Friday.", date(2026, 10, 9)),
    ("Let's regroup early next week.", date(2026, 10, 12)),            # Monday of next week
    ("We need the redlines by end of month.", date(2026, 10, 31)),
    ("I'll have it by the end of the month.", date(2026, 10, 31)),
    ("She'll decide after the board meeting on the 20th.", date(2026, 10, 20)),
    ("I can get you the deck tomorrow.", date(2026, 10, 7)),
    ("Can we do next Tuesday?", date(2026, 10, 13)),                    # said on a Tuesday: a week on
    ("We'll circle back in two weeks.", date(2026, 10, 20)),
    ("We want it signed by October thirtieth.", date(2026, 10, 30)),
    ("Target signature date is 10/30.", date(2026, 10, 30)),
    ("Procurement wants it wrapped by end of Q4.", date(2026, 12, 31)),
    ("I'll send it by end of week.", date(2026, 10, 9)),
    ("Decision by December 15th at the latest.", date(2026, 12, 15)),
    ("Let's aim for the 3rd of November.", date(2026, 11, 3)),
    ("I'll get it over EOD.", date(2026, 10, 6)),
])
def test_resolves_against_the_day_it_was_said(text, expected):
    assert dates.resolve(text, TUESDAY) == expected


@pytest.mark.parametrize("text, expected", [
    ("can u send it by Fri", date(2026, 10, 9)),
    ("Thurs works for me", date(2026, 10, 8)),
    ("let's meet on Wed", date(2026, 10, 7)),
    ("I'm out until Mon", date(2026, 10, 12)),
    ("see you Tues", date(2026, 10, 13)),
])
def test_weekday_abbreviations(text, expected):
    assert dates.resolve(text, TUESDAY) == expected


def test_weekday_abbreviation_with_day_of_month():
    assert dates.resolve("can we do Wed the 14th?", TUESDAY) == date(2026, 10, 14)


@pytest.mark.parametrize("text", [
    "we sat down with finance last week",   # 'sat' is a word, not Saturday
    "the sun was out all afternoon",        # 'sun' is a word, not Sunday
    "may I ask who else is on the thread",  # 'may' is a word, not the month
    "in the second half of the year we grow the team",
    "we'll march forward with it",
])
def test_words_that_look_like_dates_are_not_dates(text):
    assert dates.find(text, TUESDAY) == []
    assert dates.resolve(text, TUESDAY) is None


def test_the_second_half_after_on_is_not_a_date():
    assert dates.find("Let's focus on the second half of the deck.", TUESDAY) == []


def test_on_the_second_is_a_date():
    assert dates.resolve("Can we talk on the second?", TUESDAY) == date(2026, 11, 2)


def test_find_gives_spans_of_the_text():
    text = "I'll send the deck by Friday and the SOW early next week."
    found = dates.find(text, TUESDAY)
    assert [text[e.start:e.end] for e in found] == [e.text for e in found]
    assert [e.day for e in found] == [date(2026, 10, 9), date(2026, 10, 12)]
    assert "Friday" in found[0].text and "next week" in found[1].text


def test_datetime_base_uses_its_date():
    said = datetime(2026, 10, 6, 15, 30, tzinfo=timezone(timedelta(hours=-4)))
    assert dates.resolve("tomorrow", said) == date(2026, 10, 7)


def test_unresolvable_without_a_base():
    found = dates.find("by Friday", None)
    assert len(found) == 1 and found[0].day is None


@pytest.mark.parametrize("base, text, expected", [
    (date(2026, 11, 10), "end of month", date(2026, 11, 30)),
    (date(2027, 2, 3), "end of month", date(2027, 2, 28)),
    (date(2026, 12, 20), "Let's sign January 5th.", date(2027, 1, 5)),        # next year, not last January
    (date(2026, 10, 9), "by Monday", date(2026, 10, 12)),                     # said on a Friday
    (date(2026, 10, 30), "in two weeks", date(2026, 11, 13)),
])
def test_month_and_year_boundaries(base, text, expected):
    assert dates.resolve(text, base) == expected
