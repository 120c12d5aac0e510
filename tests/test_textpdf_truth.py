"""Text PDFs against truth, field by field: every number exact, text CER <= 0.5%, findings as planted."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.compare import Score, compare_findings, compare_record
from fixtures.truth_model import TruthDoc
from jixiao.extract import read_document
from jixiao.normalize import normalize
from jixiao.score import audit


def _records(path: Path):  # type: ignore[no-untyped-def]
    return normalize(read_document(path))


@pytest.mark.slow  # every text PDF against its truth
def test_forms_found_in_every_document(truth_docs: list[TruthDoc], text_pdfs: dict[str, Path]) -> None:
    found = {d.name: len(_records(text_pdfs[d.name])) for d in truth_docs}
    assert found == {d.name: len(d.forms) for d in truth_docs}


@pytest.mark.slow  # every text PDF against its truth
def test_fields_match_truth(truth_docs: list[TruthDoc], text_pdfs: dict[str, Path]) -> None:
    total = Score()
    for doc in truth_docs:
        for truth, rec in zip(doc.forms, _records(text_pdfs[doc.name])):
            total.add(compare_record(truth, rec))
    assert total.numeric_total > 1000
    assert total.numeric_rate == 1.0, total.misses[:20]
    assert total.exact_rate == 1.0, total.misses[:20]
    assert total.cer <= 0.005, total.misses[:20]


@pytest.mark.slow  # every text PDF against its truth
def test_findings_match_planted(truth_docs: list[TruthDoc], text_pdfs: dict[str, Path]) -> None:
    problems = []
    for doc in truth_docs:
        for truth, rec in zip(doc.forms, _records(text_pdfs[doc.name])):
            fs = compare_findings(truth, audit(rec).findings)
            if fs.missing or fs.unexpected:
                problems.append((doc.name, rec.source.index, fs.missing, fs.unexpected))
    assert problems == []


def test_qiannan_record_provenance(text_pdfs: dict[str, Path]) -> None:
    rec = _records(text_pdfs["qiannan-2024-dept"])[0]
    assert rec.source.pages == [1, 2] and len(rec.source.sha256) == 64
    sub = next(i for i in rec.indicators if i.name == "项目支出小计")
    assert [rec.indicator(c).name for c in sub.children] == ["1.运转类其他项目支出(专项业务费)", "2.特定目标类-事业发展支出"]
    last = rec.indicators[-1].prov["score"]
    assert last.page == 2 and last.box is not None and last.raw == "3" and last.confidence == 1.0
