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
from fixtures.photo import build_photos, photo_documents
from fixtures.truth_model import TruthDoc
from jixiao.extract.photo.exif import ImageTags
from jixiao.extract.photo.flatten import PhotoOptions, flatten_photo, is_photo
from jixiao.extract.raster import tagged_frames

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "out"
# tilt 20-26 degrees, a hand's shadow, Orientation 6: one of each, read in the test
TESTED = ["gen-03-yunnan_dept", "gen-05-national_project", "gen-15-yunnan_dept"]


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
