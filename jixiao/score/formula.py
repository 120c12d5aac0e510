"""What the rules say an indicator should score (rules 4 and 5), with the arithmetic in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from jixiao.record import Indicator, Quantity
from jixiao.score.context import fmt, pct
from jixiao.score.rules import RuleSet
from jixiao.text import compact

Tier = Literal["achieved", "partial", "failed"]
TIER_NAMES: dict[str, str] = {"achieved": "达成预期指标", "partial": "部分达成", "failed": "未达成"}


@dataclass(frozen=True)
class Expected:
    value: float
    arithmetic: str  # Chinese, e.g. 'min(实际完成值 4 ÷ 年度指标值 5, 1) × 分值 3 = 2.4'
    rule: str
    ratio: float  # B/A as the rule took it: for the 130% deviation-reason variant


def _units_compatible(t: Quantity, a: Quantity) -> bool:
    return t.unit == a.unit or t.unit is None or a.unit is None


def _completion(a: Quantity, t: Quantity, rules: RuleSet) -> float | None:
    """An actual printed as a percent against a target that is not one is the completion B/A."""
    if rules.indicator.completion_percent and a.unit == "%" and t.unit != "%" and a.value is not None:
        return a.value / 100
    return None


def quantitative(ind: Indicator, rules: RuleSet) -> Expected | None:
    t, a, w = ind.target, ind.actual, ind.weight
    if t is None or a is None or w is None or t.value is None or t.op is None:
        return None
    done = _completion(a, t, rules)
    if done is not None:
        value = w * min(done, 1.0)
        text = f"min(完成率 {pct(done)}, 100%) × 分值 {fmt(w)} = {fmt(value)}"
        return Expected(value, text, "indicator.completion", done)
    if a.value is None or not _units_compatible(t, a):
        return None
    if t.op in ("<=", "<"):  # a strict bound is scored as its non-strict counterpart
        return _negative(t.value, a.value, w, rules)
    return _positive(t.value, a.value, w)


def _positive(target: float, actual: float, w: float) -> Expected:
    ratio = actual / target if target else (1.0 if actual >= target else 0.0)
    value = w * min(ratio, 1.0)
    text = f"min(实际完成值 {fmt(actual)} ÷ 年度指标值 {fmt(target)}, 1) × 分值 {fmt(w)} = {fmt(value)}"
    return Expected(value, text, "indicator.positive", ratio)


def _negative(target: float, actual: float, w: float, rules: RuleSet) -> Expected:
    if rules.indicator.negative == "deviation" and target:
        dev = max(actual - target, 0.0) / target
        value = w * max(1.0 - dev, 0.0)
        text = (f"(1 − (实际完成值 {fmt(actual)} − 年度指标值 {fmt(target)}) ÷ {fmt(target)}) × 分值 "
                f"{fmt(w)} = {fmt(value)}（反向指标，按偏离度）")
        return Expected(value, text, "indicator.negative", actual / target)
    ratio = target / actual if actual else 1.0
    value = w * min(ratio, 1.0)
    text = (f"min(年度指标值 {fmt(target)} ÷ 实际完成值 {fmt(actual)}, 1) × 分值 {fmt(w)} = "
            f"{fmt(value)}（反向指标）")
    return Expected(value, text, "indicator.negative", actual / target if target else 1.0)


def is_qualitative(ind: Indicator) -> bool:
    return ind.target is not None and ind.target.value is None


def tier_of(ind: Indicator, rules: RuleSet) -> Tier | None:
    """Which tier the printed result supports: from its words, or from a completion percent."""
    a, t = ind.actual, ind.target
    if a is None:
        return None
    q = rules.qualitative
    if a.value is not None and a.unit == "%":
        if a.value >= q.achieved_min_pct:
            return "achieved"
        return "partial" if a.value >= q.partial_min_pct else "failed"
    said = compact(a.text)
    if t is not None and said == compact(t.text):
        return "achieved"
    for tier, words in (("failed", q.failed_words), ("partial", q.partial_words), ("achieved", q.achieved_words)):
        if any(compact(w) == said or (len(w) >= 2 and compact(w) in said) for w in words):
            return tier  # type: ignore[return-value]
    return None


def tier_bounds(tier: Tier, rules: RuleSet) -> tuple[float, float]:
    return tuple(getattr(rules.qualitative, tier))  # type: ignore[return-value]
