"""Text pieces into cells and lines: the second half of the lattice, shared by every reader.

A piece is anything with a box and text: one glyph of a PDF's text layer, or one box of an OCR
engine. Each goes to the cell that holds its centre (for a box, the cell that holds most of it);
an OCR box that clearly runs across a cell boundary is cut where the boundary falls, in
proportion to character widths (wide CJK characters count 1, others 0.55), or at a space next to
that point, because OCR engines happily read two neighbouring cells as one line. Pieces outside every table become page lines.

Joining, the contract for normalize:
- pieces are grouped into visual lines by vertical overlap, each line read left to right;
- ``raw`` keeps one line per visual line ("\\n" between them) and a single space wherever the
  source had a gap (an explicit space, or a gap of ``space_gap`` line heights or more);
- ``text`` joins wrapped lines with nothing between them, except a space between two ASCII
  letters or a letter and a digit (``ISO`` / ``9001``; digits cut by a narrow column, ``738.2`` /
  ``6``, join with nothing). Inside a line a gap becomes one space unless both neighbours are
  CJK (so ``ISO 9001 认证`` and OCR's ``2. 5`` keep theirs, letter-spaced ``资 金 来 源`` loses
  them); a field gap (``field_gap`` line heights, e.g. ``单位: …   填报日期: …``) is a space
  even between CJK characters.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from pydantic import BaseModel, ConfigDict

from jixiao.extract.lattice import CellLocator, Segment, Table
from jixiao.grid import Box, Cell, Grid, TextLine
from jixiao.text import wrap_separator

# where a piece went: (table index, cell index), or None for the page's loose text
Where = tuple[int, int] | None

# width of a non-wide character relative to a CJK one, for cutting OCR boxes
_NARROW = 0.55
# pieces lower than this (points) are treated as this tall, so that rules never divide by zero
_MIN_HEIGHT = 1.0


@dataclass(frozen=True, slots=True)
class Piece:
    """A box of text in page points, origin top-left: a glyph or an OCR box."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    confidence: float = 1.0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, _MIN_HEIGHT)


class TextOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # a gap of this many line heights between non-CJK characters is a space
    space_gap: float = 0.2
    # a gap of this many line heights is a space whatever the script: two fields on one line
    field_gap: float = 2.0
    # two pieces are on one visual line when they overlap vertically by this share of the lower
    line_overlap: float = 0.5
    # a cell whose text is only these is a dash (not applicable). 一 is left out: in a text layer
    # it is the numeral; the scan path decides OCR's 一 from the cell's pixels instead
    dash_chars: str = "-‐‑‒–—―−－─━"
    # a stray horizontal stroke in an empty cell is a drawn dash when it is no longer than this
    # share of the cell's width and its middle is within this share of the cell's height from
    # the cell's middle (an underline sits low; a dash sits in the middle)
    dash_max_width: float = 0.6
    dash_max_offset: float = 0.25


@dataclass(frozen=True)
class PageText:
    grids: list[Grid]
    lines: list[TextLine]


# ---------------------------------------------------------------- characters


def is_wide(ch: str) -> bool:
    """CJK ideographs, kana, hangul, full-width forms and CJK punctuation."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


# ---------------------------------------------------------------- placing pieces


def _locate(locators: Sequence[CellLocator], x: float, y: float) -> Where:
    for t, locator in enumerate(locators):
        k = locator.find(x, y)
        if k is not None:
            return (t, k)
    return None


def _char_edges(piece: Piece) -> list[float]:
    """x of each character boundary when the piece's width is shared out by character width."""
    weights = [1.0 if is_wide(ch) else _NARROW for ch in piece.text]
    scale = (piece.x1 - piece.x0) / sum(weights)
    edges = [piece.x0]
    for w in weights:
        edges.append(edges[-1] + w * scale)
    return edges


def _snap_to_space(text: str, cut: int, reach: int) -> int:
    """Move a cut (between text[cut - 1] and text[cut]) to the nearest space within reach.

    OCR engines write a space where they saw a gap, and the gap between two cells is the widest
    in the box, while the proportional estimate assumes even spacing: the space is the better
    cut."""
    spaces = [j for j, ch in enumerate(text) if ch.isspace() and abs(j - cut) <= reach]
    return min(spaces, key=lambda j: (abs(j - cut), j)) if spaces else cut


def _majority(places: list[Where], text: str) -> Where:
    counts: dict[Where, int] = {}
    for place, ch in zip(places, text, strict=True):
        if not ch.isspace():
            counts[place] = counts.get(place, 0) + 1
    return max(counts, key=lambda w: counts[w]) if counts else places[0]


def split_piece(
    piece: Piece, locators: Sequence[CellLocator], reach: int = 3
) -> list[tuple[Where, Piece]]:
    """Where the piece goes; an OCR box whose characters fall in several cells is cut there.

    A character counts for the cell holding its (proportional) centre, so a box is cut only when
    at least half a character lies past a boundary: OCR boxes' padding does not cut them. A cut
    moves to a space in the text within ``reach`` characters, if there is one.
    """
    if len(piece.text) <= 1:
        return [(_locate(locators, piece.cx, piece.cy), piece)]
    edges = _char_edges(piece)
    places = [_locate(locators, (a + b) / 2, piece.cy) for a, b in pairwise(edges)]
    if all(p == places[0] for p in places):
        return [(places[0], piece)]
    cuts = [i for i in range(1, len(places)) if places[i] != places[i - 1]]
    bounds = sorted({0, len(places), *(_snap_to_space(piece.text, i, reach) for i in cuts)})
    parts: list[tuple[Where, Piece]] = []
    for start, end in pairwise(bounds):
        text = piece.text[start:end]
        if text.strip():
            part = Piece(
                edges[start], piece.y0, edges[end], piece.y1, text.strip(), piece.confidence
            )
            parts.append((_majority(places[start:end], text), part))
    return parts


# ---------------------------------------------------------------- lines and joining


def _overlap(piece: Piece, top: float, bottom: float) -> float:
    return min(piece.cy + piece.height / 2, bottom) - max(piece.cy - piece.height / 2, top)


def group_lines(pieces: Sequence[Piece], min_overlap: float = 0.5) -> list[list[Piece]]:
    """Visual lines, top to bottom, each left to right."""
    lines: list[list[Piece]] = []
    top = bottom = 0.0
    for p in sorted(pieces, key=lambda p: (p.cy, p.x0)):
        p_top, p_bottom = p.cy - p.height / 2, p.cy + p.height / 2
        if lines and _overlap(p, top, bottom) >= min_overlap * min(p.height, bottom - top):
            lines[-1].append(p)
            top, bottom = min(top, p_top), max(bottom, p_bottom)
        else:
            lines.append([p])
            top, bottom = p_top, p_bottom
    return [sorted(line, key=lambda p: p.x0) for line in lines]


def _separators(left: Piece, right: Piece, spaced: bool, options: TextOptions) -> tuple[str, str]:
    """(text, raw) separators between two neighbouring pieces of one line."""
    gap = right.x0 - left.x1
    height = max(left.height, right.height)
    spaced = spaced or gap >= options.space_gap * height
    a, b = left.text.rstrip()[-1], right.text.lstrip()[0]
    field = gap >= options.field_gap * height
    # letter-spacing between CJK characters (资 金 来 源) is layout, not a space
    text_sep = " " if field or (spaced and not (is_wide(a) and is_wide(b))) else ""
    return text_sep, " " if spaced else ""


def join_line(line: Sequence[Piece], options: TextOptions) -> tuple[str, str]:
    """(text, raw) of one visual line. Whitespace pieces only mark a gap."""
    text: list[str] = []
    raw: list[str] = []
    previous: Piece | None = None
    pending_space = False
    for piece in line:
        if not piece.text.strip():
            pending_space = previous is not None
            continue
        if previous is not None:
            text_sep, raw_sep = _separators(previous, piece, pending_space, options)
            text.append(text_sep)
            raw.append(raw_sep)
        text.append(piece.text.strip())
        raw.append(piece.text.strip())
        previous, pending_space = piece, False
    return "".join(text), "".join(raw)


def join_text(pieces: Sequence[Piece], options: TextOptions) -> tuple[str, str]:
    """(text, raw) of a cell's pieces: see the module docstring for the rules."""
    text = ""
    raw: list[str] = []
    for line in group_lines(pieces, options.line_overlap):
        line_text, line_raw = join_line(line, options)
        if not line_text:
            continue
        text += wrap_separator(text[-1], line_text[0]) if text else ""
        text += line_text
        raw.append(line_raw)
    return text, "\n".join(raw)


# ---------------------------------------------------------------- cells, grids, page lines


def _is_dash_text(text: str, options: TextOptions) -> bool:
    compact = text.replace(" ", "")
    return bool(compact) and all(ch in options.dash_chars for ch in compact)


def _is_dash_stroke(stroke: Segment, box: Box, options: TextOptions) -> bool:
    length = stroke.x1 - stroke.x0
    off_middle = abs(stroke.y0 - box.cy)
    return (
        stroke.y0 == stroke.y1
        and length <= options.dash_max_width * box.width
        and off_middle <= options.dash_max_offset * box.height
    )


def _dash_strokes(
    tables: Sequence[Table],
    locators: Sequence[CellLocator],
    strays: Sequence[Segment],
    options: TextOptions,
) -> set[tuple[int, int]]:
    """Cells holding a short, centred horizontal stroke that belongs to no table: a drawn dash."""
    found: set[tuple[int, int]] = set()
    for stroke in strays:
        where = _locate(locators, (stroke.x0 + stroke.x1) / 2, stroke.y0)
        if where is not None:
            box = tables[where[0]].cells[where[1]].box
            if _is_dash_stroke(stroke, box, options):
                found.add(where)
    return found


def _cell(
    table: Table, k: int, page: int, pieces: list[Piece], stroke: bool, options: TextOptions
) -> Cell:
    slot = table.cells[k]
    text, raw = join_text(pieces, options)
    return Cell(
        row=slot.row,
        col=slot.col,
        row_span=slot.row_span,
        col_span=slot.col_span,
        page=page,
        box=slot.box,
        text=text,
        raw=raw,
        confidence=min((p.confidence for p in pieces), default=1.0),
        dash=_is_dash_text(text, options) or (stroke and not text),
    )


def _grid(
    table: Table,
    t: int,
    page: int,
    placed: dict[Where, list[Piece]],
    strokes: set[tuple[int, int]],
    options: TextOptions,
) -> Grid:
    cells = [
        _cell(table, k, page, placed.get((t, k), []), (t, k) in strokes, options)
        for k in range(len(table.cells))
    ]
    return Grid(
        page=page,
        box=table.box,
        n_rows=table.n_rows,
        n_cols=table.n_cols,
        cells=cells,
        col_edges=list(table.col_edges),
        row_edges=list(table.row_edges),
    )


def _union_box(pieces: Sequence[Piece]) -> Box:
    return Box(
        x0=min(p.x0 for p in pieces),
        y0=min(p.y0 for p in pieces),
        x1=max(p.x1 for p in pieces),
        y1=max(p.y1 for p in pieces),
    )


def page_lines(pieces: Sequence[Piece], page: int, options: TextOptions) -> list[TextLine]:
    """Loose text as one TextLine per visual line, top to bottom."""
    lines: list[TextLine] = []
    for line in group_lines(pieces, options.line_overlap):
        text, _ = join_line(line, options)
        if text:
            confidence = min(p.confidence for p in line)
            lines.append(
                TextLine(page=page, text=text, box=_union_box(line), confidence=confidence)
            )
    return lines


def assign_text(
    tables: Sequence[Table],
    pieces: Sequence[Piece],
    page: int,
    *,
    strays: Sequence[Segment] = (),
    options: TextOptions | None = None,
) -> PageText:
    """Fill the tables' cells with the pieces; the rest become page lines.

    ``strays`` are segments that drew no table (``Lattice.strays``); a short one in the middle of
    an empty cell sets ``Cell.dash``. A scan reader may pass its own detected strokes.
    """
    options = options or TextOptions()
    locators = [CellLocator(t) for t in tables]
    placed: dict[Where, list[Piece]] = {}
    for piece in pieces:
        for where, part in split_piece(piece, locators):
            placed.setdefault(where, []).append(part)
    strokes = _dash_strokes(tables, locators, strays, options)
    grids = [_grid(table, t, page, placed, strokes, options) for t, table in enumerate(tables)]
    return PageText(grids=grids, lines=page_lines(placed.get(None, []), page, options))
