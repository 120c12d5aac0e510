"""Forms printed by Chromium, a PDF producer jixiao was not written against, against truth.

Chromium chooses its own column widths, wrapping, fonts and page breaks: rows and row-spanning
labels are cut across pages, borders are drawn separately or collapsed, and its fonts name some
characters by radical code points. The record and findings must still equal the truth.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.browser_print import STYLES, build_browser_pdf, style_for
from fixtures.compare import Score, compare_findings, compare_record
from fixtures.truth_model import TruthDoc
from jixiao.extract import read_document
from jixiao.normalize import normalize
from jixiao.score import audit

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "out"


@pytest.fixture(scope="module")
def browser_pdfs(truth_docs: list[TruthDoc], transcripts: dict[str, dict[str, Path]]) -> dict[str, Path]:
    return {doc.name: build_browser_pdf(doc, OUT) for doc in truth_docs}


def _check(doc: TruthDoc, pdf: Path, total: Score, problems: list[object]) -> None:
    records = normalize(read_document(pdf))
    if len(records) != len(doc.forms):
        problems.append((doc.name, "forms", len(records), len(doc.forms)))
    for truth, rec in zip(doc.forms, records):
        total.add(compare_record(truth, rec))
        fs = compare_findings(truth, audit(rec).findings)
        if fs.missing or fs.unexpected:
            problems.append((doc.name, rec.source.index, fs.missing, fs.unexpected))


def test_every_style_is_used() -> None:
    assert set(STYLES) == {style_for(f"gen-{i:02d}") for i in range(40)}


@pytest.mark.slow  # browser-printed PDFs, whole-file truth comparison
def test_browser_printed_forms_match_truth(truth_docs: list[TruthDoc], browser_pdfs: dict[str, Path]) -> None:
    total, problems = Score(), []
    for doc in truth_docs:
        _check(doc, browser_pdfs[doc.name], total, problems)
    assert total.numeric_total > 1000
    assert total.numeric_rate == 1.0, total.misses[:20]
    assert total.exact_rate == 1.0, total.misses[:20]
    assert total.cer <= 0.005, total.misses[:20]
    assert problems == []


@pytest.mark.parametrize("style", sorted(STYLES))
@pytest.mark.slow  # browser-printed PDFs, whole-file truth comparison
def test_two_page_bundle_in_each_style(style: str, truth_docs: list[TruthDoc], tmp_path: Path,
                                       transcripts: dict[str, dict[str, Path]]) -> None:
    """Each page style on the forms whose tables run over page breaks (a bundle, the Qiannan form)."""
    (tmp_path / "transcripts").symlink_to(OUT / "transcripts")
    total, problems = Score(), []
    for doc in truth_docs:
        if doc.name in ("qiannan-2024-dept", "gen-20-guizhou_dept-bundle"):
            _check(doc, build_browser_pdf(doc, tmp_path, style), total, problems)
    assert total.numeric_rate == 1.0, total.misses[:20]
    assert total.cer <= 0.005, total.misses[:20]
    assert problems == []
