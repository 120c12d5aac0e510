"""``.docx`` documents through python-docx: tables as grids, paragraphs as lines.

A table's merged cells are in its XML: ``w:gridSpan`` across grid columns, ``w:vMerge`` down
rows (``restart`` opens a merge, a bare ``vMerge`` continues the cell above), ``w:gridBefore``
for a row that starts further right. Each ``w:tc`` becomes one cell with those spans.

What people do with Word tables, read as what they mean:
- a table split over pages by hand (Word's split-table, or a page break between two tables
  that share their grid columns) is one table again: nothing but empty paragraphs and page
  breaks between them, the same grid columns; a label merged over the split is blank below it,
  as on a printed page, and normalize carries it forward;
- a nested table (a table inside a cell) is read as a table of its own after the one holding
  it; a one-cell table used as a frame around the form is unwrapped;
- text in content controls (``w:sdt``) and tracked insertions is text; deleted text, field
  codes and floating text boxes are not.

A Word document has no pages until it is printed, so everything is on page 1; a cell's
location is ``表格2 第5行第3列`` (table, row, grid column), a line's ``第12段`` (paragraph).
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from lxml import etree

from jixiao.errors import CorruptFile, InputError
from jixiao.extract.base import PageResult, ReadResult
from jixiao.extract.office.layout import PAGE_H, PAGE_W, cell_text
from jixiao.extract.office.options import OfficeOptions
from jixiao.extract.office.workbook import check_zip
from jixiao.grid import Cell, Grid, Page, TextLine

_P, _TBL, _TR, _TC, _SDT, _SDT_CONTENT = (qn(t) for t in ("w:p", "w:tbl", "w:tr", "w:tc", "w:sdt", "w:sdtContent"))
_T, _TAB, _BR, _CR = (qn(t) for t in ("w:t", "w:tab", "w:br", "w:cr"))
# text under these is not what the page shows: deleted runs, text boxes, alternate renderings
_NOT_SHOWN = {qn("w:del"), qn("w:moveFrom"), qn("w:txbxContent"),
              "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"}
# two tables are one table split by hand when their grid columns agree within this (twips)
_SAME_GRID_TWIPS = 30


def read_docx(path: Path, options: OfficeOptions) -> ReadResult:
    check_zip(path, options)
    try:
        document = docx.Document(str(path))
    except InputError:
        raise
    except (PackageNotFoundError, zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError,
            AttributeError, OSError, SyntaxError) as exc:  # lxml's XMLSyntaxError is a SyntaxError
        raise CorruptFile(path, f"damaged Word document ({type(exc).__name__}: {exc})") from None
    page = Page(number=1, width=PAGE_W, height=PAGE_H)
    _Reader(page).blocks(document.element.body)
    has = bool(page.grids or page.lines)
    return ReadResult(kind="document", pages=[PageResult(page, "text" if has else "blank",
                                                         "" if has else "an empty document")])


# ---------------------------------------------------------------- text


def _shown(el: etree._Element, stop: etree._Element) -> bool:
    for anc in el.iterancestors():
        if anc is stop:
            return True
        if anc.tag in _NOT_SHOWN:
            return False
    return True


def paragraph_text(p: etree._Element) -> str:
    """What a paragraph shows: its runs' text in order, tabs as tabs, line breaks as newlines."""
    out: list[str] = []
    for el in p.iter(_T, _TAB, _BR, _CR):
        if not _shown(el, p):
            continue
        if el.tag == _T:
            out.append(el.text or "")
        elif el.tag == _TAB:
            out.append("\t")
        elif el.tag == _BR and el.get(qn("w:type")) in ("page", "column"):
            continue
        else:
            out.append("\n")
    return "".join(out)


def _children(el: etree._Element) -> Iterator[etree._Element]:
    """Block children, with content controls (w:sdt) opened up."""
    for child in el:
        if child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _children(content)
        else:
            yield child


# ---------------------------------------------------------------- tables


@dataclass
class _Tc:
    row: int
    col: int
    col_span: int
    row_span: int
    text: str
    table: int
    file_row: int  # row within its own w:tbl, 1-based
    line: int
    nested: list[etree._Element] = field(default_factory=list)


def _grid_widths(tbl: etree._Element) -> list[int]:
    grid = tbl.find(qn("w:tblGrid"))
    if grid is None:
        return []
    return [int(g.get(qn("w:w"), "0") or 0) for g in grid.findall(qn("w:gridCol"))]


def _same_grid(a: list[int], b: list[int]) -> bool:
    return bool(a) and len(a) == len(b) and all(abs(x - y) <= _SAME_GRID_TWIPS for x, y in zip(a, b))


def _int_val(el: etree._Element | None, default: int) -> int:
    if el is None:
        return default
    try:
        return int(el.get(qn("w:val"), str(default)))
    except ValueError:
        return default


@dataclass
class _Table:
    """One grid being built from one or more w:tbl (a table split by hand)."""

    widths: list[int]
    cells: list[_Tc] = field(default_factory=list)
    n_rows: int = 0
    n_cols: int = 0
    # (row, col) slot -> the cell covering it, to extend vMerge continuations
    slots: dict[tuple[int, int], _Tc] = field(default_factory=dict)


class _Reader:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.line = 0  # running order of paragraphs and table rows: what sorts them
        self.tables = 0
        self.paragraphs = 0
        self.open: _Table | None = None  # the last table, while only empty paragraphs follow it

    def blocks(self, container: etree._Element) -> None:
        for child in _children(container):
            if child.tag == _P:
                self.paragraph(child)
            elif child.tag == _TBL:
                self.table(child)
        self.close()

    def paragraph(self, p: etree._Element) -> None:
        self.paragraphs += 1
        text = paragraph_text(p)
        parts = [" ".join(part.replace("\t", " ").split()) for part in text.split("\n")]
        parts = [t for t in parts if t]
        if not parts:
            return  # an empty paragraph (or a page break) keeps a split table open
        self.close()
        for part in parts:
            self.line += 1
            self.page.lines.append(TextLine(page=1, text=part, line=self.line, location=f"第{self.paragraphs}段"))

    def close(self) -> None:
        if self.open is not None:
            table, self.open = self.open, None
            self.emit(table)

    def table(self, tbl: etree._Element) -> None:
        rows = tbl.findall(_TR)
        first_cells = rows[0].findall(_TC) if len(rows) == 1 else []
        if len(rows) == 1 and len(first_cells) == 1 and _int_val(first_cells[0].find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}"), 1) == 1:
            self.close()
            self.blocks(first_cells[0])  # a one-cell frame around the form: its content is the form
            return
        widths = _grid_widths(tbl)
        if self.open is None or not _same_grid(self.open.widths, widths):
            self.close()
            self.open = _Table(widths=widths)
        self.tables += 1
        self.rows(self.open, tbl, self.tables)

    def rows(self, table: _Table, tbl: etree._Element, number: int) -> None:
        for file_row, tr in enumerate(tbl.findall(_TR), start=1):
            self.line += 1
            r = table.n_rows
            tr_pr = tr.find(qn("w:trPr"))
            col = _int_val(tr_pr.find(qn("w:gridBefore")) if tr_pr is not None else None, 0)
            for tc in tr.findall(_TC):
                tc_pr = tc.find(qn("w:tcPr"))
                span = max(_int_val(tc_pr.find(qn("w:gridSpan")) if tc_pr is not None else None, 1), 1)
                vmerge = tc_pr.find(qn("w:vMerge")) if tc_pr is not None else None
                above = table.slots.get((r - 1, col))
                if vmerge is not None and vmerge.get(qn("w:val"), "continue") == "continue" and above is not None \
                        and above.col == col and above.col_span == span:
                    above.row_span = r - above.row + 1
                    for c in range(col, col + span):
                        table.slots[(r, c)] = above
                else:
                    cell = self._cell(tc, r, col, span, number, file_row)
                    table.cells.append(cell)
                    for c in range(col, col + span):
                        table.slots[(r, c)] = cell
                col += span
            table.n_rows += 1
            table.n_cols = max(table.n_cols, col)

    def _cell(self, tc: etree._Element, r: int, col: int, span: int, number: int, file_row: int) -> _Tc:
        lines: list[str] = []
        nested: list[etree._Element] = []
        for child in _children(tc):
            if child.tag == _P:
                lines.append(paragraph_text(child).replace("\t", " "))
            elif child.tag == _TBL:
                nested.append(child)
        return _Tc(r, col, span, 1, "\n".join(lines), number, file_row, self.line, nested)

    def emit(self, table: _Table) -> None:
        cells: list[Cell] = []
        nested: list[etree._Element] = []
        for tc in table.cells:
            text, raw = cell_text(tc.text)
            cells.append(Cell(row=tc.row, col=tc.col, row_span=tc.row_span, col_span=tc.col_span, page=1,
                              text=text, raw=raw, line=tc.line, column=tc.col + 1,
                              location=f"表格{tc.table} 第{tc.file_row}行第{tc.col + 1}列"))
            nested.extend(tc.nested)
        cells.extend(_fill_gaps(table, cells))
        if any(c.text for c in cells):
            cells.sort(key=lambda c: (c.row, c.col))
            self.page.grids.append(Grid(page=1, n_rows=table.n_rows, n_cols=table.n_cols, cells=cells))
        for tbl in nested:
            self.table(tbl)
            self.close()


def _fill_gaps(table: _Table, cells: list[Cell]) -> list[Cell]:
    """Empty cells for grid slots no w:tc covers (rows shorter than the grid), so that every slot
    of the grid is some cell's, as on the PDF path."""
    out = []
    for r in range(table.n_rows):
        for c in range(table.n_cols):
            if (r, c) not in table.slots:
                line = next((x.line for x in cells if x.row == r), None)
                out.append(Cell(row=r, col=c, page=1, line=line, column=c + 1))
    return out
