"""Funds checks: parts add up to the total (rule 8), printed rates are B/A (rule 8), and the
budget-execution score is weight x min(B/A, 1) (rule 3)."""

from __future__ import annotations

import math

from jixiao.normalize.values import decimals_of
from jixiao.record import FundsRow
from jixiao.score.context import Audit, differs, fmt, pct

_COLUMN_NAMES = {"initial_budget": "年初预算数", "annual_budget": "全年预算数", "executed": "全年执行数"}


def check_funds(a: Audit) -> None:
    _sums(a)
    for row in a.record.funds:
        _rate(a, row)
    _budget_score(a)


def _parts(a: Audit) -> list[FundsRow]:
    present = {f.item for f in a.record.funds if f.item != "total"}
    best = max(a.rules.funds.part_sets, key=lambda s: len(present & set(s)), default=[])
    return [f for f in a.record.funds if f.item in best]


def _sums(a: Audit) -> None:
    total = a.record.funds_row("total")
    parts = _parts(a)
    if total is None or len(parts) < 2:
        return
    for column in a.rules.funds.columns:
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
                f"{fmt(expected)}，表中填报 {fmt(reported)}，相差 {fmt(reported - expected)} 万元。",
                "funds.sum", reported, expected, total.prov.get(column),
                (total.prov.get("label"), *(p.prov.get(column) for p in parts), *(p.prov.get("label") for p in parts)),
            )


def _rate(a: Audit, row: FundsRow) -> None:
    if row.execution_rate is None or not row.annual_budget or row.executed is None:
        return
    expected = row.executed / row.annual_budget * 100
    printed = row.prov.get("execution_rate")
    tol = 0.5 * 10 ** -decimals_of(printed.raw if printed else "") + a.rules.tolerance.rate_extra_pct
    if differs(row.execution_rate, expected, tol):
        a.add(
            "EXECUTION_RATE_MISMATCH", row.label, "execution_rate",
            f"「{row.label}」执行率应为 全年执行数 {fmt(row.executed)} ÷ 全年预算数 "
            f"{fmt(row.annual_budget)} = {fmt(expected)}%，表中填报 {fmt(row.execution_rate)}%。",
            "funds.execution_rate", row.execution_rate, round(expected, 2), printed,
            (row.prov.get("executed"), row.prov.get("annual_budget"), row.prov.get("label")),
        )


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


def _budget_score(a: Audit) -> None:
    total = a.record.funds_row("total")
    if total is not None:
        _budget_cap(a, total)
    if total is None or total.weight is None or not total.annual_budget or total.executed is None:
        return
    rate = total.executed / total.annual_budget
    expected = total.weight * min(rate, a.rules.budget_execution.cap)
    if a.rules.budget_execution.round == "integer":
        expected = float(math.floor(expected + 0.5))
    a.recomputed["budget_execution"] = expected
    _reason_for_low_rate(a, total, rate)
    if total.score is None:
        return
    by_printed = _by_printed_rate(a, total)
    tol = a.rules.tolerance.score
    if differs(total.score, expected, tol) and (by_printed is None or differs(total.score, by_printed, tol)):
        a.add(
            "SCORE_RULE_MISMATCH", total.label, "score",
            f"预算执行得分应为 分值 {fmt(total.weight)} × min(执行率 {fmt(total.executed)} ÷ "
            f"{fmt(total.annual_budget)} = {pct(rate)}, {pct(a.rules.budget_execution.cap)}) = "
            f"{fmt(expected)}，表中填报 {fmt(total.score)}。",
            "budget_execution", total.score, expected, total.prov.get("score"),
            (total.prov.get("executed"), total.prov.get("annual_budget"), total.prov.get("weight"),
             total.prov.get("label")),
        )


def _by_printed_rate(a: Audit, total: FundsRow) -> float | None:
    """The score from the printed (rounded) rate: forms compute from it, and that is not an error."""
    if not a.rules.budget_execution.from_printed_rate or total.execution_rate is None or total.weight is None:
        return None
    value = total.weight * min(total.execution_rate / 100, a.rules.budget_execution.cap)
    return float(math.floor(value + 0.5)) if a.rules.budget_execution.round == "integer" else value


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
