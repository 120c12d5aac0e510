"""The rules engine on the truth records themselves: exactly the planted findings, no others."""

from __future__ import annotations

from collections import Counter

from fixtures.compare import compare_findings
from fixtures.truth_model import TruthDoc
from jixiao.score import audit

# findings about how a value was printed, which a truth record (values without their printed
# text) cannot show: they are checked on the rendered fixtures
PRINTED_ONLY = {"RATE_PRINTED_AS_FRACTION"}


def test_every_truth_form_gives_its_planted_findings(truth_docs: list[TruthDoc]) -> None:
    failures = []
    for doc in truth_docs:
        for k, form in enumerate(doc.forms):
            form = form.model_copy(update={"planted": [p for p in form.planted if p.code not in PRINTED_ONLY]})
            fs = compare_findings(form, audit(form.form_record(doc.name, k)).findings)
            if fs.missing or fs.unexpected:
                failures.append((doc.name, k, fs.missing, fs.unexpected))
    assert failures == []


def test_plants_cover_every_error_and_warning_code(truth_docs: list[TruthDoc]) -> None:
    planted = Counter(p.code for d in truth_docs for f in d.forms for p in f.planted)
    every = {"SCORE_EXCEEDS_WEIGHT", "SCORE_RULE_MISMATCH", "EXECUTION_RATE_MISMATCH", "SUBTOTAL_MISMATCH",
             "TOTAL_MISMATCH", "WEIGHT_TOTAL_NOT_100", "FUNDS_SUM_MISMATCH", "LEVEL1_WEIGHT_NONSTANDARD",
             "GRADE_MISMATCH", "MISSING_DEVIATION_REASON", "QUALITATIVE_TIER_MISMATCH",
             # issue 16
             "SCORE_MISSING", "FORM_UNFILLED", "IMPLIED_WEIGHT_EXCEEDED", "LEVEL1_WEIGHT_DOUBLE_COUNTED",
             "RATE_PRINTED_AS_FRACTION"}
    assert every <= set(planted)
    assert sum(len(d.forms) for d in truth_docs) >= 21


def test_qiannan_subtotal_arithmetic_is_written_out(truth_docs: list[TruthDoc]) -> None:
    doc = next(d for d in truth_docs if d.name == "qiannan-2024-dept")
    result = audit(doc.forms[0].form_record(doc.name))
    sub = next(f for f in result.findings if f.code == "SUBTOTAL_MISMATCH")
    assert (sub.reported, sub.expected) == (4.65, 3.8)
    assert "1.4 + " in sub.message and "= 3.8" in sub.message and "4.65" in sub.message
    assert result.recomputed_total == 99.65 and result.recomputed_grade == "优"
