"""spaCy's `attribute_ruler`, the same rules applied faster.

The ruler of `en_core_web_sm` maps each token's tag to its POS and morphology and corrects a
few words (pronouns, auxiliaries, "gonna") with 179 Matcher patterns: about a third of the time
spaCy spends on the sentences extraction parses, against a few percent here. The patterns
only compare a token's TAG, LOWER, DEP and IS_SPACE, so the rules that match a token
follow from those four values (and, for the few two-token patterns, its neighbour's): worked
out once per distinct combination, then looked up. Rules are applied in the ruler's order,
later ones overriding earlier ones, with the ruler's own attribute setter, so the tokens come
out exactly as the ruler leaves them. A model whose ruler uses anything else keeps its own
ruler (`install`).
"""

from __future__ import annotations

import re

from spacy.attrs import DEP, IS_SPACE, LOWER, TAG
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens._retokenize import set_token_attrs

FACTORY = "dealtape_attribute_ruler"
_COLUMNS = {"TAG": 0, "LOWER": 1, "DEP": 2, "IS_SPACE": 3}  # the columns of `Doc.to_array(_ATTRS)`
_ATTRS = [TAG, LOWER, DEP, IS_SPACE]
CACHE_SIZE = 200_000


class Unsupported(ValueError):
    """A pattern compares something other than what FastAttributeRuler reads."""


class _Token:
    """One token of a pattern: (column, kind, value) tests, with the Matcher's value ids."""

    def __init__(self, spec: dict, strings):
        self.tests = []
        for attr, value in spec.items():
            if attr not in _COLUMNS:
                raise Unsupported(attr)
            column = _COLUMNS[attr]
            if attr == "IS_SPACE":
                if not isinstance(value, bool):
                    raise Unsupported(f"{attr}: {value!r}")
                self.tests.append((column, "eq", int(value)))
            elif isinstance(value, str):
                self.tests.append((column, "eq", strings.add(value)))
            elif isinstance(value, dict) and len(value) == 1:
                ((kind, arg),) = value.items()
                if kind in ("IN", "NOT_IN"):
                    self.tests.append((column, kind, frozenset(get_string_id(v) for v in arg)))
                elif kind == "REGEX":
                    self.tests.append((column, kind, re.compile(arg)))
                else:
                    raise Unsupported(kind)
            else:
                raise Unsupported(f"{attr}: {value!r}")
        # A value the token must have, to find the pattern by: (column, ids), or None (checked always).
        self.anchor = next(((c, {v} if k == "eq" else v) for c, k, v in self.tests if k in ("eq", "IN")), None)

    def matches(self, row: tuple, strings) -> bool:
        for column, kind, value in self.tests:
            have = row[column]
            if kind == "eq":
                if have != value:
                    return False
            elif kind == "IN":
                if have not in value:
                    return False
            elif kind == "NOT_IN":
                if have in value:
                    return False
            elif not value.search(strings[have]):
                return False
        return True


class FastAttributeRuler:
    """Sets the attributes an AttributeRuler would set (see the module docstring)."""

    def __init__(self, vocab):
        self.vocab = vocab
        self._attrs: list[dict] = []                            # per rule, as the ruler normalised them
        self._multi: list[tuple[int, list[_Token], int]] = []   # (rule, tokens, which token it sets)
        # Patterns by the first token's required value, (column, id) -> [(rule or multi, first token)].
        self._by_anchor: dict[tuple[int, int], list[tuple[str, int, _Token]]] = {}
        self._unanchored: list[tuple[str, int, _Token]] = []
        self._rules_of: dict[tuple, tuple] = {}  # a token's four values -> (its one-token rules, multi patterns it starts)
        self._merged: dict[tuple[int, ...], dict] = {}

    def take_rules(self, ruler) -> None:
        """Compile the rules of an AttributeRuler (raises Unsupported)."""
        strings = self.vocab.strings
        for rule, (found, attrs, index) in enumerate(zip(ruler.patterns, ruler.attrs, ruler.indices)):
            if "_" in attrs:
                raise Unsupported("extension attributes")
            self._attrs.append(attrs)
            for pattern in found["patterns"]:
                tokens = [_Token(spec, strings) for spec in pattern]
                if not -len(tokens) <= index < len(tokens):
                    raise Unsupported(f"index {index} of {pattern}")
                if len(tokens) == 1:
                    entry = ("single", rule, tokens[0])
                else:
                    entry = ("multi", len(self._multi), tokens[0])
                    self._multi.append((rule, tokens, index % len(tokens)))
                if tokens[0].anchor is None:
                    self._unanchored.append(entry)
                else:
                    column, values = tokens[0].anchor
                    for value in values:
                        self._by_anchor.setdefault((column, value), []).append(entry)

    def _rules_for(self, row: tuple) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The one-token rules a token matches, and the multi-token patterns whose first token it matches."""
        found = self._rules_of.get(row)
        if found is None:
            strings = self.vocab.strings
            candidates = [e for column, value in enumerate(row) for e in self._by_anchor.get((column, value), ())]
            single, multi = set(), set()
            for kind, key, first in candidates + self._unanchored:
                if first.matches(row, strings):
                    (single if kind == "single" else multi).add(key)
            found = (tuple(sorted(single)), tuple(sorted(multi)))
            if len(self._rules_of) >= CACHE_SIZE:
                self._rules_of.clear()
            self._rules_of[row] = found
        return found

    def __call__(self, doc):
        rows = [tuple(r) for r in doc.to_array(_ATTRS).tolist()]
        strings = self.vocab.strings
        applied: dict[int, list[int]] = {}
        for start, row in enumerate(rows):
            single, multi = self._rules_for(row)
            if single:
                applied.setdefault(start, []).extend(single)
            for m in multi:
                rule, tokens, index = self._multi[m]
                if start + len(tokens) <= len(rows) and all(
                        t.matches(rows[start + k], strings) for k, t in enumerate(tokens[1:], 1)):
                    applied.setdefault(start + index, []).append(rule)
        for i, rules in applied.items():
            set_token_attrs(doc[i], self._attributes(rules))
        return doc

    def _attributes(self, rules: list[int]) -> dict:
        """The rules' attributes, later rules overriding earlier ones (as the ruler applies them)."""
        key = tuple(sorted(rules))
        merged = self._merged.get(key)
        if merged is None:
            merged = {}
            for rule in key:
                merged.update(self._attrs[rule])
            self._merged[key] = merged
        return merged


@Language.factory(FACTORY)
def _make(nlp: Language, name: str) -> FastAttributeRuler:
    return FastAttributeRuler(nlp.vocab)


def install(nlp: Language) -> None:
    """Replace the pipeline's attribute_ruler by a FastAttributeRuler with its rules, where they
    only use what FastAttributeRuler reads; otherwise leave it."""
    if "attribute_ruler" not in nlp.component_names:
        return
    ruler = nlp.get_pipe("attribute_ruler")
    if isinstance(ruler, FastAttributeRuler):
        return
    try:
        FastAttributeRuler(nlp.vocab).take_rules(ruler)
    except Unsupported:
        return
    nlp.replace_pipe("attribute_ruler", FACTORY)
    nlp.get_pipe("attribute_ruler").take_rules(ruler)
