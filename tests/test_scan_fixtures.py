"""Scanned fixtures: image-only PDFs and image files whose degradation is what scans.json says.

The skew is measured back from the table's horizontal rules, the seal is looked for by colour
in the pixels, the dpi is read from each file's own header: the manifest must describe the files,
not just the plan.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image

from fixtures.build import build_all_scans, load_manifest
from fixtures.degrade import map_point
from fixtures.scan import degrade_page, render_gray
from fixtures.scan_plan import (
    SEAL_PT,
    DegradedPage,
    DocScans,
    ScanManifest,
    pdf_geometry,
    plan_document,
    raster_size,
    stable_seed,
)
from fixtures.truth_model import TruthDoc

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "out"


@pytest.fixture(scope="module")
def manifest(truth_docs: list[TruthDoc], text_pdfs: dict[str, Path]) -> ScanManifest:
    """Scans of every truth document, built if missing or stale, as scans.json lists them."""
    build_all_scans(truth_docs, OUT)
    return load_manifest(OUT)


def entries(manifest: ScanManifest) -> list[DocScans]:
    return list(manifest.documents.values())


def page_image(entry: DocScans, page: DegradedPage, gray: bool = False) -> np.ndarray:
    """The degraded page as RGB (or gray) pixels, read from its image file."""
    img = Image.open(OUT / page.image)
    if entry.degraded.multipage_tiff:
        img.seek(page.page - 1)
    return np.asarray(img.convert("L" if gray or entry.degraded.color == "gray" else "RGB"))


def estimate_skew(gray: np.ndarray) -> float | None:
    """Skew in degrees (counter-clockwise positive) fitted to the long horizontal rules.

    Ink is found with an adaptive threshold; opening with a 21x1 bar keeps horizontal runs
    (a rule tilted 3 degrees still holds 21 px straight runs at 2-3 px thickness) and drops
    noise and vertical rules; each component wider than 15% of the page is a rule piece, and
    its pixels' least-squares slope is its angle. Median by width over the pieces.
    """
    bw = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 20)
    bar = cv2.getStructuringElement(cv2.MORPH_RECT, (21, 1))
    rules = cv2.morphologyEx(bw, cv2.MORPH_OPEN, bar)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    angles, widths = [], []
    for i in range(1, n):
        x, y, w, h, _area = stats[i]
        if w < gray.shape[1] * 0.15:
            continue
        ys, xs = np.nonzero(labels[y : y + h, x : x + w] == i)
        slope = np.polyfit(xs.astype(np.float64), ys.astype(np.float64), 1)[0]
        angles.append(-math.degrees(math.atan(slope)))
        widths.append(float(w))
    if not angles:
        return None
    order = np.argsort(angles)
    cum = np.cumsum(np.asarray(widths)[order])
    return float(np.asarray(angles)[order][np.searchsorted(cum, cum[-1] / 2)])


def red_mask(rgb: np.ndarray) -> np.ndarray:
    """Pixels that are seal red: strong red, weak green and blue (saturating uint8 maths)."""
    r, g, b = (np.ascontiguousarray(rgb[..., i]) for i in range(3))
    return (r > 120) & (cv2.subtract(r, g) > 50) & (cv2.subtract(r, b) > 40)


def red_fraction(rgb: np.ndarray) -> float:
    return float(red_mask(rgb).mean()) if rgb.size else 0.0


def crop(img: np.ndarray, box: tuple[float, ...]) -> np.ndarray:
    h, w = img.shape[:2]
    x0, y0, x1, y1 = (round(v) for v in box)
    return img[max(0, y0) : min(h, y1), max(0, x0) : min(w, x1)]


def image_objects(pdf: Path) -> list[list[pdfium.PdfImage]]:
    doc = pdfium.PdfDocument(str(pdf))
    return [list(p.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])) for p in doc]


# --- the manifest ---------------------------------------------------------------------------


def test_manifest_lists_every_document_and_its_files(
    manifest: ScanManifest, truth_docs: list[TruthDoc]
) -> None:
    assert set(manifest.documents) == {d.name for d in truth_docs if d.scans}  # transcript-only classes are not scanned
    on_disk = load_manifest(OUT)
    assert on_disk == manifest
    for entry in entries(manifest):
        for rel in [entry.clean.pdf, *entry.degraded.files()]:
            assert (OUT / rel).is_file(), rel


def test_parameters_stay_within_the_issue_bounds(manifest: ScanManifest) -> None:
    for e in entries(manifest):
        g = e.degraded
        assert e.clean.dpi == 300
        assert 200 <= g.dpi <= 300
        assert 0.5 <= g.blur_sigma <= 1.0
        assert 8 <= g.noise_sigma <= 16
        assert 50 <= g.jpeg_quality <= 80
        assert all(abs(p.skew_deg) <= 3.0 for p in g.pages)
        assert all(p.rotation_deg in (0, 90, 180, 270) for p in g.pages)
        assert sum(p.rotation_deg != 0 for p in g.pages) <= 1


def test_variety_across_documents(manifest: ScanManifest) -> None:
    docs = entries(manifest)
    rotated = [e.name for e in docs if any(p.rotation_deg for p in e.degraded.pages)]
    sealed = [e for e in docs if e.degraded.seals]
    assert 2 <= len(rotated) <= 3, rotated
    assert 0.35 <= len(sealed) / len(docs) <= 0.65
    assert {e.degraded.image_format for e in docs} == {"png", "jpg", "tif"}
    assert any(e.degraded.multipage_tiff for e in docs)
    assert len({e.degraded.dpi for e in docs}) >= 3
    assert {e.degraded.color for e in docs} == {"rgb", "gray"}
    assert all(e.degraded.color == "rgb" for e in sealed)  # red ink needs colour


def test_plans_are_deterministic(truth_docs: list[TruthDoc], text_pdfs: dict[str, Path]) -> None:
    # pinned: a salted hash() or a changed seed derivation would move every fixture
    assert stable_seed("qiannan-2024-dept", "params") == 0x4F2E8287ECD974F8
    assert stable_seed("a", "b") != stable_seed("a", "c")
    doc = next(d for d in truth_docs if len(d.forms) > 1)
    first = plan_document(doc, text_pdfs[doc.name], OUT)
    assert plan_document(doc, text_pdfs[doc.name], OUT) == first


@pytest.mark.slow  # renders and measures scan pages
def test_degraded_pixels_are_deterministic(
    manifest: ScanManifest, truth_docs: list[TruthDoc], text_pdfs: dict[str, Path]
) -> None:
    entry = next(e for e in entries(manifest) if e.degraded.seals)
    seal = entry.degraded.seals[0]
    page = entry.degraded.pages[seal.page - 1]
    gray = list(render_gray(text_pdfs[entry.name], entry.degraded.dpi))[page.page - 1]
    a = degrade_page(gray, entry.degraded, page, entry.name)
    b = degrade_page(gray, entry.degraded, page, entry.name)
    assert np.array_equal(a, b)
    # and the file on disk is that page after the JPEG round trip: JPEG drops much of the
    # pixel noise, so compare what is left after a low-pass
    on_disk = page_image(entry, page)
    assert on_disk.shape == a.shape
    smooth = [cv2.GaussianBlur(x, (0, 0), 2.0).astype(np.int16) for x in (on_disk, a)]
    assert np.abs(smooth[0] - smooth[1]).mean() < 2.0


# --- the PDFs -------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["clean", "degraded"])
@pytest.mark.slow  # renders and measures scan pages
def test_scan_pdfs_are_image_only_with_the_text_pdfs_pages(
    manifest: ScanManifest, text_pdfs: dict[str, Path], variant: str
) -> None:
    for entry in entries(manifest):
        scan = OUT / getattr(entry, variant).pdf
        with pdfplumber.open(text_pdfs[entry.name]) as text, pdfplumber.open(scan) as pdf:
            assert len(pdf.pages) == len(text.pages) == entry.pages
            for tp, sp in zip(text.pages, pdf.pages, strict=True):
                assert sp.chars == [] and (sp.extract_text() or "") == ""
                assert len(sp.images) == 1
                assert tp.chars, "the source page itself has text"


def test_page_sizes_follow_from_pixels_and_dpi(
    manifest: ScanManifest, text_pdfs: dict[str, Path]
) -> None:
    for entry in entries(manifest):
        source = [size for size, _ in pdf_geometry(text_pdfs[entry.name])]
        for variant in (entry.clean, entry.degraded):
            tol = 72.0 / variant.dpi + 0.01  # at most one pixel of rounding
            doc = pdfium.PdfDocument(str(OUT / variant.pdf))
            for page, plan, (w, h) in zip(doc, variant.pages, source, strict=True):
                if getattr(plan, "rotation_deg", 0) in (90, 270):
                    w, h = h, w
                pw, ph = page.get_size()
                assert abs(pw - w) <= tol and abs(ph - h) <= tol
                assert pw == pytest.approx(plan.width_px * 72.0 / variant.dpi, abs=1e-3)


def test_clean_pdf_is_lossless_gray_and_degraded_pdf_carries_the_jpegs(
    manifest: ScanManifest,
) -> None:
    for entry in entries(manifest):
        for objs in image_objects(OUT / entry.clean.pdf):
            assert objs[0].get_filters() == ["FlateDecode"]
            assert objs[0].get_metadata().colorspace == pdfium_c.FPDF_COLORSPACE_DEVICEGRAY
        g = entry.degraded
        for page, objs in zip(g.pages, image_objects(OUT / g.pdf), strict=True):
            assert objs[0].get_filters() == ["DCTDecode"]
            assert objs[0].get_px_size() == (page.width_px, page.height_px)
            if g.image_format == "jpg":  # the very bytes of the image file
                raw = bytes(objs[0].get_data(decode_simple=False))
                assert raw == (OUT / page.image).read_bytes()
            else:
                stream = bytes(objs[0].get_data(decode_simple=False))
                assert Image.open(io.BytesIO(stream)).format == "JPEG"


# --- the images -----------------------------------------------------------------------------


def test_images_carry_their_dpi_and_size(manifest: ScanManifest) -> None:
    for entry in entries(manifest):
        g = entry.degraded
        for page in g.pages:
            img = Image.open(OUT / page.image)
            assert img.format == {"png": "PNG", "jpg": "JPEG", "tif": "TIFF"}[g.image_format]
            if g.multipage_tiff:
                assert getattr(img, "n_frames", 1) == entry.pages
                img.seek(page.page - 1)
            dpi_x, dpi_y = img.info["dpi"]
            # PNG stores pixels per metre: 300 dpi comes back as 299.9994
            assert dpi_x == pytest.approx(g.dpi, abs=0.05)
            assert dpi_y == pytest.approx(g.dpi, abs=0.05)
            assert img.size == (page.width_px, page.height_px)


@pytest.mark.slow  # renders and measures scan pages
def test_measured_skew_matches_the_manifest(
    manifest: ScanManifest, text_pdfs: dict[str, Path]
) -> None:
    measured = 0
    for entry in entries(manifest):
        frames = [frame for _, frame in pdf_geometry(text_pdfs[entry.name])]
        for page in entry.degraded.pages:
            frame = frames[page.page - 1]
            if frame is None or frame[2] - frame[0] < 200:
                continue  # a page of notes only: no rules to measure
            gray = page_image(entry, page, gray=True)
            upright = np.ascontiguousarray(np.rot90(gray, k=-(page.rotation_deg // 90)))
            skew = estimate_skew(upright)
            assert skew is not None, (entry.name, page.page)
            assert abs(skew - page.skew_deg) <= 0.3, (entry.name, page.page, skew)
            measured += 1
    assert measured >= 30


@pytest.mark.slow  # renders and measures scan pages
def test_seal_is_red_where_the_manifest_says(manifest: ScanManifest) -> None:
    for entry in entries(manifest):
        g = entry.degraded
        for page in g.pages:
            if g.color != "rgb":
                continue
            img = page_image(entry, page)
            here = [s for s in g.seals if s.page == page.page]
            red = red_mask(img)
            for seal in here:
                assert crop(red, seal.box_px).mean() > 0.08, (entry.name, seal)
                x0, y0, x1, y1 = (round(v) for v in seal.box_px)
                red[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)] = False
            assert red.mean() < 1e-4, (entry.name, page.page)  # no red anywhere else


@pytest.mark.slow  # renders and measures scan pages
def test_seal_shows_in_the_degraded_pdf_too(manifest: ScanManifest) -> None:
    for entry in entries(manifest):
        g = entry.degraded
        if not g.seals:
            continue
        doc = pdfium.PdfDocument(str(OUT / g.pdf))
        for seal in g.seals:
            bitmap = doc[seal.page - 1].render(scale=g.dpi / 72.0)
            rgb = np.asarray(bitmap.to_pil().convert("RGB"))
            assert red_fraction(crop(rgb, seal.box_px)) > 0.08, (entry.name, seal.page)


def test_seal_sits_over_the_bottom_of_the_forms_table(
    manifest: ScanManifest, text_pdfs: dict[str, Path], truth_docs: list[TruthDoc]
) -> None:
    forms = {d.name: d.forms for d in truth_docs}
    for entry in entries(manifest):
        g = entry.degraded
        if not g.seals:
            continue
        geometry = pdf_geometry(text_pdfs[entry.name])
        units = {str(f.record.get("unit") or f.record.get("department")) for f in forms[entry.name]}
        assert len(g.seals) == len(forms[entry.name])  # one impression per form
        for seal in g.seals:
            assert seal.unit in units
            (w, h), frame = geometry[seal.page - 1]
            assert frame is not None
            x0, top, x1, bottom = seal.box_pt
            cx, cy = (x0 + x1) / 2, (top + bottom) / 2
            assert x1 - x0 == pytest.approx(SEAL_PT, abs=0.05)
            assert 0 <= x0 and x1 <= w and 0 <= top and bottom <= h
            assert frame[0] <= cx <= frame[2]
            assert frame[3] - SEAL_PT <= cy <= frame[3] + SEAL_PT / 2
            # box_px is box_pt carried through the scan geometry
            raster = raster_size(w, h, g.dpi)
            page = g.pages[seal.page - 1]
            px, py = map_point(
                cx * g.dpi / 72, cy * g.dpi / 72, *raster, page.skew_deg, page.rotation_deg
            )
            assert (seal.box_px[0] + seal.box_px[2]) / 2 == pytest.approx(px, abs=0.1)
            assert (seal.box_px[1] + seal.box_px[3]) / 2 == pytest.approx(py, abs=0.1)
