"""Fuzzy label matching with rapidfuzz: every label, from any path, is mapped here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz

from jixiao.normalize.confusion import fold
from jixiao.normalize.lexicon import NOT_LEVELS, Vocabulary
from jixiao.text import compact

ACCEPT = 72.0  # below this a label is not taken to be any canonical one
LOW_MARGIN = 8.0  # a winner this close to its runner-up is reported for a person to check

_WEIGHT_NOTE = re.compile(r"\(\s*\d+(?:\.\d+)?\s*分?\s*\)|\d+(?:\.\d+)?分$")
_DECOR = re.compile(r"[:;,.、。·*#|<>\"'“”‘’『』「」_\-~]")
_AB_SUFFIX = re.compile(r"\([AB]\)$|\(A\)|\(B\)")


@lru_cache(maxsize=65536)
def label_key(text: str) -> str:
    """The comparable form of a label: folded look-alikes, no spaces, colons, (A)/(B) or (50分)."""
    t = fold(compact(text))
    t = _WEIGHT_NOTE.sub("", t)
    t = _AB_SUFFIX.sub("", t)
    t = _DECOR.sub("", t)
    return t.removeprefix("其中")


def declared_weight(text: str) -> float | None:
    """The weight printed inside a level-1 label: '产出指标(50分)' -> 50."""
    m = re.search(r"(\d+(?:\.\d+)?)\s*分", fold(compact(text)))
    return float(m.group(1)) if m else None


class LabelTrust(BaseModel):
    """When a mapped label is sure enough for an error to rest on it."""

    model_config = ConfigDict(frozen=True)

    # forms-gen seeds 101-104 (492 funds-row labels, text PDFs, scans, transcripts): every right
    # mapping scored >= 83.3 with a margin >= 33.3 ('午度资金总额' 83.3 / 43.3, '年庋资金总额' 83.3 /
    # 33.3), none wrong; below these a row's findings are review items
    sure_score: float = 80.0
    sure_margin: float = 15.0


TRUST = LabelTrust()


@dataclass(frozen=True)
class Match:
    canonical: str | None
    score: float
    variant: str | None = None
    runner_up: str | None = None
    runner_score: float = 0.0

    @property
    def margin(self) -> float:
        return self.score - self.runner_score

    @property
    def ok(self) -> bool:
        return self.canonical is not None

    @property
    def doubtful(self) -> bool:
        return self.ok and self.margin < LOW_MARGIN

    @property
    def sure(self) -> bool:
        return self.ok and self.score >= TRUST.sure_score and self.margin >= TRUST.sure_margin


def _similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 100.0
    score = fuzz.ratio(a, b)
    # a label with a short prefix or suffix the vocabulary lacks ('年度资金总额' in '其中年度资金总额')
    if len(a) >= len(b) >= 2 and b in a:
        score = max(score, 100.0 * len(b) / len(a) + 15.0)
    return min(score, 99.0)


def _scores(key: str, vocab: Vocabulary) -> list[tuple[float, str, str]]:
    best: dict[str, tuple[float, str]] = {}
    for canonical, variants in vocab.items():
        for variant in variants:
            s = _similarity(key, label_key(variant))
            if s > best.get(canonical, (-1.0, ""))[0]:
                best[canonical] = (s, variant)
    return sorted(((s, c, v) for c, (s, v) in best.items()), reverse=True)


def match(text: str | None, vocab: Vocabulary, accept: float = ACCEPT) -> Match:
    """The canonical name a printed label stands for, with its score and the runner-up."""
    key = label_key(text or "")
    if not key:
        return Match(None, 0.0)
    ranked = _scores(key, vocab)
    top_score, top, variant = ranked[0]
    runner_score, runner = (ranked[1][0], ranked[1][1]) if len(ranked) > 1 else (0.0, None)
    if top_score < accept:
        return Match(None, top_score, variant, top, top_score)
    return Match(top, top_score, variant, runner, runner_score)



def match_level(text: str | None, vocab: Vocabulary) -> Match:
    """A 一级/二级指标 label; the indicator block's own title (绩效指标) is none, however close."""
    m = match(text, vocab)
    if m.ok and match(text, {"block": NOT_LEVELS}).score >= m.score:
        return Match(None, m.score, m.variant, m.canonical, m.score)
    return m
