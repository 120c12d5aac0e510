"""Phone photos of paper forms (issue 13): EXIF first, the page found and flattened, its
resolution measured from the page, boxes mapped back into the photo; field by field against
the truth on a handful of photos (the rest are in ``make bench``)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from fixtures.compare import Score, compare_findings, compare_record
from fixtures.photo import RENDER_DPI, build_photos, photo_documents, truth_in_photo
from fixtures.scan import render_gray
from fixtures.truth_model import TruthDoc
from jixiao.extract.lattice import Table
from jixiao.extract.photo.dewarp import DewarpOptions
from jixiao.extract.photo.exif import ImageTags
from jixiao.extract.photo.flatten import PhotoOptions, flatten_photo, is_photo
from jixiao.extract.photo.stages import PhotoState, photo_stages
from jixiao.extract.raster import tagged_frames
from jixiao.extract.scan.state import ScanState, collect_timings, run_stages
from jixiao.extract.scan.structure import ScanOptions, page_tables, structure_stages
from jixiao.grid import Box

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "out"
# tilt 20-26 degrees, a hand's shadow, Orientation 6: one of each, read in the test
TESTED = ["gen-03-yunnan_dept", "gen-05-national_project", "gen-15-yunnan_dept"]
# a page bent 2% of its height and a k1 0.12 lens: cells open unless the rulings are straightened
BENT = "gen-07-yunnan_dept"


@pytest.fixture(scope="module")
def photos(text_pdfs: dict[str, Path]) -> dict[str, dict[str, object]]:
    manifest = build_photos(OUT, set(TESTED))
    return {k: v for k, v in manifest.items() if v["plan"]["doc"] in TESTED}  # type: ignore[index]


def test_exif_orientation_is_applied_where_images_load(tmp_path: Path) -> None:
    img = Image.new("RGB", (300, 200), "white")  # a form page's size: smaller is refused
    img.paste((0, 0, 0), (0, 0, 10, 10))  # a mark at the stored top-left
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "turned.jpg"
    img.save(path, "JPEG", exif=exif.tobytes(), dpi=(72, 72))
    rgb, dpi, tags = tagged_frames(path)[0]
    assert rgb.shape[:2] == (300, 200) and tags.orientation == 6 and dpi == 72
    assert rgb[:10, -10:].mean() < 80  # Orientation 6 turns it clockwise: the mark is top-right


@pytest.mark.parametrize(("tags", "photo"), [
    (ImageTags(1, "", 300.0), False),  # a scanner's tag: read as scans are
    (ImageTags(1, "", 72.0), True),
    (ImageTags(1, "", 96.0), True),
    (ImageTags(1, "", None), True),
    (ImageTags(1, "HUAWEI P40", 300.0), True),  # a camera's, whatever its tag says
])
def test_which_images_are_photos(tags: ImageTags, photo: bool) -> None:
    assert is_photo(tags, PhotoOptions()) is photo


def test_a_scan_is_not_flattened() -> None:
    assert flatten_photo(np.full((100, 80, 3), 255, np.uint8), ImageTags(1, "", 300.0)) is None


def _truth_corners(entry: dict[str, object]) -> np.ndarray:
    from fixtures.photo import RENDER_DPI

    m = np.asarray(entry["homography"], np.float64)
    w, h = 595 / 72 * RENDER_DPI, 842 / 72 * RENDER_DPI
    return cv2.perspectiveTransform(np.array([[[0, 0], [w, 0], [w, h], [0, h]]], np.float64), m)[0]


@pytest.mark.slow  # renders and flattens photos
def test_the_sheet_is_found_and_its_scale_measured(photos: dict[str, dict[str, object]]) -> None:
    """The fitted corners are the page's own (to 1% of the page's diagonal in the photo), and the
    resolution comes from the outline, not the 72 dpi tag."""
    for name, entry in photos.items():
        rgb, _, tags = tagged_frames(OUT / str(entry["image"]))[0]
        flat = flatten_photo(rgb, tags)
        assert flat is not None and flat.info.sheet_found and flat.info.scale_from == "page_outline", name
        truth = _truth_corners(entry)
        diagonal = float(np.hypot(*(truth[2] - truth[0])))
        error = np.hypot(*(np.asarray(flat.info.corners) - truth).T)
        assert error.max() < 0.01 * diagonal, (name, error)
        assert 200 <= flat.info.px_per_inch <= 320 and flat.dpi == pytest.approx(min(flat.info.px_per_inch, 300), abs=0.2)
        assert flat.image.shape[0] > flat.image.shape[1]  # upright A4, portrait


def _boxes(node: object):  # type: ignore[no-untyped-def]
    """Every provenance box in a dumped record."""
    if isinstance(node, dict):
        box = node.get("box")
        if isinstance(box, dict):
            yield box["x0"], box["y0"], box["x1"], box["y1"]
        for value in node.values():
            yield from _boxes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _boxes(value)


@pytest.mark.slow
def test_photos_field_by_field(photos: dict[str, dict[str, object]], truth_docs: list[TruthDoc]) -> None:
    from jixiao.pipeline import process_file
    from jixiao.score.rules import load_rules

    docs = {d.name: d for d in truth_docs}
    score, tp, found, expected, problems = Score(), 0, 0, 0, []
    for doc, path in photo_documents(photos, OUT).items():
        outcome = process_file(path, load_rules())
        assert outcome.error is None and len(outcome.results) == len(docs[doc].forms), (doc, outcome.error)
        entry = next(e for e in photos.values() if e["plan"]["doc"] == doc)  # type: ignore[index]
        quad = _truth_corners(entry).astype(np.float32)
        for truth, result in zip(docs[doc].forms, outcome.results):
            score.add(compare_record(truth, result.record))
            fs = compare_findings(truth, result.findings)
            tp, found, expected = tp + fs.true_positive, found + fs.found, expected + fs.expected
            problems += [f"{doc}: missing {fs.missing}, unexpected {fs.unexpected}"] if fs.missing or fs.unexpected else []
            assert any("为照片" in n and "纸张轮廓" in n for n in result.record.notes), result.record.notes
            # provenance is in the photo's pixels (72 dpi tag: one pixel a point), on the page
            boxes = list(_boxes(result.record.model_dump(mode="json")))
            assert len(boxes) > 20
            for x0, y0, x1, y1 in boxes:
                assert cv2.pointPolygonTest(quad, ((x0 + x1) / 2, (y0 + y1) / 2), True) > -5, (doc, x0, y0)
    assert score.numeric_rate >= 0.99, score.misses[:15]
    assert score.cer <= 0.02, score.misses[:15]
    assert found and tp / found >= 0.95 and tp / max(expected, 1) >= 0.95, problems


@pytest.fixture(scope="module")
def bent(text_pdfs: dict[str, Path]) -> dict[str, dict[str, object]]:
    manifest = build_photos(OUT, {BENT})
    return {k: v for k, v in manifest.items() if v["plan"]["doc"] == BENT}  # type: ignore[index]


def _main(tables: list[Table]) -> Table:
    return max(tables, key=lambda t: (t.box.x1 - t.box.x0) * (t.box.y1 - t.box.y0))


def test_bent_and_lens_photos_are_straightened_so_cells_close(bent: dict[str, dict[str, object]],
                                                              text_pdfs: dict[str, Path]) -> None:
    """The photo stages straighten the rulings so that the table has the cells of the clean scan
    of the same page (without straightening: no table on the bent page, 20 of 74 cells on the
    lens one), the stages are timed, and the table's corners map back onto the photo where the
    producer put them (to 0.1% of the photo's height; the bend alone moves them 10 px and more). No OCR: structure only."""
    for name, entry in bent.items():
        page = int(entry["plan"]["page"])  # type: ignore[index]
        clean = list(render_gray(text_pdfs[BENT], RENDER_DPI))[page - 1]
        ref = page_tables(clean, RENDER_DPI)
        want = _main(need_tables(ref))
        rgb, dpi, tags = tagged_frames(OUT / str(entry["image"]))[0]
        state = ScanState(image=rgb, dpi=dpi, photo=PhotoState(tags=tags, image_dpi=dpi))
        with collect_timings() as timings:
            state = run_stages([*photo_stages(PhotoOptions()), *structure_stages(ScanOptions())], state)
        assert {"photo: page finding", "photo: perspective", "photo: dewarp"} <= set(timings.stages)
        flat = state.photo.flat
        assert flat.info.dewarped and flat.info.bow_pt >= DewarpOptions().min_bow_pt, name
        got = _main(need_tables(state))
        assert (len(got.row_edges), len(got.col_edges), len(got.cells)) == (
            len(want.row_edges), len(want.col_edges), len(want.cells)), name
        # provenance: the table's corners, straight page -> flat page -> photo
        truth = truth_in_photo(corners(ref.transform.box_to_original(want.box, ref.scale)), entry, clean.shape[::-1])
        straight = corners(state.transform.box_to_original(got.box, state.scale))
        mapped = cv2.perspectiveTransform(flat.dewarp.to_flat(straight)[None], np.linalg.inv(flat.homography))[0]
        error = np.hypot(*(mapped - truth).T)
        assert error.max() < 0.001 * rgb.shape[0], (name, error)  # 4 px: measured 0.3-1.7


def corners(b: Box) -> np.ndarray:
    return np.array([[b.x0, b.y0], [b.x1, b.y0], [b.x1, b.y1], [b.x0, b.y1]], np.float64)


def need_tables(state: ScanState) -> list[Table]:
    assert state.lattice is not None and state.lattice.tables
    return state.lattice.tables
