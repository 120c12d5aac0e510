"""The whole scan path on a degraded scan of the Qiannan form with the OCR engines' answers
recorded (``tests/data/scan_replay_qiannan.json``): every stage runs for real (preparation,
structure, line finding, marks, assign, the second read) and so do normalize and the rules, but
no model loads, so that this runs in the quick edit loop.

``JIXIAO_RECORD_OCR=1`` records the answers again from the real engines, after a change to how
crops are cut or which reads are asked for; a replay that is asked for something else than was
recorded fails and says so.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from fixtures.compare import compare_findings, compare_record
from fixtures.degrade import encode_jpeg
from fixtures.imagepdf import jpeg_page, write_image_pdf
from fixtures.scan import render_gray
from fixtures.truth_model import TruthDoc
from jixiao.extract import scanned
from jixiao.extract.ocr import LineKind, OcrBox, get_engine
from jixiao.extract.pixels import Image
from jixiao.extract.scan.state import collect_timings
from jixiao.pipeline import FileOutcome, process_file
from jixiao.score.rules import load_rules

DATA = Path(__file__).parent / "data" / "scan_replay_qiannan.json"
RECORD = os.environ.get("JIXIAO_RECORD_OCR") == "1"
DPI = 200


class Recording:
    """The real engine, its answers written down in the order they were asked for."""

    def __init__(self, engine: Any, calls: list[dict[str, Any]]) -> None:
        self.engine, self.calls, self.name = engine, calls, engine.name

    def read_lines(self, crops: Sequence[Image], kind: LineKind, trim: bool | None = None) -> list[tuple[str, float]]:
        answers = self.engine.read_lines(crops, kind, trim)
        self.calls.append({"call": "read_lines", "kind": kind, "trim": trim, "crops": len(crops),
                           "answers": [[t, round(c, 5)] for t, c in answers]})
        return answers  # type: ignore[no-any-return]

    def read_page(self, image: Image, line_mask: Image | None = None) -> list[OcrBox]:
        boxes = self.engine.read_page(image, line_mask)
        self.calls.append({"call": "read_page", "boxes": [[b.x0, b.y0, b.x1, b.y1, b.text, b.confidence] for b in boxes]})
        return boxes  # type: ignore[no-any-return]


class Replay:
    """Answers from a recording, in order; anything else than what was recorded fails."""

    name = "replay"

    def __init__(self, calls: list[dict[str, Any]]) -> None:
        self.calls = iter(calls)

    def _next(self, call: str) -> dict[str, Any]:
        got = next(self.calls, None)
        if got is None or got["call"] != call:
            raise AssertionError(f"the scan path asked for {call} where the recording has {got and got['call']}: "
                                 "re-record with JIXIAO_RECORD_OCR=1")
        return got

    def read_lines(self, crops: Sequence[Image], kind: LineKind, trim: bool | None = None) -> list[tuple[str, float]]:
        got = self._next("read_lines")
        assert (got["kind"], got["trim"], got["crops"]) == (kind, trim, len(crops)), (
            f"asked {len(crops)} {kind} crops, recorded {got['crops']} {got['kind']}: re-record with JIXIAO_RECORD_OCR=1")
        return [(t, c) for t, c in got["answers"]]

    def read_page(self, image: Image, line_mask: Image | None = None) -> list[OcrBox]:
        return [OcrBox(*b) for b in self._next("read_page")["boxes"]]


@pytest.fixture(scope="module")
def scan_pdf(text_pdfs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Qiannan form scanned at 200 dpi, turned 1.2 degrees, grain σ 8, JPEG quality 70."""
    rng = np.random.default_rng(14)
    pages = []
    for grey in render_gray(text_pdfs["qiannan-2024-dept"], DPI):
        h, w = grey.shape
        m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), 1.2, 1.0)
        turned = cv2.warpAffine(grey, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
        noisy = np.clip(turned.astype(np.float32) - 12 + rng.normal(0, 8, turned.shape), 0, 255).astype(np.uint8)
        pages.append(jpeg_page(encode_jpeg(noisy, 70, DPI), w, h, True, DPI))
    return write_image_pdf(pages, tmp_path_factory.mktemp("replay") / "qiannan-scan.pdf")


@pytest.fixture(scope="module")
def replayed(scan_pdf: Path) -> Iterator[tuple[FileOutcome, Any]]:
    """The scan read through the whole pipeline, the engines replayed (or recorded)."""
    patch = pytest.MonkeyPatch()
    if RECORD:
        calls: dict[str, list[dict[str, Any]]] = {"page": [], "tie": []}
        page = Recording(get_engine("rapidocr", {"intra_op_threads": 1}), calls["page"])
        tie = Recording(get_engine("tesseract"), calls["tie"])
    else:
        if not DATA.exists():
            pytest.fail(f"{DATA.name} is missing: record it with JIXIAO_RECORD_OCR=1")
        calls = json.loads(DATA.read_text(encoding="utf-8"))
        page, tie = Replay(calls["page"]), Replay(calls["tie"])  # type: ignore[assignment]
    patch.setattr(scanned, "page_engine", lambda options: page)
    patch.setattr(scanned, "tie_breaker", lambda options: tie)
    with collect_timings() as timings:
        outcome = process_file(scan_pdf, load_rules())
    patch.undo()
    if RECORD:
        DATA.write_text(json.dumps(calls, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    yield outcome, timings


def test_replayed_scan_reads_the_form(replayed: tuple[FileOutcome, Any], truth_docs: list[TruthDoc]) -> None:
    outcome, _ = replayed
    assert outcome.error is None, outcome.error
    (truth,) = next(d for d in truth_docs if d.name == "qiannan-2024-dept").forms
    (result,) = outcome.results
    score = compare_record(truth, result.record)
    assert score.numeric_total > 60 and score.numeric_rate == 1.0, score.misses
    assert score.cer <= 0.005, score.misses
    findings = compare_findings(truth, result.findings)
    assert findings.missing == [] and findings.unexpected == []


def test_replayed_scan_ran_every_stage_once_a_page(replayed: tuple[FileOutcome, Any]) -> None:
    _, timings = replayed
    assert timings.pages == 2
    assert {k: v.calls for k, v in timings.stages.items()} == {k: 2 for k in (
        "light and seals", "binarize", "quarter turn", "deskew", "upside down", "seal rings", "rulings",
        "tables", "dashes", "read cells", "marks", "assign", "second read", "table closure", "page")}
    # cells are read from their own lines: the detector ran on no page and at most a few regions
    assert timings.counts.get("cells read: lines", 0) > 150
    assert timings.counts.get("cells read: detected", 0) <= 3
    # the notes under the table (注：1. … 4. …, eight lines on the Qiannan form) are read by their
    # heads, and nothing the record needs was among them (the test above)
    assert timings.counts.get("notes lines read by their head", 0) >= 5


def test_replayed_notes_keep_their_heads(replayed: tuple[FileOutcome, Any]) -> None:
    outcome, _ = replayed
    assert outcome.document is not None
    lines = [line.text for page in outcome.document.pages for line in page.lines]
    notes = [t for t in lines if t.endswith("…")]
    assert notes and all(len(t) <= 12 for t in notes), notes
    assert any(t.startswith("注") for t in lines), lines


def test_record_flag_is_off() -> None:
    assert not RECORD, "JIXIAO_RECORD_OCR=1 rewrites tests/data: unset it once recorded"
