"""``.xls`` (and WPS 表格 ``.et``, the same BIFF8 records) through xlrd with formatting_info=True,
which gives merged ranges, borders, number formats and hidden rows and columns; each visible
sheet becomes a page through ``layout``, as an .xlsx sheet does."""

from __future__ import annotations

import struct
from pathlib import Path

import xlrd
from xlrd.biffh import XLRDError
from xlrd.compdoc import CompDocError

from jixiao.errors import CorruptFile, EncryptedFile, TooLarge
from jixiao.extract.base import PageResult, ReadResult
from jixiao.extract.office.layout import Sheet, sheet_page
from jixiao.extract.office.numfmt import display, serial_to_datetime
from jixiao.extract.office.options import OfficeOptions

_SIDES = (("left_line_style", "l"), ("right_line_style", "r"), ("top_line_style", "t"),
          ("bottom_line_style", "b"))


class _Quiet:
    def write(self, _: str) -> int:
        return 0


def read_xls(path: Path, options: OfficeOptions) -> ReadResult:
    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True, logfile=_Quiet())
    except XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise EncryptedFile(path, "encrypted: the workbook needs a password to open") from None
        raise CorruptFile(path, f"damaged workbook ({exc})") from None
    except (CompDocError, AssertionError, IndexError, KeyError, ValueError, TypeError, UnicodeDecodeError,
            struct.error) as exc:
        raise CorruptFile(path, f"damaged workbook ({type(exc).__name__}: {exc})") from None
    try:
        pages: list[PageResult] = []
        areas = _print_areas(book)
        for index in range(book.nsheets):
            try:
                sh = book.sheet_by_index(index)
            except (XLRDError, AssertionError, IndexError, KeyError, ValueError, struct.error) as exc:
                raise CorruptFile(path, f"damaged sheet {index + 1} ({type(exc).__name__}: {exc})") from None
            if sh.visibility != 0:
                continue
            if sh.nrows * sh.ncols > options.max_cells:
                raise TooLarge(path, f"sheet {sh.name!r} has {sh.nrows * sh.ncols} cells, over the limit of {options.max_cells}")
            page = sheet_page(_sheet(book, sh, areas.get(index, [])), len(pages) + 1)
            has = bool(page.grids or page.lines)
            pages.append(PageResult(page, "text" if has else "blank", "" if has else "an empty sheet"))
    finally:
        book.release_resources()
    return ReadResult(kind="spreadsheet", pages=pages)


def _print_areas(book: xlrd.book.Book) -> dict[int, list[tuple[int, int, int, int]]]:
    """Sheet index -> its print areas as 1-based inclusive (row, col, row, col) ranges."""
    out: dict[int, list[tuple[int, int, int, int]]] = {}
    for name in book.name_obj_list:
        if name.name.lower() not in ("print_area", "_xlnm.print_area") or name.result is None:
            continue
        refs = name.result.value if isinstance(name.result.value, list) else []
        for ref in refs:
            try:
                sheet, _, rlo, rhi, clo, chi = ref.coords
            except (AttributeError, ValueError):
                continue
            area = (rlo + 1, clo + 1, rhi, chi)
            if area not in out.setdefault(sheet, []):
                out[sheet].append(area)
    return out


def _sheet(book: xlrd.book.Book, sh: xlrd.sheet.Sheet, areas: list[tuple[int, int, int, int]]) -> Sheet:
    sheet = Sheet(
        name=sh.name,
        hidden_rows={r + 1 for r, info in sh.rowinfo_map.items() if info.hidden},
        hidden_cols={c + 1 for c, info in sh.colinfo_map.items() if info.hidden},
        print_areas=areas,
        n_rows=sh.nrows,
        n_cols=sh.ncols,
        merges=[(rlo + 1, clo + 1, rhi, chi) for rlo, rhi, clo, chi in sh.merged_cells],
    )
    for r in range(sh.nrows):
        for c in range(sh.row_len(r)):
            xf = book.xf_list[sh.cell_xf_index(r, c)]
            for attr, side in _SIDES:
                if getattr(xf.border, attr, 0):
                    sheet.rule(r + 1, c + 1, side)
            text = _text(book, sh.cell(r, c), xf)
            if text.strip():
                sheet.texts[(r + 1, c + 1)] = text
    return sheet


def _text(book: xlrd.book.Book, cell: xlrd.sheet.Cell, xf: xlrd.formatting.XF) -> str:
    fmt = book.format_map.get(xf.format_key)
    fmt_str = fmt.format_str if fmt is not None else "General"
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    if cell.ctype == xlrd.XL_CELL_TEXT:
        return display(cell.value, fmt_str)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return display(bool(cell.value), fmt_str)
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERR")
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return display(serial_to_datetime(cell.value, book.datemode == 1), fmt_str)
        except OverflowError:
            return display(cell.value, "General")
    return display(cell.value, fmt_str, book.datemode == 1)
