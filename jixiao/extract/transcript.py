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

from jixiao.errors import CorruptFile, EmptyFile
from jixiao.extract.base import PageResult, ReadResult
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
        acc.rows.append((lineno, fields))


def read_text(text: str) -> list[Page]:
    acc = _TextPages()
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


def read_html(text: str) -> list[Page]:
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    parser._flush_loose()
    page = Page(number=1, width=_PAGE_W, height=_PAGE_H)
    page.grids = [_html_grid(rows, 1) for _, rows in parser.tables if rows]
    page.lines = [TextLine(page=1, text=t, line=n) for n, t in parser.lines]
    return [page]
