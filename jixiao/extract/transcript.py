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

from jixiao.errors import CorruptFile, EmptyFile, TooLarge
from jixiao.extract.base import PageResult, ReadLimits, ReadResult
from jixiao.grid import Cell, Grid, Page, TextLine
from jixiao.text import clean

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
_PAGE_MARK = re.compile(r"^\s*(?:<!--\s*page\s*\d+\s*-->|-{2,}\s*(?:第\s*\d+\s*页|page\s*\d+)\s*-{2,})\s*$", re.IGNORECASE)
_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
# pages are nominal for transcripts; a size keeps Page valid without pretending to geometry
_PAGE_W, _PAGE_H = 595.0, 842.0


# ---------------------------------------------------------------- encodings

# a byte-order mark names its encoding (UTF-32's before UTF-16's, whose mark it starts with)
_BOMS = [(b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
         (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"), (b"\xef\xbb\xbf", "utf-8-sig")]
TRIED = "UTF-8, UTF-16, UTF-32 and GB18030"


def encodings_of(data: bytes) -> list[str]:
    """The encodings to try, most likely first: the one a byte-order mark names; else, where NUL
    bytes are common (no UTF-8 or GB18030 text holds them), UTF-32 or UTF-16 without a mark, by
    where the NULs fall; else UTF-8 and then GB18030, the two that Chinese OCR engines write."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return [encoding]
    head = data[: 4096 - 4096 % 4] if len(data) >= 4096 else data[: len(data) - len(data) % 4]
    nuls = head.count(0)
    if head and nuls * 20 >= len(head):
        n = len(head) // 4
        q = [head[k::4].count(0) for k in range(4)]  # BMP text in UTF-32 has two NULs a character
        if q[2] == n and q[3] == n and q[0] < n:
            return ["utf-32-le"]
        if q[0] == n and q[1] == n and q[3] < n:
            return ["utf-32-be"]
        return ["utf-16-le"] if q[1] + q[3] > q[0] + q[2] else ["utf-16-be"]
    return ["utf-8", "gb18030"]


def decode_text(data: bytes) -> tuple[str, str] | None:
    """The text and the encoding it was read in, or None if none of them reads it."""
    for encoding in encodings_of(data):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None


def decode(path: Path) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise EmptyFile(path, "empty transcript (no text)")
    decoded = decode_text(data)
    if decoded is None:
        tried = " or ".join(e.upper() for e in encodings_of(data))
        raise CorruptFile(path, f"a text file in an unknown encoding: not {tried} (jixiao reads {TRIED})")
    text = decoded[0].lstrip("\ufeff")
    if not text.strip("\x00 \t\r\n\f"):
        raise EmptyFile(path, "empty transcript (no text)")
    return text


class TableTooLarge(ValueError):
    """A transcript table past ``ReadLimits``' cells or slots, found before its grid is built."""


def _check_table(n_cells: int, slots: int, limits: ReadLimits) -> None:
    if n_cells > limits.max_table_cells:
        raise TableTooLarge(f"a table of {n_cells} cells, over the limit of {limits.max_table_cells}")
    if slots > limits.max_table_slots:
        raise TableTooLarge(f"a table whose merged cells span {slots} grid slots "
                            f"(rowspan × colspan), over the limit of {limits.max_table_slots}")


def read_transcript(path: Path, limits: ReadLimits | None = None) -> ReadResult:
    limits = limits or ReadLimits()
    text = decode(path)
    is_html = path.suffix.lower() in HTML_SUFFIXES or "<table" in text.lower()
    try:
        pages = read_html(text, limits) if is_html else read_text(text, limits)
    except TableTooLarge as exc:
        raise TooLarge(path, str(exc)) from exc
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

    limits: ReadLimits = field(default_factory=ReadLimits)
    cells: int = 0

    def page(self) -> Page:
        if not self.pages:  # not new_page(): its flush() would come back here for the page
            self._add_page()
        return self.pages[-1]

    def new_page(self) -> None:
        self.flush()
        self._add_page()

    def _add_page(self) -> None:
        self.pages.append(Page(number=len(self.pages) + 1, width=_PAGE_W, height=_PAGE_H))

    def add_row(self, lineno: int, fields: list[tuple[int, str]]) -> None:
        self.rows.append((lineno, fields))
        self.cells += len(fields)
        _check_table(self.cells, 0, self.limits)  # as the table grows: a huge one is refused early

    def flush(self) -> None:
        self.cells = 0
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


def read_text(text: str, limits: ReadLimits | None = None) -> list[Page]:
    acc = _TextPages(limits=limits or ReadLimits())
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
            acc.add_row(lineno, fields)
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


def read_html(text: str, limits: ReadLimits | None = None) -> list[Page]:
    limits = limits or ReadLimits()
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    parser._flush_loose()
    for _, rows in parser.tables:  # before any grid is filled: the slots are what takes time
        cells = [hc for row in rows for hc in row]
        _check_table(len(cells), sum(hc.rowspan * hc.colspan for hc in cells), limits)
    page = Page(number=1, width=_PAGE_W, height=_PAGE_H)
    page.grids = [_html_grid(rows, 1) for _, rows in parser.tables if rows]
    page.lines = [TextLine(page=1, text=t, line=n) for n, t in parser.lines]
    return [page]
