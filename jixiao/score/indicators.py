"""Per-indicator checks: cap (rule 2), rule score (rule 4), qualitative tier (rule 5), deviation
reason (rule 7), and subtotals against their components."""

from __future__ import annotations

from jixiao.record import Indicator, Prov
from jixiao.score.context import Audit, differs, fmt, score_reach
from jixiao.score.formula import (
    TIER_NAMES,
    Expected,
    is_qualitative,
    quantitative,
    tier_bounds,
    tier_of,
)


def check_indicators(a: Audit) -> None:
    t = a.record.template
    unfilled = t is not None and "indicators.score" in t.empty_columns
    for ind in a.record.indicators:
        if not unfilled:
            _missing(a, ind)
        _cap(a, ind)
        _rule_score(a, ind)
        _tier(a, ind)
        _reason(a, ind)
        if ind.is_subtotal:
            _subtotal(a, ind)


def _missing(a: Audit, ind: Indicator) -> None:
    """A row with its weight (or, on a form that prints no 分值, its actual) but no score, on a form
    whose other rows are scored: the score was left blank."""
    if ind.score is not None or not a.supports("indicators", "score") or ind.is_subtotal:
        return
    if ind.weight is None and (a.supports("indicators", "weight") or ind.actual is None):
        return
    read = ind.prov.get("score")
    if read is not None and read.raw.strip():
        # the cell holds something that did not read as a score (a formula saved without its
        # result, a smudge): a reading in doubt, which its own review item names, not a blank
        return
    a.add(
        "SCORE_MISSING", ind.name, "score",
        f"「{ind.name}」" + (f"分值 {fmt(ind.weight)}，" if ind.weight is not None else "")
        + "得分栏为空：未自评打分。",
        # a cell with ink that nothing could read (a seal over it) is no blank: a review item
        "score_missing", None, ind.weight, ind.prov.get("name"), (ind.prov.get("score"),), ind.id,
    )


def _cap(a: Audit, ind: Indicator) -> None:
    if ind.score is None or ind.weight is None:
        return
    # "above its weight" is exact: scores are printed to two decimals, 10.01 is above 10
    if ind.score - ind.weight > 1e-6:
        a.add(
            "SCORE_EXCEEDS_WEIGHT", ind.name, "score",
            f"「{ind.name}」得分 {fmt(ind.score)} 超过其分值 {fmt(ind.weight)}，"
            f"超出 {fmt(ind.score - ind.weight)} 分；各三级指标得分不能超过分值上限。",
            "score_cap", ind.score, ind.weight, ind.prov.get("score"), (ind.prov.get("weight"),), ind.id,
        )


def _rule_score(a: Audit, ind: Indicator) -> None:
    expected = quantitative(ind, a.rules)
    if expected is None:
        _units_apart(a, ind)
        if ind.parent is None and ind.score is not None and ind.weight is not None:
            a.recomputed[ind.id] = min(ind.score, ind.weight)
        return
    if ind.parent is None:
        a.recomputed[ind.id] = expected.value
    if ind.score is None or not differs(ind.score, expected.value, a.rules.tolerance.score):
        return
    a.add(
        "SCORE_RULE_MISMATCH", ind.name, "score",
        f"「{ind.name}」得分应为 {expected.arithmetic}，表中填报 {fmt(ind.score)}，"
        f"相差 {fmt(ind.score - expected.value)} 分。",
        expected.rule, ind.score, round(expected.value, 4), ind.prov.get("score"),
        (ind.prov.get("target"), ind.prov.get("actual"), ind.prov.get("weight")), ind.id,
    )


def _units_apart(a: Audit, ind: Indicator) -> None:
    """An actual in another unit than its target ('5次' against '≥5人次') gives no B/A a rule can
    trust: if the numbers alone say another score, a person should look, nobody is accused."""
    t, act, w = ind.target, ind.actual, ind.weight
    if (t is None or act is None or w is None or ind.score is None or t.value is None or act.value is None
            or t.op is None or t.unit is None or act.unit is None or t.unit == act.unit or act.unit == "%"):
        return
    naive = _units_free(ind, a)
    if naive is None or not differs(ind.score, naive.value, a.rules.tolerance.score):
        return
    a.add(
        "SCORE_RULE_MISMATCH", ind.name, "score",
        f"「{ind.name}」实际完成值「{act.text}」与年度指标值「{t.text}」单位不同（{act.unit} / {t.unit}），"
        f"若按数值计算得分应为 {naive.arithmetic}，表中填报 {fmt(ind.score)}。",
        naive.rule, ind.score, round(naive.value, 4), ind.prov.get("score"),
        (ind.prov.get("target"), ind.prov.get("actual")), ind.id,
        doubt=f"单位不一致（{t.unit} / {act.unit}）",
    )


def _units_free(ind: Indicator, a: Audit) -> Expected | None:
    assert ind.target is not None and ind.actual is not None
    same = ind.model_copy(update={"actual": ind.actual.model_copy(update={"unit": ind.target.unit})})
    return quantitative(same, a.rules)


def _tier(a: Audit, ind: Indicator) -> None:
    if not is_qualitative(ind) or ind.score is None or not ind.weight or ind.score > ind.weight:
        return
    tier = tier_of(ind, a.rules)
    if tier is None:
        return
    lo, hi = tier_bounds(tier, a.rules)
    share = ind.score / ind.weight
    # lower bounds are included (注4: 含80%, 含50%); the top tier also includes its upper bound
    inside = share >= lo - 1e-9 and (share < hi - 1e-9 or hi >= 1.0)
    if not inside:
        a.add(
            "QUALITATIVE_TIER_MISMATCH", ind.name, "score",
            f"「{ind.name}」为定性指标，完成情况「{ind.actual.text if ind.actual else ''}」属"
            f"「{TIER_NAMES[tier]}」档，得分应在分值 {fmt(ind.weight)} 的 {fmt(lo * 100)}%–{fmt(hi * 100)}% "
            f"之间（{fmt(lo * ind.weight)}–{fmt(hi * ind.weight)} 分），表中填报 {fmt(ind.score)} 分"
            f"（{fmt(share * 100)}%）。",
            "qualitative", ind.score, f"{fmt(lo * ind.weight)}–{fmt(hi * ind.weight)}",
            # the target too: the row is qualitative because its target read as words, and a
            # target misread ('≥90%' as '90%22' at 0.5 on gen-15's degraded scan) made a
            # quantitative row qualitative and raised this on a reading in doubt
            ind.prov.get("score"), (ind.prov.get("actual"), ind.prov.get("target")), ind.id,
        )


def _reason(a: Audit, ind: Indicator) -> None:
    # a template with no reason column (a form-level 偏差大或目标未完成原因分析 block, or none) is
    # not asked for a reason per row
    if ind.reason or ind.score is None or ind.weight is None or not a.printed("indicators", "reason"):
        return
    rules = a.rules.deviation_reason
    if rules.when_score_below_weight and differs(ind.score, ind.weight, a.rules.tolerance.score) and ind.score < ind.weight:
        a.add(
            "MISSING_DEVIATION_REASON", ind.name, "score",
            f"「{ind.name}」得分 {fmt(ind.score)} 低于分值 {fmt(ind.weight)}（扣 "
            f"{fmt(ind.weight - ind.score)} 分），未填写未完成原因分析。",
            "deviation_reason", ind.score, ind.weight, ind.prov.get("reason") or ind.prov.get("score"),
            (ind.prov.get("score"), ind.prov.get("weight")), ind.id,
        )
        return
    _over_target(a, ind)


def _over_target(a: Audit, ind: Indicator) -> None:
    limit = a.rules.deviation_reason.when_actual_over_target_pct
    expected = quantitative(ind, a.rules) if limit else None
    if expected is not None and expected.ratio * 100 > limit + 1e-9:
        a.add(
            "MISSING_DEVIATION_REASON", ind.name, "actual",
            f"「{ind.name}」实际完成值达年度指标值的 {fmt(expected.ratio * 100)}%，超过 "
            f"{fmt(limit)}%，按规则须说明偏差原因，表中未填写。",
            "deviation_reason.over_target", round(expected.ratio * 100, 2), limit,
            ind.prov.get("actual"), (), ind.id,
        )


def _subtotal(a: Audit, sub: Indicator) -> None:
    parts = [p for p in a.record.indicators if p.parent == sub.id]
    if not parts:
        return
    for field_name, word in (("weight", "分值"), ("score", "得分")):
        reported = getattr(sub, field_name)
        values = [getattr(p, field_name) for p in parts]
        if reported is None or any(v is None for v in values):
            continue
        expected = sum(values)
        if differs(reported, expected, a.rules.tolerance.score):
            terms = " + ".join(f"{p.name} {fmt(getattr(p, field_name))}" for p in parts)
            a.add(
                "SUBTOTAL_MISMATCH", sub.name, field_name,
                f"「{sub.name}」{word}应为其组成项之和：{terms} = {fmt(expected)}，"
                f"表中填报 {fmt(reported)}，相差 {fmt(reported - expected)}。",
                "subtotal", reported, round(expected, 4), sub.prov.get(field_name),
                tuple(p.prov.get(field_name) for p in _could_close(a, sub, parts, field_name, reported - expected)), sub.id,
            )


def _weights_hold(a: Audit, sub: Indicator, parts: list[Indicator]) -> bool:
    """Whether the components' 分值, one of them read in doubt at most, add up to the subtotal's
    分值 read surely: the doubtful one is then what the form printed (held-out forms-gen s612 h22:
    a seal's characters beside a component's 2 and 2, '2感受' and '2感度', under a 小计 of 5 = 2 + 3)."""
    weights = [p.weight for p in parts]
    if sub.weight is None or a.low(sub.prov.get("weight")) or any(w is None for w in weights):
        return False
    doubtful = [p for p in parts if a.low(p.prov.get("weight")) or (p.prov.get("weight") or Prov()).doubt]
    return len(doubtful) <= 1 and not differs(sum(w or 0.0 for w in weights), sub.weight, a.rules.tolerance.score)


def _could_close(a: Audit, sub: Indicator, parts: list[Indicator], field_name: str, gap: float) -> list[Indicator]:
    """The components a subtotal's finding rests on: all of them, but for scores read in doubt
    that could not close the gap together, whatever they are between 0 and their 分值 read
    surely, or confirmed by the subtotal's (``_weights_hold``) (dev forms-gen s500 h22: a seal's characters read beside a component's score, '2感覆'
    for 2 under a 分值 of 2, beside a subtotal 1.65 above its parts: the score could only be
    lower, which widens the gap, and a true SUBTOTAL_MISMATCH was a review item)."""
    if field_name != "score":
        return parts
    shaky = [p for p in parts if a.low(p.prov.get("score"))]
    held = _weights_hold(a, sub, parts)
    if not shaky or any(p.weight is None or (not held and (a.low(p.prov.get("weight")) or (p.prov.get("weight") or Prov()).doubt))
                        for p in shaky):
        return parts
    if sum(score_reach(p, gap) for p in shaky) + a.rules.tolerance.score >= abs(gap):
        return parts
    return [p for p in parts if p not in shaky]
