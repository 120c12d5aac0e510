"""OCR engines: conversions tested on recorded raw output (no engine needed), then the real
engines on a small rendered table (slow).

Re-record the raw output under tests/data/ with ``JIXIAO_RECORD_OCR=1 pytest -m slow
tests/test_ocr_engines.py``; ``test_record_flag_is_off`` fails while the flag is set, so a
recording run is never mistaken for a passing one.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from pydantic import ValidationError

from jixiao.errors import OcrUnavailable
from jixiao.extract.ocr import (
    OcrBox,
    clear_engine_cache,
    convert_rapid,
    convert_tess_data,
    convert_tess_lines,
    engine_options,
    get_engine,
    line_mask,
)
from jixiao.extract.ocr.prep import erase_lines, text_height
from jixiao.extract.ocr.rapid import RapidLinesRaw, RapidRaw, convert_rapid_lines
from jixiao.extract.pixels import ink_box, tighten

DATA = Path(__file__).parent / "data"
RECORD = os.environ.get("JIXIAO_RECORD_OCR") == "1"
ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------- the small table

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
ROWS = [["部门整体支出绩效", "分值", "得分"], ["738.26", "2.5", "99.65"], ["≥5个", "100%", "10"]]
TEXTS = [t for row in ROWS for t in row]
NUMBERS = ["738.26", "2.5", "99.65", "100%"]
COLS_PT = [170.0, 90.0, 90.0]
ROW_PT, MARGIN_PT, SIZE_PT = 28.0, 20.0, 10.5

Bbox = tuple[int, int, int, int]
needs_font = pytest.mark.skipif(not FONT.exists(), reason="WenQuanYi Micro Hei is not installed")


def render_table(dpi: int) -> tuple[np.ndarray, dict[str, Bbox], list[Bbox]]:
    """A 3 × 3 ruled table drawn at ``dpi`` as a scan would be: the RGB image, each text's ink
    box and each cell's box, in pixels."""
    s = dpi / 72
    xs = [MARGIN_PT]
    for width in COLS_PT:
        xs.append(xs[-1] + width)
    ys = [MARGIN_PT + ROW_PT * i for i in range(len(ROWS) + 1)]
    img = Image.new(
        "RGB", (round((xs[-1] + MARGIN_PT) * s), round((ys[-1] + MARGIN_PT) * s)), "white"
    )
    draw = ImageDraw.Draw(img)
    rule = max(1, round(0.75 * s))
    for x in xs:
        draw.line([(x * s, ys[0] * s), (x * s, ys[-1] * s)], fill="black", width=rule)
    for y in ys:
        draw.line([(xs[0] * s, y * s), (xs[-1] * s, y * s)], fill="black", width=rule)
    font = ImageFont.truetype(str(FONT), round(SIZE_PT * s), index=0)
    inks: dict[str, Bbox] = {}
    cells: list[Bbox] = []
    for r, row in enumerate(ROWS):
        for c, text in enumerate(row):
            centre = ((xs[c] + xs[c + 1]) / 2 * s, (ys[r] + ys[r + 1]) / 2 * s)
            draw.text(centre, text, font=font, fill="black", anchor="mm")
            x0, y0, x1, y1 = draw.textbbox(centre, text, font=font, anchor="mm")
            inks[text] = (int(x0), int(y0), int(x1), int(y1))
            cells.append(
                (round(xs[c] * s), round(ys[r] * s), round(xs[c + 1] * s), round(ys[r + 1] * s))
            )
    return np.asarray(img), inks, cells


def tight_crop(image: np.ndarray, box: Bbox, margin: int = 2) -> np.ndarray:
    x0, y0, x1, y1 = box
    return image[y0 - margin : y1 + margin, x0 - margin : x1 + margin]


def cell_of(box: OcrBox, cells: list[Bbox]) -> int | None:
    cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    for k, (x0, y0, x1, y1) in enumerate(cells):
        if x0 <= cx <= x1 and y0 <= cy <= y1:
            return k
    return None


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _dumps(obj: Any, depth: int = 0) -> str:
    """JSON that diffs well: objects and lists of rows one entry a line, rows compact."""
    ind = " " * (depth + 1)
    if isinstance(obj, dict) and depth < 2:
        body = ",\n".join(f"{ind}{json.dumps(k)}: {_dumps(v, depth + 1)}" for k, v in obj.items())
        return "{\n" + body + "\n" + " " * depth + "}"
    if isinstance(obj, list) and depth < 2 and obj and isinstance(obj[0], list | dict):
        body = ",\n".join(ind + json.dumps(v, ensure_ascii=False) for v in obj)
        return "[\n" + body + "\n" + " " * depth + "]"
    return json.dumps(obj, ensure_ascii=False)


def record(name: str, raw: Any) -> None:
    if RECORD:
        DATA.mkdir(exist_ok=True)
        (DATA / name).write_text(_dumps(raw) + "\n", encoding="utf-8")


def test_record_flag_is_off() -> None:
    assert not RECORD, "JIXIAO_RECORD_OCR=1 rewrites tests/data: unset it once recorded"


# ---------------------------------------------------------------- conversions, no engine


@needs_font
def test_convert_rapid_recorded_page() -> None:
    boxes = convert_rapid(load("ocr_rapid_table_200.json"))
    _, _, cells = render_table(200)
    assert sorted(b.text for b in boxes) == sorted(TEXTS)
    for box in boxes:
        assert cell_of(box, cells) == TEXTS.index(box.text)
        assert box.polygon is not None
        assert box.x0 == min(p[0] for p in box.polygon) and box.y1 == max(p[1] for p in box.polygon)
        assert 0.0 <= box.confidence <= 1.0


def test_convert_rapid_drops_empty_text_and_clamps_scores() -> None:
    quad = [[10.0, 20.0], [60.0, 22.0], [59.0, 40.0], [9.0, 38.0]]
    raw = RapidRaw(boxes=[quad, quad], txts=["  ", "2. 5 "], scores=[0.9, 1.0000002])
    (box,) = convert_rapid(raw)
    assert (box.x0, box.y0, box.x1, box.y1, box.text) == (9.0, 20.0, 60.0, 40.0, "2. 5")
    assert box.confidence == 1.0


def test_convert_rapid_lines_cleans_numeric_lines_only() -> None:
    raw = RapidLinesRaw(txts=["738. 26", "部门 整体", ""], scores=[0.99, 0.98, 0.4])
    assert convert_rapid_lines(raw, "numeric") == [("738.26", 0.99), ("部门整体", 0.98), ("", 0.0)]
    assert convert_rapid_lines(raw, "text")[1] == ("部门 整体", 0.98)


@needs_font
def test_convert_tess_data_recorded_groups_characters_into_cell_lines() -> None:
    recorded = load("ocr_tess_table_200.json")
    boxes = convert_tess_data(recorded["data"], recorded["scale"])
    _, _, cells = render_table(200)
    by_text = {b.text: b for b in boxes}
    # chi_sim answers per character (部, 门, 整体, …): one box per cell line again
    assert "部门整体支出绩效" in by_text
    for text in ["分值", "得分", *NUMBERS, "10"]:
        assert cell_of(by_text[text], cells) == TEXTS.index(text)
    # no box runs across two cells although tesseract put a whole table row on one line
    assert all(cell_of(b, cells) is not None for b in boxes)


def test_convert_tess_data_scales_back_and_splits_at_wide_gaps() -> None:
    # one tesseract line: 分 值 (touching), a gap of three heights, then 2.5, all at scale 2
    raw = {
        "level": [4, 5, 5, 5],
        "page_num": [1] * 4,
        "block_num": [1] * 4,
        "par_num": [1] * 4,
        "line_num": [1] * 4,
        "word_num": [0, 1, 2, 3],
        "left": [0, 0, 40, 180],
        "top": [0, 0, 0, 2],
        "width": [240, 40, 40, 60],
        "height": [40, 40, 40, 36],
        "conf": [-1, 96, 90.5, 88],
        "text": ["", "分", "值", "2.5"],
    }
    line, number = convert_tess_data(raw, scale=2.0)
    assert (line.text, line.x0, line.x1, line.y1) == ("分值", 0.0, 40.0, 20.0)
    assert line.confidence == pytest.approx(0.905)
    assert (number.text, number.x0) == ("2.5", 90.0)
    assert [b.text for b in convert_tess_data(raw, 2.0, group="word")] == ["分", "值", "2.5"]


def test_convert_tess_lines_recorded() -> None:
    lines = convert_tess_lines(load("ocr_tess_numeric_lines_200.json"), "numeric")
    assert [t for t, _ in lines] == NUMBERS
    assert all(0.5 < c <= 1.0 for _, c in lines)


def test_box_to_piece_is_in_points() -> None:
    piece = OcrBox(100, 50, 300, 80, "得分", 0.9).to_piece(200 / 72)
    assert (piece.x0, piece.y0, piece.x1) == pytest.approx((36.0, 18.0, 108.0))
    assert (piece.text, piece.confidence) == ("得分", 0.9)


# ---------------------------------------------------------------- registry and errors


def test_unknown_engine_is_unavailable() -> None:
    with pytest.raises(OcrUnavailable, match="paddle"):
        get_engine("paddle")


def test_mistyped_option_fails_at_once() -> None:
    with pytest.raises(ValidationError):
        engine_options("rapidocr", {"max_side": 4000})
    with pytest.raises(ValidationError):
        engine_options("tesseract", {"page_psm": 14})


def test_missing_rapid_model_names_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(OcrUnavailable, match=r"rapidocr==3\.10\.0"):
        get_engine("rapidocr", {"model_dir": tmp_path})


def test_missing_tessdata_names_the_package(tmp_path: Path) -> None:
    (tmp_path / "eng.traineddata").write_bytes(b"")
    with pytest.raises(OcrUnavailable, match="apt-get install tesseract-ocr-chi-sim"):
        get_engine("tesseract", {"tessdata": tmp_path})


# ---------------------------------------------------------------- page preparation


@needs_font
@pytest.mark.parametrize("dpi", [200, 300])
def test_line_mask_erases_rules_and_keeps_characters(dpi: int) -> None:
    image, inks, _ = render_table(dpi)
    gray = image[:, :, 0]
    erased = erase_lines(image, line_mask(image))
    outside = np.ones(gray.shape, bool)
    for x0, y0, x1, y1 in inks.values():
        outside[y0 - 2 : y1 + 2, x0 - 2 : x1 + 2] = False  # anti-aliased edges past textbbox
        kept = (erased[y0:y1, x0:x1] < 128).sum() / max(1, (gray[y0:y1, x0:x1] < 128).sum())
        assert kept > 0.97
    assert (erased[outside] < 128).sum() == 0  # every rule pixel is gone


@needs_font
def test_text_height_follows_resolution() -> None:
    low, high = (text_height(render_table(dpi)[0][:, :, 0]) for dpi in (200, 300))
    assert 16 < low < 26 and 26 < high < 38


def test_tighten_cuts_to_ink_and_ignores_grazed_rules() -> None:
    crop = np.full((60, 120), 255, np.uint8)
    crop[:, :2] = 0  # a rule the crop grazed on its left edge
    crop[0, :] = 0  # and on its top edge
    crop[25:35, 50:70] = 20  # the text
    assert ink_box(crop) == (50, 25, 70, 35)
    assert tighten(crop).shape == (10, 20)
    blank = np.full((30, 30), 255, np.uint8)
    assert tighten(blank) is blank


# ---------------------------------------------------------------- real engines


def _texts(boxes: list[OcrBox]) -> list[str]:
    return [b.text for b in boxes]


@pytest.mark.slow
@needs_font
@pytest.mark.parametrize("dpi", [200, 300])
def test_rapidocr_reads_the_table(dpi: int) -> None:
    engine = get_engine("rapidocr")
    image, _, cells = render_table(dpi)
    raw = engine.page_raw(image)  # type: ignore[attr-defined]
    if dpi == 200:
        record("ocr_rapid_table_200.json", raw)
    boxes = convert_rapid(raw)
    assert sorted(_texts(boxes)) == sorted(TEXTS)  # ≥ included: PP-OCRv6 has it
    assert all(cell_of(b, cells) == TEXTS.index(b.text) for b in boxes)


@pytest.mark.slow
@needs_font
@pytest.mark.parametrize("dpi", [200, 300])
def test_tesseract_reads_the_table(dpi: int) -> None:
    engine = get_engine("tesseract")
    image, _, cells = render_table(dpi)
    data, scale = engine.page_raw(image)  # type: ignore[attr-defined]
    if dpi == 200:
        record("ocr_tess_table_200.json", {"scale": scale, "data": data})
    boxes = convert_tess_data(data, scale)
    texts = {b.text.replace(" ", "") for b in boxes}
    # ≥5个 comes back as >5个: chi_sim has no ≥ (a known limit, see tess.py)
    assert {"部门整体支出绩效", "分值", "得分", *NUMBERS, "10"} <= texts
    assert all(cell_of(b, cells) is not None for b in boxes)


@pytest.mark.slow
@needs_font
@pytest.mark.parametrize("dpi", [200, 300])
@pytest.mark.parametrize("name", ["rapidocr", "tesseract"])
def test_numeric_second_pass_reads_numbers_exactly(name: str, dpi: int) -> None:
    engine = get_engine(name)
    image, inks, cells = render_table(dpi)
    tight = [tight_crop(image, inks[t]) for t in NUMBERS]
    assert [t for t, _ in engine.read_lines(tight, "numeric")] == NUMBERS
    # whole cells (rules grazed at the edges) read the same: crops are cut to their ink
    whole = [tight_crop(image, cells[TEXTS.index(t)], margin=-1) for t in NUMBERS]
    assert [t for t, _ in engine.read_lines(whole, "numeric")] == NUMBERS
    if name == "tesseract" and dpi == 200:
        record("ocr_tess_numeric_lines_200.json", engine.lines_raw(tight, "numeric"))  # type: ignore[attr-defined]


@pytest.mark.slow
@needs_font
@pytest.mark.parametrize("name", ["rapidocr", "tesseract"])
def test_text_second_pass_reads_chinese(name: str) -> None:
    image, inks, _ = render_table(200)
    words = ["部门整体支出绩效", "分值", "得分"]
    lines = get_engine(name).read_lines([tight_crop(image, inks[w]) for w in words], "text")
    assert [t for t, _ in lines] == words


@pytest.mark.slow
def test_engines_load_once_per_process() -> None:
    for name in ("rapidocr", "tesseract"):
        first = get_engine(name)
        start = time.perf_counter()
        assert get_engine(name, {}) is first
        assert get_engine(name, engine_options(name)) is first
        assert time.perf_counter() - start < 0.05


@pytest.mark.slow
@needs_font
def test_rapidocr_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process guard: any socket connection or rapidocr download attempt fails the test."""
    from rapidocr.utils.download_file import DownloadFile

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network use: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(DownloadFile, "run", classmethod(refuse))
    clear_engine_cache()
    engine = get_engine("rapidocr")
    image, _, _ = render_table(200)
    assert sorted(_texts(engine.read_page(image))) == sorted(TEXTS)
    assert engine.read_lines([image[:40, :80]], "numeric")  # rec-only path too


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    return (
        subprocess.run(["unshare", "-rn", "true"], check=False, capture_output=True).returncode == 0
    )


OFFLINE_SCRIPT = """
import json, sys, numpy as np
from jixiao.extract.ocr import get_engine
image = np.load(sys.argv[1])
engine = get_engine("rapidocr")
print(json.dumps([b.text for b in engine.read_page(image)], ensure_ascii=False))
"""


@pytest.mark.slow
@needs_font
@pytest.mark.skipif(not _unshare_works(), reason="unshare -rn is not available here")
def test_rapidocr_runs_without_a_network_namespace(tmp_path: Path) -> None:
    """The real thing: a fresh process in a namespace with no network device at all."""
    image, _, _ = render_table(200)
    np.save(tmp_path / "table.npy", image)
    result = subprocess.run(
        ["unshare", "-rn", sys.executable, "-c", OFFLINE_SCRIPT, str(tmp_path / "table.npy")],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(json.loads(result.stdout)) == sorted(TEXTS)


def test_missing_onnxruntime_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import now raises ImportError
    with pytest.raises(OcrUnavailable, match="pip install rapidocr==3.10.0 onnxruntime"):
        get_engine("rapidocr", {"text_score": 0.42})  # options no other test caches


def test_missing_tesserocr_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from jixiao.extract.ocr.tess import TesseractEngine, TesseractOptions

    if shutil.which("tesseract") is None:
        pytest.skip("the tesseract program is not installed")
    monkeypatch.setitem(sys.modules, "tesserocr", None)
    engine = TesseractEngine(TesseractOptions())  # not cached: a fresh API dictionary
    with pytest.raises(OcrUnavailable, match="pip install tesserocr"):
        engine.read_lines([np.full((20, 40), 255, np.uint8)], "numeric")


@pytest.mark.slow
def test_readability_check_tells_upright_from_turned(text_pdfs: dict[str, Path]) -> None:
    """The OCR check orient asks on a close call scores an upright page well above it turned."""
    from jixiao.extract.raster import render_pdf_page
    from jixiao.extract.scan.readable import readability_check

    engine = get_engine("rapidocr")
    grey = render_pdf_page(text_pdfs["gen-02-sichuan_project"], 1, 200).mean(axis=2).astype(np.uint8)
    check = readability_check(lambda crops: engine.read_lines(crops, "text"), 200)
    scores = check(grey, (0, 90, 180, 270))
    assert scores[0] > 0.8
    assert max(scores[90], scores[180], scores[270]) < scores[0] - 0.3
    # turned, the page reads best turned back
    assert max(check(np.ascontiguousarray(grey[::-1, ::-1]), (0, 180)).items(), key=lambda kv: kv[1])[0] == 180
    assert max(check(np.ascontiguousarray(np.rot90(grey)), (0, 90, 270)).items(), key=lambda kv: kv[1])[0] == 90
