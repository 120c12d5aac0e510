"""Transcripts: text an older OCR engine already produced (.txt, .md, .html) read into the same grid
model. Cells carry line and column in the file instead of boxes.

Plain text and markdown: a run of lines holding tabs (or markdown pipes) is one table, a line one
row, each tab-separated field one cell; a run of lines laid out in columns with spaces (a
layout-aware engine's plain text) is a table too, its columns found from where the fields start.
Any other line is loose text. HTML: <table> elements with their rowspan/colspan, so merged cells
come back as merged. A form feed or a page marker (``<!-- page 2 -->``, ``--- 第2页 ---``) starts
a new page.

Engines differ in what they leave in the text: HTML entities in a plain-text export (``&gt;=8处``)
are characters; a table line that only continues the cells above it (a wrapped name's last
line, with nothing else on it) is joined to the row it continues.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from jixiao.errors import CorruptFile, EmptyFile, TooLarge
from jixiao.extract.base import PageResult, ReadLimits, ReadResult
from jixiao.grid import Cell, Grid, Page, TextLine
from jixiao.text import clean, wrap_separator

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
_PAGE_MARK = re.compile(r"^\s*(?:<!--\s*page\s*\d+\s*-->|-{2,}\s*(?:第\s*\d+\s*页|page\s*\d+)\s*-{2,})\s*$", re.IGNORECASE)
_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_ENTITY = re.compile(r"&(?:#\d{2,6}|#x[0-9a-fA-F]{2,5}|[a-zA-Z]{2,8});")
# a layout-aware engine separates columns by runs of spaces: two or more (or one ideographic)
_SPACE_RUN = re.compile(r"(?: {2,}|\u3000+)")
_DIGIT = re.compile(r"\d")
_DASH = re.compile(r"^[-—–_一/]+$")
_BARE_VALUE = re.compile(r"^[-+]?\d[\d.,\s]*%?$")
# the last line of a wrapped name holds what did not fit: a few characters, rarely a whole line
CONTINUATION_MAX_CHARS = 16
# a laid-out table: at least this many fields on a line, and this many such lines in a row (or
# fewer with no colon in them: rows of cells, where 'key：value' text always has colons)
LAYOUT_MIN_FIELDS = 3
LAYOUT_MIN_LINES = 2
# a field that starts within this many display columns of a column's start is in that column
LAYOUT_COLUMN_SLACK = 2
# a line holding one field at the left margin stays in the table if it is this short (a row's
# label, 其他资金, with its values blank); a longer one is text after the table
LAYOUT_LONE_LABEL = 16
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


def unescape(text: str) -> str:
    """Character references left in a plain-text export are the characters they name."""
    return html.unescape(text) if _ENTITY.search(text) else text


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


Fields = list[tuple[int, str]]


def _width(text: str) -> int:
    """Display columns: a CJK or full-width character takes two in a laid-out text."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _layout_fields(line: str) -> list[tuple[int, int, str]]:
    """(display column, character column, text) of each field of a line laid out with spaces."""
    out, pos = [], 0
    for part in _SPACE_RUN.split(line):
        start = line.index(part, pos) if part else pos
        pos = start + len(part)
        if part.strip():
            lead = len(part) - len(part.lstrip())
            out.append((_width(line[: start + lead]), start + lead + 1, part.strip()))
    return out


def _is_layout_line(line: str) -> bool:
    return len(_layout_fields(line)) >= LAYOUT_MIN_FIELDS


def _in_columns(line: str, block: list[tuple[int, str]]) -> bool:
    """Whether a line goes on with a laid-out table: its fields start where the table's columns
    do (a row, or an indented continuation); a line of text after the table ('联系人：…
    联系电话：…') starts its fields elsewhere."""
    starts = {d for _, ln in block for d, _, _ in _layout_fields(ln)}
    fields = _layout_fields(line)
    aligned = sum(any(abs(d - s) <= LAYOUT_COLUMN_SLACK for s in starts) for d, _, _ in fields)
    if len(fields) == 1:  # a continuation, or a row's label with nothing after it (其他资金)
        return aligned == 1 and (fields[0][0] > 0 or _width(fields[0][2]) <= LAYOUT_LONE_LABEL)
    return aligned >= len(fields) - (1 if len(fields) >= 4 else 0)


def _layout_rows(lines: list[tuple[int, str]]) -> list[tuple[int, Fields]]:
    """A laid-out table's lines as rows of fields, one field per column (empty where a line has
    nothing in a column): columns are where fields start, give or take a little."""
    parsed = [(n, _layout_fields(line)) for n, line in lines]
    starts = sorted({d for _, fs in parsed for d, _, _ in fs})
    columns: list[int] = []
    for d in starts:
        if not columns or d - columns[-1] > LAYOUT_COLUMN_SLACK:
            columns.append(d)
    rows = []
    for n, fs in parsed:
        row: list[tuple[int, str]] = [(0, "")] * len(columns)
        for d, c, text in fs:
            k = max(i for i, start in enumerate(columns) if start <= d + LAYOUT_COLUMN_SLACK)
            row[k] = (c, (row[k][1] + " " + text).strip() if row[k][1] else text)
        rows.append((n, [(c or 1, t) for c, t in row]))
    return rows


def _continues(prev: Fields, fields: Fields) -> bool:
    """A line that only carries on the cells above it: a wrapped name's last line (no number on
    it, under filled cells of a row of values), or a header's second line ('(A)' under 全年预算数)."""
    filled = [(i, clean(t)) for i, (_, t) in enumerate(fields) if clean(t)]
    if not filled or filled[0][0] == 0 or any(_DIGIT.search(t) for _, t in filled):
        return False
    if any(_DASH.match(t) for _, t in filled):
        return False  # a row of its own that says 'nothing here' (其他资金 | — | —)
    # each piece carries on a text cell above it: a number's cell is never continued in words
    # (the next block's header, '预期目标 | 实际完成情况', starts a line of its own)
    if any(i >= len(prev) or not clean(prev[i][1]) or _BARE_VALUE.match(clean(prev[i][1])) for i, _ in filled):
        return False
    if sum(bool(_BARE_VALUE.match(clean(t))) for _, t in prev) >= 2:  # a row of values
        return len(filled) <= 2 and all(len(t) <= CONTINUATION_MAX_CHARS for _, t in filled)
    return all(len(t) <= 4 for _, t in filled)


def _join(prev: Fields, fields: Fields) -> Fields:
    out = list(prev)
    for i, (_, t) in enumerate(fields):
        if clean(t):
            col, before = out[i]
            head, tail = clean(before), clean(t)
            out[i] = (col, before.rstrip() + wrap_separator(head[-1:], tail[:1]) + t.strip())
    return out


def _add_row(acc: _TextPages, lineno: int, fields: Fields) -> None:
    fields = [(c, unescape(t)) for c, t in fields]
    if acc.rows and _continues(acc.rows[-1][1], fields):
        acc.rows[-1] = (acc.rows[-1][0], _join(acc.rows[-1][1], fields))
    else:
        acc.add_row(lineno, fields)  # counted against the table limit as it grows


def read_text(text: str, limits: ReadLimits | None = None) -> list[Page]:
    acc = _TextPages(limits=limits or ReadLimits())
    lines = text.splitlines()
    layout: list[tuple[int, str]] = []  # lines of a table laid out with spaces, being gathered

    def end_layout() -> None:
        if not layout:
            return
        cells_only = not any(re.search(r"[:：]", ln) for _, ln in layout)
        if cells_only or len([1 for _, ln in layout if _is_layout_line(ln)]) >= LAYOUT_MIN_LINES:
            for n, fields in _layout_rows(layout):
                _add_row(acc, n, fields)
            acc.flush()
        else:
            for n, ln in layout:
                loose(n, ln)
        layout.clear()

    def loose(lineno: int, line: str) -> None:
        acc.flush()
        if clean(line):
            page = acc.page()
            page.lines.append(TextLine(page=page.number, text=clean(unescape(line)), line=lineno))

    for lineno, line in enumerate(lines, 1):
        if "\f" in line or _PAGE_MARK.match(line):
            end_layout()
            acc.new_page()
            line = line.replace("\f", "")
            if _PAGE_MARK.match(line):
                continue
        if _PIPE_SEPARATOR.match(line) and line.strip():
            continue
        fields = _fields(line)
        if fields is not None and any(clean(t) for _, t in fields):
            end_layout()
            _add_row(acc, lineno, fields)
            continue
        # a laid-out table goes on while its lines keep to its columns
        if layout and line.strip() and _in_columns(line, layout):
            layout.append((lineno, line))
            continue
        end_layout()
        if _is_layout_line(line):
            acc.flush()
            layout.append((lineno, line))
            continue
        loose(lineno, line)
    end_layout()
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
