"""The model every extract backend emits: a document of pages, each with ruled grids and loose text.

Coordinates are PDF points (1/72 inch) with the origin at the page's top-left, whatever the
source: a scan's pixels are divided by its dpi / 72 so that a box means the same thing for a
text PDF and for a scan of it. Transcripts have no geometry; their cells carry line and column.
Office files have no geometry either: a sheet is a page, and each cell carries its location in
the file (``Sheet1!F14``) beside the sheet's row and column.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SourceKind = Literal["text_pdf", "scan_pdf", "image", "transcript", "spreadsheet", "document"]


class Box(BaseModel):
    model_config = ConfigDict(frozen=True)

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    def union(self, other: Box) -> Box:
        return Box(
            x0=min(self.x0, other.x0),
            y0=min(self.y0, other.y0),
            x1=max(self.x1, other.x1),
            y1=max(self.y1, other.y1),
        )

    def contains_point(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1

    def overlap_area(self, other: Box) -> float:
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        return w * h if w > 0 and h > 0 else 0.0

    def rounded(self, ndigits: int = 1) -> list[float]:
        return [round(v, ndigits) for v in (self.x0, self.y0, self.x1, self.y1)]


class Cell(BaseModel):
    """One cell of a ruled table; a merged cell covers row_span x col_span grid slots."""

    row: int
    col: int
    row_span: int = 1
    col_span: int = 1
    page: int
    # where the cell is in the reading frame (a scan's deskewed, upright page): what layout uses
    box: Box | None = None
    # where the cell is on the page as the file holds it, when that differs from ``box`` (a
    # skewed or sideways scan): what evidence crops and the review outline
    source_box: Box | None = None
    # text as read, wrapped lines joined; raw keeps the line breaks of the source
    text: str = ""
    raw: str = ""
    confidence: float = 1.0
    # transcripts only: 1-based line and column of the cell's first character
    line: int | None = None
    column: int | None = None
    # the reader decided from geometry that the cell holds a dash (—), which OCR never writes
    dash: bool = False
    # office files: where the value is in the file as its program names it, ``Sheet1!F14`` or
    # ``表格2 第5行第3列``; line and column then hold the sheet's (or table's) row and column
    location: str | None = None
    # why the reader doubts what the cell holds, whatever its characters' confidence (its table's
    # rulings do not close round it): a finding resting on it asks for a look
    doubt: str | None = None
    # scans: what a second read of the cell saw where it differed from ``text`` (under a seal,
    # 223.59 then 2223.59). ``text`` stands; only the form's own arithmetic may choose this instead
    reread: str | None = None
    # scans: a number in a cell that a seal's disc meets, however surely read, that the tie-breaker
    # did not read the same: what the arithmetic says the cell held may differ from the read by
    # the glyph a stroke of the seal changed
    sealed: bool = False
    # scans: in a cell of text a seal's disc meets in part, the leading run of it whose characters
    # (placed evenly along each line's box) lie clear of every disc, and how surely that line was
    # read: a clause read there (a grade) need not share the doubt the seal puts on the rest
    clear: tuple[str, float] | None = None

    @property
    def last_row(self) -> int:
        return self.row + self.row_span - 1

    @property
    def last_col(self) -> int:
        return self.col + self.col_span - 1


class Grid(BaseModel):
    """A ruled table on one page. Tables continued on later pages are separate grids."""

    page: int
    box: Box | None = None
    n_rows: int
    n_cols: int
    cells: list[Cell]
    # x of each vertical and y of each horizontal ruling, n_cols + 1 and n_rows + 1 of them
    col_edges: list[float] = Field(default_factory=list)
    row_edges: list[float] = Field(default_factory=list)
    # why the reader doubts the table as a whole (its rulings do not close: a row may be lost or
    # merged): a sum over its rows asks for a look
    doubt: str | None = None


class TextLine(BaseModel):
    """Text outside any table: titles, 填报日期 lines, notes."""

    page: int
    text: str
    box: Box | None = None
    source_box: Box | None = None
    confidence: float = 1.0
    line: int | None = None
    location: str | None = None  # office files: the cell or paragraph the text is in


class PhotoInfo(BaseModel):
    """How a photo (or an image whose dpi tag is not the paper's) was made into a flat page."""

    camera: str = ""  # EXIF Make and Model
    exif_orientation: int = 1  # as the file had it; already applied to the pixels
    tag_dpi: float | None = None  # the file's resolution tag, which a photo's is not
    # where the resolution came from: the sheet's outline against A4, or the body text's height
    # (page_size: an untagged image that is the page itself, its sides against A4)
    scale_from: Literal["page_outline", "text_height", "page_size"] = "page_outline"
    px_per_inch: float = 0.0  # measured on the photo
    read_dpi: float = 0.0  # of the flat page the scan path read
    sheet_found: bool = False
    # the sheet's corners in the photo's pixels (tl, tr, br, bl), and the map to the flat page
    corners: list[list[float]] = Field(default_factory=list)
    homography: list[list[float]] = Field(default_factory=list)
    # the largest bow of a ruling left after the homography, in points (curl, lens), and whether
    # the page was remapped to straighten them (only past photo.dewarp.min_bow_pt)
    bow_pt: float = 0.0
    dewarped: bool = False


class Page(BaseModel):
    number: int  # 1-based
    width: float
    height: float
    grids: list[Grid] = Field(default_factory=list)
    lines: list[TextLine] = Field(default_factory=list)
    # pixels per PDF point used when the page was read from pixels; None for a text layer
    scale: float | None = None
    rotation: int = 0
    skew_degrees: float = 0.0
    # a photo: how its page was found and flattened (boxes are in the photo's own pixels / dpi)
    photo: PhotoInfo | None = None


class SourceInfo(BaseModel):
    file: str
    sha256: str
    kind: SourceKind
    n_pages: int


class Document(BaseModel):
    source: SourceInfo
    pages: list[Page]
