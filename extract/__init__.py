"""Extraction: small versioned extractors that turn conversations into facts with evidence."""

from __future__ import annotations

from importlib import import_module

from ..models.errors import DealtapeError

# name -> "module:class", in the order they run. Modules load lazily (`dealtape --help` stays instant).
EXTRACTORS: dict[str, str] = {
    "next_step": "dealtape.extract.next_steps:NextSteps",
    "objection": "dealtape.extract.objections:Objections",
    "competitor": "dealtape.extract.competitors:Competitors",
    "deal_terms": "dealtape.extract.deal_terms:DealTerms",
    "stage": "dealtape.extract.stage:Stage",
}

_instances: dict[str, object] = {}


def get(name: str):
    """The extractor registered as `name`; unknown names list the valid ones."""
    if name not in _instances:
        try:
            module, attr = EXTRACTORS[name].split(":")
        except KeyError:
            raise DealtapeError(f"unknown extractor {name!r}; choose one of: {', '.join(EXTRACTORS)}") from None
        _instances[name] = getattr(import_module(module), attr)()
    return _instances[name]
