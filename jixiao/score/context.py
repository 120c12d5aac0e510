"""What every check shares: the record, the rules, and the list findings go into."""

from __future__ import annotations

from dataclasses import dataclass, field

from jixiao.findings import Finding, FindingCode, FormRef, Location, Severity
from jixiao.record import FormRecord, Prov
from jixiao.score.rules import RuleSet

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
    "LOW_CONFIDENCE": "info",
}

LOW_CONFIDENCE_NOTE = "（所依据的数值识别置信度低，请对照原件核实后再下结论）"
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

    def low(self, *provs: Prov | None) -> bool:
        """Read with low confidence, and not since confirmed by a person."""
        return any(p is not None and p.confidence < self.rules.confidence.low and not p.corrected for p in provs)

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
        summed: tuple[Prov | None, ...] = (),
    ) -> None:
        """``summed``: the many values a computed figure adds up (a total's rows). A person's
        correction among them marks the finding corrected; their confidence is left to each row's
        own findings, so one doubtful row does not soften a total's."""
        low = self.low(where, *based_on)
        corrected = any(p is not None and p.corrected for p in (where, *based_on, *summed))
        self.findings.append(
            Finding(
                code=code,
                # resting on a doubtful reading, a finding asks for a look instead of accusing
                severity="info" if low else SEVERITY[code],
                form=FormRef(file=self.record.source.file, index=self.record.source.index),
                target=target,
                field=field_name,
                reported=_round(reported),
                expected=_round(expected),
                rule=rule,
                message=message + (LOW_CONFIDENCE_NOTE if low else "") + (CORRECTED_NOTE if corrected else ""),
                location=_location(where),
                low_confidence=low,
                corrected=corrected,
                indicator_id=indicator_id,
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
