"""The deal's amount and expected close date, when someone states them.

An amount is a sum of money ("$48k", "44,000 dollars", "forty-four thousand") in a sentence
about the deal's price (quote, proposal, contract, annual, discount...), not a per-seat
price, a budget ceiling, a competitor's price or a hypothetical. A close date is a date
in a sentence about signing or closing.
"""

from __future__ import annotations

import re

from . import dates
from .base import Caseless, ConversationDoc, Fact, Sentence

_MONEY = Caseless(
    r"(?P<cur>\$|usd ?|€|eur ?|£|gbp ?)\s?(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(?P<mult>k|mm|m|thousand|million|grand|bn)?\b"
    r"|\b(?P<num2>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(?P<mult2>k|thousand|million|m)?\s?(?P<cur2>dollars|usd|bucks|euros?|eur|pounds|gbp)\b"
    r"|\b(?P<num4>\d{1,4})(?P<mult4>k)\b"
    r"|\b(?P<num5>\d{1,3}(?:,\d{3})+)(?= (?:a|per) year\b| annually\b| a yr\b|/ ?y(?:ea)?r\b)"
    r"|\b(?P<words>(?:(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|a hundred)[- ]?)+)"
    r"\s?(?P<mult3>thousand|grand|million|k)\b"
    r"(?P<rest>(?:[- ](?:and )?(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)\b)+)?"
    r"(?:\s?(?:dollars|bucks))?")
_WORD_VALUES = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
                "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
                "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_MULTIPLIERS = {"k": 1e3, "thousand": 1e3, "grand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6, "bn": 1e9}
_CURRENCIES = {"$": "USD", "usd": "USD", "dollars": "USD", "bucks": "USD", "€": "EUR", "eur": "EUR", "euro": "EUR",
               "euros": "EUR", "£": "GBP", "gbp": "GBP", "pounds": "GBP"}
_DEAL_CUE = Caseless(
    r"\b(includ\w*|propos\w*|pric\w*|quot\w*|proposal|total|annual\w*|per year|a year|/ ?yr|/ ?year|yearly|acv|arr|contract|deal|"
    r"come (?:in|down) (?:at|to)|land(?:ed)? (?:at|on)|meet (?:you )?at|discount\w*|order form|licen[cs]\w*|"
    r"subscription|platform fee|investment|the number|final|list|all[- ]in|signed|agreed|approved|po\b|"
    r"purchase order|invoice\w*|renewal|term|three[- ]year|multi[- ]year|for the first year)\b")
_STRONG_CUE = Caseless(r"\b(quot\w*|proposal|total|annual\w*|acv|contract value|come (?:in|down) (?:at|to)|"
                       r"land(?:ed)? (?:at|on)|discount\w* to|order form|final|all[- ]in|agreed|signed)\b")
_UNIT_PRICE = Caseless(r"^\s*(?:/|per |a |an |each\b)\s*(?:seat|user|licen[cs]e|month|mo\b|head|agent|rep|hour|"
                       r"employee|location|device|endpoint|site|gb|call|minute)")
# Said of the whole sentence: a hedge or a hypothetical is no deal value.
_HEDGED = Caseless(r"\b(could|might|probably|if you ever|would (?:land|be|cost|come)|'d need|would need|"
                   r"need to be closer|hypothetical\w*)\b")
# Said next to the sum: a budget, a cap, a competitor's price, a saving, a forecast.
_NOT_DEAL = Caseless(r"\b(budget(?:ed)?(?: line)?|cap(?:ped)?|ceiling|max(?:imum)?|no more than|anything (?:over|above|under)|"
                     r"would cost|could cost|competitor|they (?:charge|quoted|offered|sent)|quoted us|"
                     r"(?:we|i) (?:spent|pay|paid) (?:\w+ )?(?:for|on|to)|set aside|earmarked|allocated|pencil+ed|"
                     r"loaded cost|savings?|saved?|roi|per hour|/ ?hour|hours|forecast\w*|revenue|pipeline|quota|"
                     r"bookings|raised|funding|valuation|series [a-d])\b")
NEAR_BEFORE, NEAR_AFTER = 40, 20  # characters around a sum that decide what it is
_DIFFERENCE = Caseless(r"^\s*(?:lower|higher|less|more|cheaper|off|under|over|below|above|difference|savings?)\b")
_COUNTED = Caseless(r"^\s*(?:total\s+)?(?:tables?|rows?|users?|seats?|employees?|models?|people|records?|events?|"
                    r"customers?|pipelines?|dashboards?|jobs?|queries|accounts?|invoices?|transactions?)\b")
_CLOSE_CUE = Caseless(
    r"\b(clos(?:e|ing) (?:the deal|this|it|by|before|in|on|out)|to close|closing date|sign(?:ed|ing|ature)?|countersign\w*|ink(?:ed)?|execut(?:e|ed|ion)|paperwork|"
    r"purchase order|\bpo\b|over the line|across the line|finali[sz]e\w*|get (?:this|it|the deal|the contract) done|"
    r"contract (?:done|in place|executed))\b(?![- ](?:up|in|off)\b)")
_NEGATION = Caseless(r"\b(not|n't|never|no way|already|nda|baa|dpa|addendum|(?:month|year|quarter)[- ]end close|financial close)\b")


def _spelled(words: str) -> int:
    """ "forty-four" -> 44, "two hundred" -> 200, "a hundred and five" -> 105."""
    current = 0
    for word in re.findall(r"[a-z]+", words.lower()):
        if word == "hundred":
            current = (current or 1) * 100
        elif word in _WORD_VALUES:
            current += _WORD_VALUES[word]
    return current


def _amount(match: re.Match) -> tuple[float, str] | None:
    g = match.groupdict()
    if g["words"]:
        # "seven thousand two hundred": the words before the multiplier, times it, plus the rest.
        value = _spelled(g["words"]) * _MULTIPLIERS[g["mult3"].lower()] + _spelled(g["rest"] or "")
        after = match.string[match.end():match.end() + 12].lower()
        return value, "GBP" if "pound" in after else "EUR" if "euro" in after else "USD"
    num = g["num"] or g["num2"] or g["num4"] or g["num5"]
    mult = (g["mult"] or g["mult2"] or g["mult4"] or "").lower()
    cur = (g["cur"] or g["cur2"] or "").strip().lower()
    value = float(num.replace(",", "")) * _MULTIPLIERS.get(mult, 1)
    return value, _CURRENCIES.get(cur, "USD")


class DealTerms:
    name = "deal_terms"
    version = "2"
    reads = ("utterances", "[competitors]")
    writes = ("amount", "close_date")
    scope = "conversation"
    heads = ()
    uses_spacy = False

    def wants(self, sentence: Sentence) -> bool:
        return False  # patterns only: no model work needed

    def extract(self, docs: list[ConversationDoc], analysis, settings):
        names = [re.escape(a) for name, aliases in settings.competitors.items() for a in (name, *aliases)]
        competitor = re.compile(r"\b(?:" + "|".join(names) + r")\b", re.I) if names else None
        for doc in docs:
            for sentence in doc.sentences():
                text = sentence.text
                if _MONEY.search(text) and not _HEDGED.search(text):
                    yield from self._amounts(doc, sentence, competitor is not None and competitor.search(text) is not None)
                if (_CLOSE_CUE.search(text) and not _NEGATION.search(text) and not re.match(r"^\W*if\b", text, re.I)
                        and not re.search(r"\b(?:probably|might|may|maybe)\b", text, re.I)
                        and not (competitor and competitor.search(text))):
                    yield from self._close_dates(doc, sentence)

    def _amounts(self, doc: ConversationDoc, sentence: Sentence, names_competitor: bool):
        """Sums in a sentence about the deal's price; next to a competitor's name, only "your/our 41k"."""
        text = sentence.text
        if not _DEAL_CUE.search(text):
            return
        for match in _MONEY.finditer(text):
            after = text[match.end():match.end() + 30]
            if _NOT_DEAL.search(text[max(0, match.start() - NEAR_BEFORE):match.end() + NEAR_AFTER]):
                continue
            if _UNIT_PRICE.match(after) or _DIFFERENCE.match(after):
                continue
            if _COUNTED.match(after) or match.group("words") and not re.search(
                    r"\b(?:a|per) year|annual|dollars|bucks|pounds|euros|grand\b", text, re.I):
                continue  # "four thousand tables"; a spelled-out sum needs money words around it
            if names_competitor and not re.search(r"\b(?:your|ur|our)\s+$", text[max(0, match.start() - 8):match.start()], re.I):
                continue
            value, currency = _amount(match)
            if value < 1000:
                continue
            confidence = 0.85 if _STRONG_CUE.search(text) else 0.7
            yield doc, Fact("amount", {"amount": round(value, 2), "currency": currency}, confidence,
                            f"{currency} {value:.0f}", [sentence])

    def _close_dates(self, doc: ConversationDoc, sentence: Sentence):
        base = sentence.utterance.said_at or doc.started_at
        if base is None:
            return
        cues = [m.start() for m in _CLOSE_CUE.finditer(sentence.text)]
        found = [e for e in dates.find(sentence.text, base) if e.day and e.day >= base.date()]
        if not found:
            return
        # The date said closest after a "sign"/"close" word ("...go-live before the 15th, signed by the 23rd").
        expression = min(found, key=lambda e: min(e.start - c if e.start >= c else 3 * (c - e.start) for c in cues))
        confidence = 0.8 if re.search(r"\b(clos|sign)", sentence.text, re.I) else 0.65
        yield doc, Fact("close_date", {"close_date": expression.day.isoformat(), "said": expression.text},
                        confidence, expression.day.isoformat(), [sentence])
