"""Scans against truth, field by field, through the whole pipeline (structure, OCR, second pass):
the same record and findings as the text PDF of the same form.

Bars from the issue: degraded scans numeric >= 99% exact, text CER <= 2%, findings precision and
recall >= 95%; clean scans numeric >= 99.5%. Findings resting on a doubtful reading are info
(they ask for a look), so they count neither way here.
"""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from fixtures.compare import FindingScore, Score, compare_findings, compare_record
from fixtures.truth_model import TruthDoc, all_truth

pytestmark = pytest.mark.slow
OUT = Path(__file__).resolve().parent.parent / "fixtures" / "out"


def _read(args: tuple[str, str]) -> tuple[str, list[dict[str, object]]]:
    from jixiao.pipeline import process_file
    from jixiao.score.rules import load_rules

    name, path = args
    outcome = process_file(Path(path), load_rules())
    if outcome.error is not None:
        return name, [{"error": outcome.error.reason}]
    return name, [{"record": r.record.model_dump(mode="json"), "findings": [f.model_dump(mode="json") for f in r.findings]}
                  for r in outcome.results]


def _run(paths: dict[str, Path]) -> dict[str, list[dict[str, object]]]:
    with ProcessPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(_read, sorted((n, str(p)) for n, p in paths.items())))


def _totals(docs: list[TruthDoc], results: dict[str, list[dict[str, object]]]) -> tuple[Score, FindingScore, list[str]]:
    from jixiao.findings import Finding
    from jixiao.record import FormRecord

    score, tp, found, expected, problems = Score(), 0, 0, 0, []
    for doc in docs:
        if doc.name not in results:
            continue
        got = results[doc.name]
        if len(got) != len(doc.forms) or "error" in got[0]:
            problems.append(f"{doc.name}: {len(got)} forms, want {len(doc.forms)} {got[0].get('error', '')}")
            continue
        for truth, item in zip(doc.forms, got):
            score.add(compare_record(truth, FormRecord.model_validate(item["record"])))
            fs = compare_findings(truth, [Finding.model_validate(f) for f in item["findings"]])  # type: ignore[union-attr]
            tp, found, expected = tp + fs.true_positive, found + fs.found, expected + fs.expected
            problems += [f"{doc.name}: missing {fs.missing}, unexpected {fs.unexpected}"] if fs.missing or fs.unexpected else []
    return score, FindingScore(expected, found, tp, [], []), problems


@pytest.fixture(scope="module")
def docs() -> list[TruthDoc]:
    # the template-family scans are read by test_families (three) and make bench (all)
    return [d for d in all_truth() if d.scans and not d.family]


def test_degraded_scans(docs: list[TruthDoc]) -> None:
    paths = {d.name: OUT / "scan-degraded" / f"{d.name}.pdf" for d in docs}
    score, fs, problems = _totals(docs, _run(paths))
    assert score.numeric_total > 1400 and not [p for p in problems if "forms" in p], problems
    assert score.numeric_rate >= 0.99, score.misses[:15]
    assert score.cer <= 0.02, score.misses[:15]
    assert fs.precision >= 0.95 and fs.recall >= 0.95, problems


def test_clean_scans(docs: list[TruthDoc]) -> None:
    paths = {d.name: OUT / "scan-clean" / f"{d.name}.pdf" for d in docs}
    score, fs, problems = _totals(docs, _run(paths))
    assert score.numeric_rate >= 0.995, score.misses[:15]
    assert score.cer <= 0.01, score.misses[:15]
    assert fs.precision >= 0.95 and fs.recall >= 0.95, problems


def test_image_files(docs: list[TruthDoc]) -> None:
    """Page images: single-page forms as PNG/JPEG/TIFF, and multi-page TIFFs (rotated pages too)."""
    manifest = json.loads((OUT / "scans.json").read_text(encoding="utf-8"))["documents"]
    paths: dict[str, Path] = {}
    names = {d.name for d in docs}
    for name, entry in manifest.items():
        if name not in names:
            continue
        pages = entry["degraded"]["pages"]
        tiff = entry["degraded"].get("multipage_tiff")
        if tiff:
            paths[name] = OUT / tiff
        elif len(pages) == 1:
            paths[name] = OUT / pages[0]["image"]
    assert len(paths) >= 8 and {p.suffix for p in paths.values()} >= {".png", ".jpg", ".tif"}
    score, fs, problems = _totals(docs, _run(paths))
    assert score.numeric_rate >= 0.99, score.misses[:15]
    # about 17 planted findings here, so one finding moves precision by six points: the bar of
    # the issue is held on the degraded-scan set above; this set must not fall far below it
    assert fs.precision >= 0.9 and fs.recall >= 0.9, problems


def test_page_images_filed_one_per_file(docs: list[TruthDoc]) -> None:
    """A multi-page form kept as one image per page (-p1.png, -p2.jpg) is one document: grouped
    by name, read in page order, a form continued over its pages."""
    from jixiao.extract.pageset import group_pages

    manifest = json.loads((OUT / "scans.json").read_text(encoding="utf-8"))["documents"]
    paths: dict[str, Path] = {}
    names = {d.name for d in docs}
    for name, entry in manifest.items():
        if name not in names:
            continue
        pages = [OUT / p["image"] for p in entry["degraded"]["pages"] if p.get("image")]
        if len(pages) >= 2 and not entry["degraded"].get("multipage_tiff"):
            grouped = group_pages(list(reversed(pages)))  # order on the disk or command line is no guide
            assert len(grouped) == 1, grouped
            paths[name] = grouped[0]
        if len(paths) == 4:
            break
    assert len(paths) == 4
    score, fs, problems = _totals(docs, _run(paths))
    assert not [p for p in problems if "forms" in p], problems
    assert score.numeric_rate >= 0.99, score.misses[:15]
    assert fs.recall >= 0.9, problems
