"""Text drawn outside its clipping path: in the text layer, not on the page.

Office programs print a merged cell that crosses a page break on both pages: each page draws the
cell's text where it would sit in the whole merged cell, clipped to the part of the cell on that
page. The text layer keeps every copy, so a label shows up below the page's last row (``成本``
at y=802 under a last row at 735) or above the page (``产出指` at y=-4), where it joins the
wrong cell or a line; and a value too wide for its column is clipped at the column's edge (a
``###`` of a hidden column, the end of a long text).

pdfplumber does not report clipping; pdfium does (``FPDFPageObj_GetClipPath``). ``clipped_objects``
lists, per page, the text objects drawn outside their clip. ``unclip`` then treats each glyph of
those as the page shows it:

- when the clip is a band across the glyph's column (the part of a merged cell on this page),
  the text belongs to that part of the cell: the glyphs move into the band, keeping their lines
  and order, so that a label cut by a page break belongs to the rows it spans on each page;
- otherwise (a clip that does not cover the glyph's column: text cut off at a column's edge; a
  clip too thin to show anything) the glyph is not content and is dropped;
- a glyph outside the page box is dropped whatever its clip.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from jixiao.extract.assign import Piece
from jixiao.grid import Box

# a glyph whose centre is this far (points) outside its clip is not shown
_OUTSIDE = 0.5
# a clip narrower or lower than this (points) shows nothing: a hidden column's zero width
_MIN_CLIP = 2.0
# a clip covering this share of the page is the page itself, not a cell
_PAGE_CLIP = 0.5


@dataclass(frozen=True)
class Clipped:
    """A text object drawn (partly) outside its clip, in page points from the top-left corner."""

    bounds: Box
    clip: Box
    text: str


def _clip_box(obj: pdfium_c.FPDF_PAGEOBJECT, height: float) -> Box | None:
    """The bounding box of the object's clip path (the intersection of its paths), or None."""
    clip = pdfium_c.FPDFPageObj_GetClipPath(obj)
    if not clip:
        return None
    n_paths = pdfium_c.FPDFClipPath_CountPaths(clip)
    box: Box | None = None
    for p in range(max(n_paths, 0)):
        xs, ys = [], []
        for s in range(max(pdfium_c.FPDFClipPath_CountPathSegments(clip, p), 0)):
            seg = pdfium_c.FPDFClipPath_GetPathSegment(clip, p, s)
            x, y = ctypes.c_float(), ctypes.c_float()
            if seg and pdfium_c.FPDFPathSegment_GetPoint(seg, x, y):
                xs.append(x.value)
                ys.append(height - y.value)
        if not xs:
            continue
        part = Box(x0=min(xs), y0=min(ys), x1=max(xs), y1=max(ys))
        box = part if box is None else Box(x0=max(box.x0, part.x0), y0=max(box.y0, part.y0),
                                           x1=min(box.x1, part.x1), y1=min(box.y1, part.y1))
    return box


def _bounds(obj: pdfium_c.FPDF_PAGEOBJECT, height: float) -> Box | None:
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
        return None
    return Box(x0=left.value, y0=height - top.value, x1=right.value, y1=height - bottom.value)


def _text(obj: pdfium_c.FPDF_PAGEOBJECT, textpage: pdfium.PdfTextPage) -> str:
    n = pdfium_c.FPDFTextObj_GetText(obj, textpage.raw, None, 0)
    if n <= 0:
        return ""
    buffer = (ctypes.c_ushort * n)()
    pdfium_c.FPDFTextObj_GetText(obj, textpage.raw, buffer, n)
    return bytes(buffer).decode("utf-16-le", "replace").rstrip("\x00")


def _outside(bounds: Box, clip: Box) -> bool:
    return (bounds.x0 < clip.x0 - _OUTSIDE or bounds.x1 > clip.x1 + _OUTSIDE
            or bounds.y0 < clip.y0 - _OUTSIDE or bounds.y1 > clip.y1 + _OUTSIDE)


def page_clipped(page: pdfium.PdfPage) -> list[Clipped]:
    """The page's text objects that reach outside their clip (top-left origin, page points).

    Only for an unrotated page whose MediaBox starts at the origin, where pdfium's and
    pdfplumber's coordinates agree; other pages return nothing and are read as before.
    """
    left, bottom, _, top = page.get_mediabox()
    if page.get_rotation() % 360 or abs(left) > 0.01 or abs(bottom) > 0.01:
        return []
    height = top  # y from the top of the MediaBox, as pdfplumber measures it
    found: list[Clipped] = []
    textpage: pdfium.PdfTextPage | None = None
    for k in range(pdfium_c.FPDFPage_CountObjects(page.raw)):
        obj = pdfium_c.FPDFPage_GetObject(page.raw, k)
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_TEXT:
            continue
        clip = _clip_box(obj, height)
        bounds = _bounds(obj, height) if clip is not None else None
        if clip is None or bounds is None or not _outside(bounds, clip):
            continue
        textpage = textpage or page.get_textpage()
        found.append(Clipped(bounds=bounds, clip=clip, text=_text(obj, textpage)))
    return found


class ClipReader:
    """Clipped text per page of one PDF; any pdfium failure means 'nothing known' for the page."""

    def __init__(self, pdf: pdfium.PdfDocument | None) -> None:
        self.pdf = pdf

    def page(self, index: int) -> list[Clipped]:
        if self.pdf is None:
            return []
        try:
            page = self.pdf[index]
        except (pdfium.PdfiumError, IndexError):
            return []
        try:
            return page_clipped(page)
        except (pdfium.PdfiumError, ValueError, OSError):
            return []
        finally:
            page.close()


@contextmanager
def clip_reader(path: Path) -> Iterator[ClipReader]:
    try:
        pdf = pdfium.PdfDocument(str(path))
    except (pdfium.PdfiumError, OSError):
        yield ClipReader(None)  # pdfplumber reports what is wrong with the file
        return
    try:
        yield ClipReader(pdf)
    finally:
        pdf.close()


# ---------------------------------------------------------------- glyphs


def _holder(piece: Piece, clipped: Sequence[Clipped]) -> Clipped | None:
    """The clipped object the glyph belongs to: its centre inside the object, its text in it."""
    for c in clipped:
        b = c.bounds
        if b.x0 - 1 <= piece.cx <= b.x1 + 1 and b.y0 - 1 <= piece.cy <= b.y1 + 1 and piece.text.strip() in c.text:
            return c
    return None


def _shown(piece: Piece, clip: Box) -> bool:
    return clip.x0 - _OUTSIDE <= piece.cx <= clip.x1 + _OUTSIDE and clip.y0 - _OUTSIDE <= piece.cy <= clip.y1 + _OUTSIDE


def _band(piece: Piece, clip: Box, width: float, height: float) -> bool:
    """Whether the clip is the visible part of the glyph's cell: it spans the glyph's column."""
    return (clip.width >= _MIN_CLIP and clip.height >= _MIN_CLIP
            and clip.x0 - _OUTSIDE <= piece.cx <= clip.x1 + _OUTSIDE
            and clip.width * clip.height < _PAGE_CLIP * width * height)


def _moved(group: list[Piece], clip: Box) -> list[Piece]:
    """The glyphs moved into the clip's band, their lines kept: shifted to its middle, or
    squeezed into it when they are taller than it."""
    top = min(p.y0 for p in group)
    bottom = max(p.y1 for p in group)
    room = clip.height - 2 * _OUTSIDE
    if bottom - top <= room:
        offset = clip.cy - (top + bottom) / 2
        return [replace(p, y0=p.y0 + offset, y1=p.y1 + offset) for p in group]
    scale = room / (bottom - top)
    out = []
    for p in group:
        y0 = clip.y0 + _OUTSIDE + (p.y0 - top) * scale
        out.append(replace(p, y0=y0, y1=y0 + (p.y1 - p.y0) * scale))
    return out


def unclip(pieces: list[Piece], clipped: Sequence[Clipped], width: float, height: float) -> list[Piece]:
    """The glyphs as the page shows them (see the module docstring)."""
    kept: list[Piece] = []
    bands: dict[Box, list[Piece]] = {}
    for p in pieces:
        on_page = -_OUTSIDE <= p.cx <= width + _OUTSIDE and -_OUTSIDE <= p.cy <= height + _OUTSIDE
        holder = _holder(p, clipped) if clipped else None
        if holder is None or _shown(p, holder.clip):
            if on_page:
                kept.append(p)
        elif _band(p, holder.clip, width, height):
            bands.setdefault(holder.clip, []).append(p)
        # else: cut off at the edge of its clip, as on paper: not content
    for clip, group in bands.items():
        kept.extend(_moved(group, clip))
    return kept
