"""Funds checks: parts add up to the total (rule 8), printed rates are B/A (rule 8), and the
budget-execution score is weight x min(B/A, 1) (rule 3)."""

from __future__ import annotations

import math
from collections.abc import Callable

from jixiao.family import family
from jixiao.normalize.lexicon import FUNDS_INCOME, FUNDS_SPENDING
from jixiao.normalize.values import parse_number, rate_decimals
from jixiao.record import FundsRow
from jixiao.score.context import Audit, differs, fmt, pct
from jixiao.score.sealed import hidden_digits_doubt

_COLUMN_NAMES = {"initial_budget": "年初预算数", "annual_budget": "全年预算数", "executed": "全年执行数"}


def check_funds(a: Audit) -> None:
    _sums(a)
    for row in a.record.funds:
        _rate(a, row)
    _budget_score(a)


def _parts(a: Audit) -> list[list[FundsRow]]:
    """The sets of rows that each add up to the total: one (the part set that fits the rows
    present best), or, on a block split by income and by spending, each half as printed."""
    rows = [f for f in a.record.funds if f.item != "total"]
    present = {f.item for f in rows}
    if present & FUNDS_SPENDING and present & FUNDS_INCOME:
        return [half for half in _runs(a, rows) if half]
    best = max(a.rules.funds.part_sets, key=lambda s: len(present & set(s)), default=[])
    return [[f for f in rows if f.item in best]]


def _runs(a: Audit, rows: list[FundsRow]) -> list[list[FundsRow]]:
    """Rows in printed order cut where the next row fits no part set with the run so far."""
    runs: list[list[FundsRow]] = [[]]
    for row in rows:
        items = {f.item for f in runs[-1]} | {row.item}
        if row.item in {f.item for f in runs[-1]} or not any(items <= set(s) for s in a.rules.funds.part_sets):
            runs.append([])
        runs[-1].append(row)
    return [[f for f in run if any({g.item for g in run} <= set(s) for s in a.rules.funds.part_sets)]
            for run in runs]


def _sums(a: Audit) -> None:
    total = a.record.funds_row("total")
    if total is None:
        return
    for parts in _parts(a):
        if len(parts) == 1:
            _of_which(a, total, parts[0])
        elif parts:
            _sum_of(a, total, parts)


def _sum_of(a: Audit, total: FundsRow, parts: list[FundsRow]) -> None:
    for column in a.rules.funds.columns:
        if not a.supports("funds", column):
            continue
        reported = getattr(total, column)
        values = [getattr(p, column) for p in parts]
        known = [v for v in values if v is not None]
        if reported is None or not known:
            continue
        expected = sum(known)
        if differs(reported, expected, a.rules.tolerance.money):
            terms = " + ".join(f"{p.label} {fmt(getattr(p, column) or 0.0)}" for p in parts)
            a.add(
                "FUNDS_SUM_MISMATCH", total.label, column,
                f"「{total.label}」的{_COLUMN_NAMES.get(column, column)}应等于各项之和：{terms} = "
                f"{fmt(expected)}，表中填报 {fmt(reported)}，相差 {fmt(reported - expected)} {_unit(a)}。",
                "funds.sum", reported, expected, total.prov.get(column),
                (total.prov.get("label"), *(p.prov.get(column) for p in parts), *(p.prov.get("label") for p in parts)),
                doubt=a.record.doubts.get("funds"),
            )


def _of_which(a: Audit, total: FundsRow, part: FundsRow) -> None:
    """A total with a single 其中 row under it cannot hold less than that row (a total printing
    0 while the money sits in 其中:本年财政拨款); it may hold more, the rest unlisted."""
    for column in a.rules.funds.columns:
        reported, inner = getattr(total, column), getattr(part, column)
        if not a.supports("funds", column) or reported is None or inner is None:
            continue
        if inner - reported > a.rules.tolerance.money + 1e-9:
            a.add(
                "FUNDS_SUM_MISMATCH", total.label, column,
                f"「{total.label}」的{_COLUMN_NAMES.get(column, column)}填报 {fmt(reported)}，小于其中"
                f"「{part.label}」的 {fmt(inner)}，相差 {fmt(inner - reported)} {_unit(a)}；合计不能小于其中一项。",
                "funds.sum", reported, inner, total.prov.get(column),
                (total.prov.get("label"), part.prov.get(column), part.prov.get("label")),
            )


def _unit(a: Audit) -> str:
    return a.record.template.money_unit if a.record.template is not None else "万元"


def _rate(a: Audit, row: FundsRow) -> None:
    _fraction(a, row)
    if row.execution_rate is None or not row.annual_budget or row.executed is None:
        return
    expected = row.executed / row.annual_budget * 100
    printed = row.prov.get("execution_rate")
    # a rate printed as a fraction (0.9712) has two of its decimals before the percent's point
    tol = 0.5 * 10 ** -rate_decimals(printed.raw if printed else "") + a.rules.tolerance.rate_extra_pct
    if differs(row.execution_rate, expected, tol):
        a.add(
            "EXECUTION_RATE_MISMATCH", row.label, "execution_rate",
            f"「{row.label}」执行率应为 全年执行数 {fmt(row.executed)} ÷ 全年预算数 "
            f"{fmt(row.annual_budget)} = {fmt(expected)}%，表中填报 {fmt(row.execution_rate)}%。",
            "funds.execution_rate", row.execution_rate, round(expected, 2), printed,
            (row.prov.get("executed"), row.prov.get("annual_budget"), row.prov.get("label")),
            doubt=_under_seal(row, lambda b, a_: not differs(row.execution_rate or 0.0, b / a_ * 100, tol)),
        )


def _under_seal(row: FundsRow, agrees: Callable[[float, float], bool]) -> str | None:
    """Why a check on B / A may be a seal's doing: B or A, read under a seal and confirmed by no
    second engine, has a reading the seal could have made into what was read under which the
    check ``agrees`` (given B and A)."""
    b, a_ = row.executed, row.annual_budget
    if b is None or not a_:
        return None
    return (hidden_digits_doubt(row.prov.get("executed"), b, lambda x: agrees(x, a_))
            or hidden_digits_doubt(row.prov.get("annual_budget"), a_, lambda x: agrees(b, x)))


def _as_fraction(row: FundsRow) -> bool:
    """Whether the printed rate was a fraction read as the percent it stands for (0.1446: 14.46%)."""
    printed = row.prov.get("execution_rate")
    if row.execution_rate is None or printed is None or "%" in printed.raw:
        return False
    raw = parse_number(printed.raw)
    return raw is not None and 0 < raw <= 1.5 and abs(raw * 100 - row.execution_rate) <= 1e-6


def _fraction(a: Audit, row: FundsRow) -> None:
    """A rate printed as a fraction is read as the percent it stands for, and the form is told
    it printed the rate in the wrong form."""
    printed = row.prov.get("execution_rate")
    if printed is None or not _as_fraction(row):
        return
    a.add(
        "RATE_PRINTED_AS_FRACTION", row.label, "execution_rate",
        f"「{row.label}」执行率填报为小数 {printed.raw}，按 {fmt(row.execution_rate)}% 读取；执行率应以百分数填报。",
        "funds.execution_rate", printed.raw, f"{fmt(row.execution_rate)}%", printed, (row.prov.get("label"),),
    )


def implied_budget_weight(a: Audit) -> float | None:
    """The budget-execution weight a recognised template gives where the form prints none."""
    t = a.record.template
    if t is None or a.supports("funds", "weight"):
        return None
    fam = family(t.family)
    return fam.weights.budget_execution if fam is not None and fam.weights.budget_execution else None


def budget_weight(a: Audit) -> float | None:
    total = a.record.funds_row("total")
    return total.weight if total is not None else None


def _budget_cap(a: Audit, total: FundsRow) -> None:
    if total.score is None or total.weight is None or total.score - total.weight <= 1e-6:
        return
    a.add(
        "SCORE_EXCEEDS_WEIGHT", total.label, "score",
        f"预算执行得分 {fmt(total.score)} 超过其分值 {fmt(total.weight)}，超出 "
        f"{fmt(total.score - total.weight)} 分；得分不能超过分值上限。",
        "score_cap", total.score, total.weight, total.prov.get("score"), (total.prov.get("weight"),),
    )


def _implied_cap(a: Audit, total: FundsRow, weight: float) -> None:
    if total.score is None or total.score - weight <= 1e-6:
        return
    a.add(
        "IMPLIED_WEIGHT_EXCEEDED", total.label, "score",
        f"预算执行得分 {fmt(total.score)} 超过表样「{a.record.template.family if a.record.template else ''}」"
        f"隐含的预算执行分值 {fmt(weight)}（表中未印分值），超出 {fmt(total.score - weight)} 分；"
        f"执行率超过100%时得分以分值为上限。",
        "budget_execution.implied_weight", total.score, weight, total.prov.get("score"),
        (total.prov.get("executed"), total.prov.get("annual_budget")),
    )


def _budget_score(a: Audit) -> None:
    total = a.record.funds_row("total")
    if total is not None:
        _budget_cap(a, total)
    implied = implied_budget_weight(a) if total is not None and total.weight is None else None
    if total is not None and implied is not None:
        _implied_cap(a, total, implied)
    weight = total.weight if total is not None and total.weight is not None else implied
    if total is None or weight is None or not total.annual_budget or total.executed is None:
        return
    rate = total.executed / total.annual_budget
    expected = _rule_score(a, weight, rate)
    a.recomputed["budget_execution"] = expected
    _reason_for_low_rate(a, total, rate)
    if total.score is None:
        return
    by_printed = _by_printed_rate(a, total)
    tol = a.rules.tolerance.score
    over_implied = implied is not None and total.score > implied + 1e-6  # reported as that, once
    if differs(total.score, expected, tol) and (by_printed is None or differs(total.score, by_printed, tol)) \
            and not over_implied:
        a.add(
            "SCORE_RULE_MISMATCH", total.label, "score",
            f"预算执行得分应为 分值 {fmt(weight)}{'（表样隐含）' if implied is not None else ''} × min(执行率 {fmt(total.executed)} ÷ "
            f"{fmt(total.annual_budget)} = {pct(rate)}, {pct(a.rules.budget_execution.cap)}) = "
            f"{fmt(expected)}，表中填报 {fmt(total.score)}。",
            "budget_execution", total.score, expected, total.prov.get("score"),
            (total.prov.get("executed"), total.prov.get("annual_budget"), total.prov.get("weight"),
             total.prov.get("label")),
            doubt=_under_seal(total, lambda b, a_: not differs(total.score or 0.0, _rule_score(a, weight, b / a_), tol)),
        )


def _rule_score(a: Audit, weight: float, rate: float) -> float:
    """The budget-execution score the rule gives for a rate (a fraction)."""
    value = weight * min(rate, a.rules.budget_execution.cap)
    return float(math.floor(value + 0.5)) if a.rules.budget_execution.round == "integer" else value


def _by_printed_rate(a: Audit, total: FundsRow) -> float | None:
    """The score from the printed (rounded) rate: forms compute from it, and that is not an error."""
    if not a.rules.budget_execution.from_printed_rate or total.execution_rate is None or total.weight is None:
        return None
    return _rule_score(a, total.weight, total.execution_rate / 100)


def _reason_for_low_rate(a: Audit, total: FundsRow, rate: float) -> None:
    floor = a.rules.deviation_reason.when_execution_rate_below
    if floor and rate * 100 < floor and not _any_budget_reason(a):
        a.add(
            "MISSING_DEVIATION_REASON", total.label, "execution_rate",
            f"预算执行率 {pct(rate)} 低于 {fmt(floor)}%，按规则须说明原因，表中未见说明。",
            "deviation_reason.execution_rate", round(rate * 100, 2), None, total.prov.get("executed"),
        )


def _any_budget_reason(a: Audit) -> bool:
    return any(i.level1 == "budget_execution" and i.reason for i in a.record.indicators)
