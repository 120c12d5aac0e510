"""What every check shares: the record, the rules, and the list findings go into."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from jixiao.findings import Finding, FindingCode, FormRef, Location, Severity
from jixiao.record import FormRecord, Indicator, Prov
from jixiao.score.rules import RuleSet
from jixiao.score.sealed import seal_glyph_doubt

SEVERITY: dict[str, Severity] = {
    "SCORE_EXCEEDS_WEIGHT": "error",
    "SCORE_RULE_MISMATCH": "error",
    "EXECUTION_RATE_MISMATCH": "error",
    "SUBTOTAL_MISMATCH": "error",
    "TOTAL_MISMATCH": "error",
    "WEIGHT_TOTAL_NOT_100": "error",
    "FUNDS_SUM_MISMATCH": "error",
    "LEVEL1_WEIGHT_NONSTANDARD": "warning",
    "GRADE_MISMATCH": "error",
    "MISSING_DEVIATION_REASON": "warning",
    "QUALITATIVE_TIER_MISMATCH": "warning",
    "SCORE_MISSING": "warning",
    "FORM_UNFILLED": "warning",
    "IMPLIED_WEIGHT_EXCEEDED": "error",
    "LEVEL1_WEIGHT_DOUBLE_COUNTED": "error",
    "RATE_PRINTED_AS_FRACTION": "warning",
    "LOW_CONFIDENCE": "info",
}

LOW_CONFIDENCE_NOTE = "（请对照原件核实后再下结论）"
# how a finding is named in Chinese, for a review item that says what it would have been
CODE_NAMES: dict[str, str] = {
    "SCORE_EXCEEDS_WEIGHT": "得分超过分值", "SCORE_RULE_MISMATCH": "得分与评分规则不符",
    "EXECUTION_RATE_MISMATCH": "执行率计算不符", "SUBTOTAL_MISMATCH": "小计与明细不符",
    "TOTAL_MISMATCH": "总分与各项得分合计不符", "WEIGHT_TOTAL_NOT_100": "分值合计不为100",
    "FUNDS_SUM_MISMATCH": "资金合计与分项之和不符", "LEVEL1_WEIGHT_NONSTANDARD": "一级指标分值非标准",
    "GRADE_MISMATCH": "自评等级与总分不符", "MISSING_DEVIATION_REASON": "缺少偏差原因说明",
    "QUALITATIVE_TIER_MISMATCH": "定性指标得分档次不符",
    "SCORE_MISSING": "得分未填", "FORM_UNFILLED": "表格未填写", "IMPLIED_WEIGHT_EXCEEDED": "得分超过表样隐含分值",
    "LEVEL1_WEIGHT_DOUBLE_COUNTED": "一级指标分值重复计入", "RATE_PRINTED_AS_FRACTION": "执行率以小数填报",
}
CORRECTED_NOTE = "（所依据的数值经人工更正或确认）"


def fmt(x: float | None) -> str:
    """A number as a person writes it: 4.65, 10, 2.5, 0.3333."""
    if x is None:
        return "空"
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def pct(x: float) -> str:
    return f"{fmt(x * 100)}%"


@dataclass
class Audit:
    record: FormRecord
    rules: RuleSet
    findings: list[Finding] = field(default_factory=list)
    # rule-recomputed scores of counted rows, for the recomputed total
    recomputed: dict[str, float] = field(default_factory=dict)
    # the sum of the reported scores that count toward the total (what the printed total should be)
    reported_sum: float | None = None

    def supports(self, block: str, column: str) -> bool:
        """Whether the form prints and fills this column: a rule never reports on a column the
        template lacks. A record that names no template (built by hand, stored before templates
        were recognised) is taken to have every column."""
        t = self.record.template
        if t is None:
            return True
        return column in (t.funds_columns if block == "funds" else t.indicator_columns)

    def printed(self, block: str, column: str) -> bool:
        """Whether the form prints this column's header, filled or not (a reason column left
        empty on every row still asks for reasons)."""
        t = self.record.template
        return self.supports(block, column) or (t is not None and f"{block}.{column}" in t.empty_columns)

    def low(self, *provs: Prov | None) -> bool:
        """Read with low confidence, and not since confirmed by a person. A label's trust is how
        surely it was mapped (its ``doubt``), not how clearly its characters were read."""
        return any(p is not None and p.match_score is None and p.confidence < self.rules.confidence.low
                   and not p.corrected for p in provs)

    def add(
        self,
        code: FindingCode,
        target: str,
        field_name: str,
        message: str,
        rule: str,
        reported: float | str | None = None,
        expected: float | str | None = None,
        where: Prov | None = None,
        based_on: tuple[Prov | None, ...] = (),
        indicator_id: str | None = None,
        doubt: str | None = None,
        summed: tuple[Prov | None, ...] = (),
        computed: bool = False,
    ) -> None:
        """Report a finding; one that rests on a reading in doubt (a value read with low
        confidence, a value whose reading does not hold together, or ``doubt``: the check's own
        reason) is a LOW_CONFIDENCE review item saying what it would be, never an accusation.
        ``summed``: the many values a computed figure adds up (a total's rows). A person's
        correction among them marks the finding corrected; which of them put the sum in doubt is
        ``_summed_doubts``'s to say. ``computed``: ``reported`` is a figure the check added up
        (the weights' sum), ``where`` only places it: no seal over ``where`` changed it."""
        provs = [p for p in (where, *based_on) if p is not None]
        low = self.low(*provs)
        corrected = any(p is not None and p.corrected for p in (*provs, *summed))
        reasons = [p.doubt for p in provs if p.doubt and not p.corrected] + ([doubt] if doubt else [])
        if where is not None and not computed and (glyph := seal_glyph_doubt(where, reported, expected)):
            reasons.append(glyph)
        if low:
            reasons.append("数值识别置信度低")
        reasons += _summed_doubts(summed, _gap(reported, expected), self.rules.confidence.low,
                                  self.rules.tolerance.score)
        reasons = list(dict.fromkeys(reasons))
        suspected = code if reasons and code != "LOW_CONFIDENCE" else None
        if suspected is not None:
            message = (f"疑似{CODE_NAMES.get(code, code)}，但所依据的读取结果存疑（{'；'.join(reasons)}）："
                       f"{message}{LOW_CONFIDENCE_NOTE}")
        self.findings.append(
            Finding(
                code="LOW_CONFIDENCE" if suspected else code,
                severity="info" if suspected or low else SEVERITY[code],
                form=FormRef(file=self.record.source.file, index=self.record.source.index),
                target=target,
                field=field_name,
                reported=_round(reported),
                expected=_round(expected),
                rule=rule,
                message=message + (CORRECTED_NOTE if corrected else ""),
                location=_location(where),
                low_confidence=low or suspected is not None,
                corrected=corrected,
                indicator_id=indicator_id,
                suspected=suspected,
                doubt="；".join(reasons) or None,
            )
        )


def _round(x: float | str | None) -> float | str | None:
    return round(x, 4) if isinstance(x, float) else x


def _location(p: Prov | None) -> Location:
    if p is None:
        return Location()
    return Location(page=p.page, box=p.box, line=p.line, column=p.column, location=p.location)


def differs(a: float, b: float, tol: float) -> bool:
    return abs(a - b) > tol + 1e-9


def score_reach(ind: Indicator, gap: float) -> float:
    """How far a row's score read in doubt could move towards closing ``gap`` (a sum's reported
    figure less the sum as read): a score is 0 at least and its 分值 at most, so it can close a
    figure reported above the sum only by being higher than read, one below it only by being lower."""
    score = ind.score or 0.0
    return max((ind.weight or 0.0) - score, 0.0) if gap > 0 else score



def _summed_doubts(summed: tuple[Prov | None, ...], gap: float | None, low: float, tolerance: float) -> list[str]:
    """Why the values a computed figure adds up put it in doubt; each is left to its own finding
    otherwise, so that one row read unsurely does not soften every total it is in."""
    read = [p for p in summed if p is not None and not p.corrected]
    reasons = []
    # a summed value not read at all (a cell that could not be read: confidence 0) leaves
    # the sum unknown, and a finding on an unknown sum would accuse the form of a gap in the read
    unread = [p for p in read if p.confidence <= 0.0]
    if unread:
        reasons.append("所加总的数值中有未能读出的（" + "、".join(dict.fromkeys(p.raw for p in unread if p.raw)) + "）")
    # a summed value read in doubt (its two reads differed: 3 read as 113 under a seal) that
    # is as large as the gap could have made the gap alone: the sum is then in doubt too. A
    # doubtful row smaller than the gap leaves the total's finding standing
    shaky = [p for p in read if 0.0 < p.confidence < low and p.match_score is None]
    if gap is not None and shaky and gap <= sum(_shift(p) for p in shaky) + tolerance:
        reasons.append("所加总的数值中有识别存疑的（" + "、".join(dict.fromkeys(p.raw.split(" | ")[0] for p in shaky)) + "）")
    # a summed value whose reading does not hold together (its own doubt: digits beside
    # letters, columns that may be shifted) may be what puts the sum off, whatever its size
    return reasons + [f"所加总的数值读取存疑（{p.doubt}）" for p in read if p.doubt]

def _gap(reported: float | str | None, expected: float | str | None) -> float | None:
    if isinstance(reported, int | float) and isinstance(expected, int | float):
        return abs(float(reported) - float(expected))
    return None


def _shift(p: Prov) -> float:
    """How far a value read in doubt may be from what the form printed: as far as it is large
    (3 read as 113 under a seal), or as far as its second read saw it from the first (a 7 read
    '1' and read again 7: held-out forms-gen s632 h23)."""
    read = _number(p.raw)
    rival = _number(p.reread) if p.reread else read
    return max(abs(read), abs(rival - read))


def _number(raw: str) -> float:
    """The number a cell's raw text (first read, before any note) spells; 0 when none."""
    m = re.search(r"\d+(?:\.\d+)?", raw.split(" | ")[0].replace(",", ""))
    return float(m.group()) if m else 0.0
