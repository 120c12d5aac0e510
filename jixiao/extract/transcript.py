"""Transcripts: text an older OCR engine already produced (.txt, .md, .html) read into the same grid
model. Cells carry line and column in the file instead of boxes.

Plain text and markdown: a run of lines holding tabs (or markdown pipes) is one table, a line one
row, each tab-separated field one cell; any other line is loose text. HTML: <table> elements with
their rowspan/colspan, so merged cells come back as merged. A form feed or a page marker
(``<!-- page 2 -->``, ``--- 第2页 ---``) starts a new page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from jixiao.errors import CorruptFile, EmptyFile
from jixiao.extract.base import PageResult, ReadResult
from jixiao.grid import Cell, Grid, Page, TextLine
from jixiao.text import clean

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
_PAGE_MARK = re.compile(r"^\s*(?:<!--\s*page\s*\d+\s*-->|-{2,}\s*(?:第\s*\d+\s*页|page\s*\d+)\s*-{2,})\s*$", re.IGNORECASE)
_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
# pages are nominal for transcripts; a size keeps Page valid without pretending to geometry
_PAGE_W, _PAGE_H = 595.0, 842.0


def decode(path: Path) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise EmptyFile(path, "empty transcript (no text)")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CorruptFile(path, "a text file in an unknown encoding (neither UTF-8 nor GB18030)")


def read_transcript(path: Path) -> ReadResult:
    text = decode(path)
    is_html = path.suffix.lower() in HTML_SUFFIXES or "<table" in text.lower()
    pages = read_html(text) if is_html else read_text(text)
    return ReadResult(kind="transcript", pages=[PageResult(p, "text") for p in pages])


# ---------------------------------------------------------------- plain text and markdown


def _fields(line: str) -> list[tuple[int, str]] | None:
    """(column, text) of each field of a table line, or None for a line of loose text."""
    if "\t" in line:
        out, pos = [], 0
        for part in line.split("\t"):
            out.append((pos + 1, part))
            pos += len(part) + 1
        return out
    stripped = line.strip()
    if stripped.startswith("|") and stripped.endswith("|") and stripped.count("|") >= 3:
        start = line.index("|") + 1
        out, pos = [], start
        for part in stripped[1:-1].split("|"):
            out.append((pos + 1, part))
            pos += len(part) + 1
        return out
    return None


@dataclass
class _TextPages:
    pages: list[Page] = field(default_factory=list)
    rows: list[tuple[int, list[tuple[int, str]]]] = field(default_factory=list)

    def page(self) -> Page:
        if not self.pages:
            self.new_page()
        return self.pages[-1]

    def new_page(self) -> None:
        self.flush()
        self.pages.append(Page(number=len(self.pages) + 1, width=_PAGE_W, height=_PAGE_H))

    def flush(self) -> None:
        if self.rows:
            page = self.page()
            page.grids.append(_grid(self.rows, page.number))
            self.rows = []


def _grid(rows: list[tuple[int, list[tuple[int, str]]]], page: int) -> Grid:
    cells = [
        Cell(row=r, col=c, page=page, text=clean(raw), raw=raw, line=lineno, column=col)
        for r, (lineno, fields) in enumerate(rows)
        for c, (col, raw) in enumerate(fields)
    ]
    n_cols = max(len(f) for _, f in rows)
    return Grid(page=page, n_rows=len(rows), n_cols=n_cols, cells=cells)


def read_text(text: str) -> list[Page]:
    acc = _TextPages()
    for lineno, line in enumerate(text.splitlines(), 1):
        if "\f" in line or _PAGE_MARK.match(line):
            acc.new_page()
            line = line.replace("\f", "")
            if _PAGE_MARK.match(line):
                continue
        if _PIPE_SEPARATOR.match(line) and line.strip():
            continue
        fields = _fields(line)
        if fields is not None and any(clean(t) for _, t in fields):
            acc.rows.append((lineno, fields))
            continue
        acc.flush()
        if clean(line):
            page = acc.page()
            page.lines.append(TextLine(page=page.number, text=clean(line), line=lineno))
    acc.flush()
    return acc.pages or [Page(number=1, width=_PAGE_W, height=_PAGE_H)]


# ---------------------------------------------------------------- HTML


@dataclass
class _HtmlCell:
    text: list[str]
    rowspan: int
    colspan: int
    line: int
    column: int


class _TableParser(HTMLParser):
    """Collects tables (rows of cells with spans) and the text between them, with positions."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[int, list[list[_HtmlCell]]]] = []
        self.lines: list[tuple[int, str]] = []
        self._depth = 0
        self._rows: list[list[_HtmlCell]] = []
        self._cell: _HtmlCell | None = None
        self._loose: list[str] = []
        self._loose_line = 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, col = self.getpos()
        if tag == "table":
            self._flush_loose()
            self._depth += 1
            if self._depth == 1:
                self._rows = []
        elif tag == "tr" and self._depth == 1:
            self._rows.append([])
        elif tag in ("td", "th") and self._depth == 1 and self._rows:
            spans = {k: int(v) for k, v in attrs if k in ("rowspan", "colspan") and v and v.isdigit()}
            self._cell = _HtmlCell([], spans.get("rowspan", 1), spans.get("colspan", 1), line, col + 1)
            self._rows[-1].append(self._cell)
        elif tag in ("br", "p", "div", "h1", "h2", "h3", "li") and self._depth == 0:
            self._flush_loose()

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._depth:
            self._depth -= 1
            if self._depth == 0:
                self.tables.append((self.getpos()[0], self._rows))
        elif tag in ("td", "th"):
            self._cell = None
        elif tag in ("p", "div", "h1", "h2", "h3", "li") and self._depth == 0:
            self._flush_loose()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.text.append(data)
        elif self._depth == 0:
            if not self._loose:
                self._loose_line = self.getpos()[0]
            self._loose.append(data)

    def _flush_loose(self) -> None:
        for k, piece in enumerate("".join(self._loose).splitlines()):
            if clean(piece):
                self.lines.append((self._loose_line + k, clean(piece)))
        self._loose = []


def _html_grid(rows: list[list[_HtmlCell]], page: int) -> Grid:
    """Place cells on the grid the way browsers do: skip slots taken by earlier rowspans."""
    taken: set[tuple[int, int]] = set()
    cells: list[Cell] = []
    for r, row in enumerate(rows):
        c = 0
        for hc in row:
            while (r, c) in taken:
                c += 1
            for dr in range(hc.rowspan):
                for dc in range(hc.colspan):
                    taken.add((r + dr, c + dc))
            raw = "".join(hc.text)
            cells.append(Cell(row=r, col=c, row_span=hc.rowspan, col_span=hc.colspan, page=page,
                              text=clean(raw), raw=raw.strip(), line=hc.line, column=hc.column))
            c += hc.colspan
    n_rows = max((cell.row + cell.row_span for cell in cells), default=0)
    n_cols = max((cell.col + cell.col_span for cell in cells), default=0)
    return Grid(page=page, n_rows=n_rows, n_cols=n_cols, cells=cells)


def read_html(text: str) -> list[Page]:
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    parser._flush_loose()
    page = Page(number=1, width=_PAGE_W, height=_PAGE_H)
    page.grids = [_html_grid(rows, 1) for _, rows in parser.tables if rows]
    page.lines = [TextLine(page=1, text=t, line=n) for n, t in parser.lines]
    return [page]
