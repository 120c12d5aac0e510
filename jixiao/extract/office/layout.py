"""A sheet's cells into the grid model: which rows are the ruled table, which are loose text.

Both spreadsheet readers (xlsx, xls) describe a sheet as a ``Sheet``: the text each cell shows,
its merged ranges, which cells have borders on which sides, hidden rows and columns, and the
print area. ``sheet_page`` turns it into a ``Page`` like the PDF path's: the ruled part of the
sheet is a grid whose merged cells are spans, the title, 填报日期 line and notes around it are
page lines. Hidden rows and columns and whatever lies outside the print area are not printed,
so they are not read.

A row belongs to the table when something in it is ruled vertically (a cell's left or right
border): a title with a rule under it is still a title. A sheet with no borders at all is read
by its content: a row of two or more filled cells is a table row, a row whose one filled cell
runs across half the sheet is a line (a title, a note).

Cells keep where they are in the file: ``line`` and ``column`` are the sheet's row and column,
``location`` is the reference a person types (``Sheet1!F14``, the top-left cell of a merge,
which is where a merged value lives).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from jixiao.grid import Cell, Grid, Page, TextLine
from jixiao.text import wrap_separator

# pages are nominal for office files, as for transcripts: the grid carries no geometry
PAGE_W, PAGE_H = 595.0, 842.0

Range = tuple[int, int, int, int]  # first row, first column, last row, last column; 1-based


@dataclass
class Sheet:
    """One sheet as a reader found it, in the file's own 1-based rows and columns."""

    name: str
    texts: dict[tuple[int, int], str] = field(default_factory=dict)  # non-empty cells only
    merges: list[Range] = field(default_factory=list)
    # sides ("l", "r", "t", "b") ruled at each cell, its own border or its neighbour's facing one
    sides: dict[tuple[int, int], set[str]] = field(default_factory=dict)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    print_areas: list[Range] = field(default_factory=list)
    n_rows: int = 0
    n_cols: int = 0

    def rule(self, row: int, col: int, side: str) -> None:
        """Record a border on one side of a cell, and on the facing side of its neighbour."""
        self.sides.setdefault((row, col), set()).add(side)
        facing = {"l": ((0, -1), "r"), "r": ((0, 1), "l"), "t": ((-1, 0), "b"), "b": ((1, 0), "t")}
        (dr, dc), other = facing[side]
        if row + dr >= 1 and col + dc >= 1:
            self.sides.setdefault((row + dr, col + dc), set()).add(other)

    def ref(self, row: int, col: int) -> str:
        return f"{sheet_ref(self.name)}!{get_column_letter(col)}{row}"


def sheet_ref(name: str) -> str:
    """A sheet's name as a reference writes it: quoted when it holds anything but letters,
    digits and underscores (表1, Sheet1 bare; 'My Sheet', '2024' quoted)."""
    if name and not name[0].isdigit() and all(ch.isalnum() or ch == "_" for ch in name):
        return name
    return "'" + name.replace("'", "''") + "'"


def cell_text(text: str) -> tuple[str, str]:
    """(text, raw) of what a cell shows: lines stripped and joined as wrapped lines join
    (``jixiao.text.wrap_separator``), raw keeping the line breaks."""
    lines = [ln.strip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [ln for ln in lines if ln]
    joined = ""
    for ln in lines:
        joined += (wrap_separator(joined[-1], ln[0]) if joined else "") + ln
    return joined, "\n".join(lines)


@dataclass(frozen=True)
class _Owner:
    """A merged range or a single cell, clipped to what is visible."""

    r0: int
    c0: int
    r1: int
    c1: int

    def slots(self) -> list[tuple[int, int]]:
        return [(r, c) for r in range(self.r0, self.r1 + 1) for c in range(self.c0, self.c1 + 1)]


class _View:
    """The visible part of one print area (or of the used range) of a sheet."""

    def __init__(self, sheet: Sheet, area: Range) -> None:
        r0, c0, r1, c1 = area
        self.sheet = sheet
        self.rows = [r for r in range(r0, r1 + 1) if r not in sheet.hidden_rows]
        self.cols = [c for c in range(c0, c1 + 1) if c not in sheet.hidden_cols]
        self.owner: dict[tuple[int, int], _Owner] = {}
        for mr0, mc0, mr1, mc1 in sheet.merges:
            if mr1 < r0 or mr0 > r1 or mc1 < c0 or mc0 > c1:
                continue
            merge = _Owner(mr0, mc0, mr1, mc1)
            for slot in merge.slots():
                self.owner[slot] = merge

    def owner_of(self, r: int, c: int) -> _Owner:
        return self.owner.get((r, c)) or _Owner(r, c, r, c)

    def text_of(self, o: _Owner) -> str:
        return self.sheet.texts.get((o.r0, o.c0), "")

    def owners_in_row(self, r: int) -> list[_Owner]:
        seen: list[_Owner] = []
        for c in self.cols:
            o = self.owner_of(r, c)
            if o not in seen:
                seen.append(o)
        return seen

    def first_row(self, o: _Owner) -> int:
        return next(x for x in self.rows if o.r0 <= x <= o.r1)

    def vertical_rule(self, r: int) -> bool:
        return any(self.sheet.sides.get((r, c), set()) & {"l", "r"} for c in self.cols)

    def ruled(self) -> bool:
        return any(self.sheet.sides.get((r, c)) for r in self.rows for c in self.cols)

    def width_share(self, o: _Owner) -> float:
        spanned = sum(1 for c in self.cols if o.c0 <= c <= o.c1)
        return spanned / max(len(self.cols), 1)


def _table_rows(view: _View) -> list[bool | None]:
    """Per visible row: True for a table row, False for a line, None for an empty row that
    neither starts nor ends a table (only when the sheet is read by its content)."""
    if view.ruled():
        return [view.vertical_rule(r) for r in view.rows]
    out: list[bool | None] = []
    for r in view.rows:
        filled = [o for o in view.owners_in_row(r) if view.text_of(o) and view.first_row(o) == r]
        if len(filled) >= 2:
            out.append(True)
        elif len(filled) == 1:
            out.append(view.width_share(filled[0]) < 0.5)
        else:
            out.append(None)
    return out


def _runs(flags: Sequence[bool | None]) -> list[tuple[int, int]]:
    """(start, end) index ranges of table rows; an empty row between table rows stays in."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    last_true = -1
    for k, flag in enumerate([*flags, False]):
        if flag is True:
            if start is None:
                start = k
            last_true = k
        elif start is not None and (flag is False or k - last_true > 1):
            runs.append((start, last_true + 1))
            start = None
    return runs


def _grid(view: _View, rows: list[int], page: int) -> Grid | None:
    used = [c for c in view.cols if any(
        view.text_of(view.owner_of(r, c)) or view.sheet.sides.get((r, c)) for r in rows)]
    if not used:
        return None
    cols = [c for c in view.cols if used[0] <= c <= used[-1]]
    row_index = {r: k for k, r in enumerate(rows)}
    col_index = {c: k for k, c in enumerate(cols)}
    cells: list[Cell] = []
    done: set[_Owner] = set()
    for r in rows:
        for c in cols:
            o = view.owner_of(r, c)
            if o in done:
                continue
            done.add(o)
            my_rows = [x for x in rows if o.r0 <= x <= o.r1]
            my_cols = [x for x in cols if o.c0 <= x <= o.c1]
            text, raw = cell_text(view.text_of(o))
            cells.append(Cell(
                row=row_index[my_rows[0]], col=col_index[my_cols[0]],
                row_span=len(my_rows), col_span=len(my_cols), page=page, text=text, raw=raw,
                line=o.r0, column=o.c0, location=view.sheet.ref(o.r0, o.c0),
            ))
    if not any(c.text for c in cells):
        return None
    cells.sort(key=lambda c: (c.row, c.col))
    return Grid(page=page, n_rows=len(rows), n_cols=len(cols), cells=cells)


def _line(view: _View, r: int, page: int, emitted: set[_Owner]) -> TextLine | None:
    parts: list[tuple[_Owner, str]] = []
    for o in view.owners_in_row(r):
        if o in emitted:
            continue
        text = cell_text(view.text_of(o))[0]
        if text:
            emitted.add(o)
            parts.append((o, text))
    if not parts:
        return None
    first = parts[0][0]
    return TextLine(page=page, text=" ".join(t for _, t in parts), line=r,
                    location=view.sheet.ref(first.r0, first.c0))


def sheet_page(sheet: Sheet, number: int) -> Page:
    """The sheet as a page: its ruled regions as grids, the text around them as lines."""
    areas = sheet.print_areas or [(1, 1, max(sheet.n_rows, 1), max(sheet.n_cols, 1))]
    page = Page(number=number, width=PAGE_W, height=PAGE_H)
    for area in areas:
        view = _View(sheet, area)
        flags = _table_rows(view)
        runs = _runs(flags)
        in_table = {k for a, b in runs for k in range(a, b)}
        emitted: set[_Owner] = set()
        for a, b in runs:
            grid = _grid(view, view.rows[a:b], number)
            if grid is not None:
                page.grids.append(grid)
                emitted.update(view.owner_of(r, c) for r in view.rows[a:b] for c in view.cols)
        for k, r in enumerate(view.rows):
            if k not in in_table:
                line = _line(view, r, number, emitted)
                if line is not None:
                    page.lines.append(line)
    return page
