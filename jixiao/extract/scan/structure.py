"""A scanned page's tables: prepare the pixels, find the rulings, and run the shared lattice.

``page_tables`` is the whole structure step of the scan path, no OCR: its ``Lattice`` is in page
points on the prepared (upright, level) page, the frame in which OCR boxes read from
``ScanPage.grey`` are also expressed, so ``assign.assign_text(scan.lattice.tables, pieces, n,
strays=scan.strays)`` fills the cells. ``ScanPage.transform`` maps any of those boxes back onto
the original image for evidence crops.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from jixiao.extract.lattice import Lattice, LatticeOptions, Segment, find_tables
from jixiao.extract.scan.lines import (
    LineOptions,
    PageLines,
    PixelSegment,
    dash_strokes,
    erase_lines,
    find_lines,
    on_tables,
    ruling_mask,
    text_mask,
    to_points,
)
from jixiao.extract.scan.orient import OrientationCheck
from jixiao.extract.scan.prepare import PreparedPage, PrepareOptions, prepare_page
from jixiao.extract.scan.transform import PageTransform
from jixiao.extract.scan.units import Image
from jixiao.grid import Box, Page


class ScanOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    prepare: PrepareOptions = Field(default_factory=PrepareOptions)
    lines: LineOptions = Field(default_factory=LineOptions)
    lattice: LatticeOptions = Field(default_factory=LatticeOptions)


@dataclass
class ScanPage:
    """The structure of one scanned page (no text yet)."""

    prepared: PreparedPage
    lines: PageLines
    lattice: Lattice  # page points on the prepared page
    # the rulings the tables are made of, drawn (ink = 255) on the prepared page
    table_rulings: Image
    # drawn dashes (—) found in the text ink, continuous pixels on the prepared page
    dashes: list[PixelSegment]
    # what assign_text should get as strays: the drawn dashes in points. Not the lattice's own
    # strays: in a scan those are mostly text whose strokes touched into a long run
    strays: list[Segment]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def transform(self) -> PageTransform:
        return self.prepared.transform

    @property
    def scale(self) -> float:
        """Pixels per point."""
        return self.prepared.scale

    @property
    def grey(self) -> Image:
        """The prepared page: seals removed, light evened, upright, level. OCR reads this."""
        return self.prepared.grey

    @property
    def width(self) -> float:
        return self.prepared.grey.shape[1] / self.scale

    @property
    def height(self) -> float:
        return self.prepared.grey.shape[0] / self.scale

    def without_lines(self) -> Image:
        """The prepared page with its rulings painted out, for whole-page OCR."""
        return erase_lines(self.prepared.grey, self.table_rulings, self.prepared.dpi)

    def box_on_original(self, box: Box) -> Box:
        """A box in page points (prepared page) as the pixel region of the original image."""
        return self.transform.box_to_original(box, self.scale)

    def page(self, number: int) -> Page:
        """An empty ``grid.Page`` for this scan; the OCR reader adds grids and lines."""
        return Page(
            number=number,
            width=self.width,
            height=self.height,
            scale=self.scale,
            rotation=self.transform.rotation,
            skew_degrees=self.transform.skew_degrees,
        )


def page_tables(
    image_rgb: Image,
    dpi: float,
    options: ScanOptions | None = None,
    check: OrientationCheck | None = None,
) -> ScanPage:
    """Tables with merged cells of a scanned page, in points on the prepared page.

    ``image_rgb`` is the page as scanned (H x W x 3, uint8; a grey H x W image is accepted);
    ``dpi`` its resolution. ``check`` is the optional OCR orientation score (see orient.py).
    """
    options = options or ScanOptions()
    prepared = prepare_page(image_rgb, dpi, options.prepare, check)
    seconds = dict(prepared.seconds)
    start = time.perf_counter()
    lines = find_lines(prepared.binary, dpi, options.lines, prepared.rings)
    seconds["lines"] = time.perf_counter() - start
    start = time.perf_counter()
    lattice = find_tables(to_points(lines.horizontal + lines.vertical, dpi), options.lattice)
    seconds["lattice"] = time.perf_counter() - start
    start = time.perf_counter()
    rulings = lines.horizontal + lines.vertical
    used = on_tables(rulings, lattice.tables, prepared.scale, options.lattice.snap_tolerance)
    table_rulings = ruling_mask(
        [r for r, u in zip(rulings, used, strict=True) if u], prepared.binary.shape
    )
    dashes = dash_strokes(text_mask(prepared.binary, table_rulings, dpi), dpi, options.lines)
    seconds["dashes"] = time.perf_counter() - start
    return ScanPage(
        prepared=prepared,
        lines=lines,
        lattice=lattice,
        table_rulings=table_rulings,
        dashes=dashes,
        strays=to_points(dashes, dpi),
        seconds=seconds,
    )
