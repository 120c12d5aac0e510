"""What the rules engine says about a form: one Finding per place the figures disagree."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from jixiao.grid import Box

Severity = Literal["error", "warning", "info"]

FindingCode = Literal[
    "SCORE_EXCEEDS_WEIGHT",
    "SCORE_RULE_MISMATCH",
    "EXECUTION_RATE_MISMATCH",
    "SUBTOTAL_MISMATCH",
    "TOTAL_MISMATCH",
    "WEIGHT_TOTAL_NOT_100",
    "FUNDS_SUM_MISMATCH",
    "LEVEL1_WEIGHT_NONSTANDARD",
    "GRADE_MISMATCH",
    "MISSING_DEVIATION_REASON",
    "QUALITATIVE_TIER_MISMATCH",
    "LOW_CONFIDENCE",
]


class FormRef(BaseModel):
    file: str
    index: int


class Location(BaseModel):
    page: int | None = None
    box: Box | None = None
    line: int | None = None
    column: int | None = None
    location: str | None = None  # office files: Sheet1!F14


class Finding(BaseModel):
    code: FindingCode
    severity: Severity
    form: FormRef
    target: str  # the row's printed label: 三级指标 name, funds row label, or 总分
    field: str
    reported: float | str | None = None
    expected: float | str | None = None
    rule: str  # which rule of the rule set, e.g. "3" or "indicator.positive"
    message: str  # Chinese, arithmetic written out
    location: Location = Location()
    # set when a value this finding rests on was read with low confidence
    low_confidence: bool = False
    # set when a value this finding rests on was corrected by a person (review)
    corrected: bool = False
    indicator_id: str | None = None
    # a LOW_CONFIDENCE review item that would have been this finding on a reading that held
    # together, and why the reading is in doubt (列对齐可疑, 可能漏读一行, 数值识别置信度低 ...)
    suspected: FindingCode | None = None
    doubt: str | None = None
