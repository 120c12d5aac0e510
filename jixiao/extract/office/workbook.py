"""``.xlsx`` workbooks through openpyxl: each visible sheet as a page of the grid model.

openpyxl gives stored values, merged ranges, borders, number formats, hidden rows and columns and
the print area; ``numfmt`` turns a value and its format into the text the sheet shows, and
``layout`` turns the sheet into grids and lines. Values are the cached results Excel or WPS saved
with the file. A workbook written by a program that saved formulas without their results is
recalculated by LibreOffice first, where it is installed, so a computed 得分 is read as shown.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from jixiao.errors import CorruptFile, EncryptedFile, InputError, TooLarge
from jixiao.extract.base import PageResult, ReadResult
from jixiao.extract.office.layout import Sheet, sheet_page
from jixiao.extract.office.numfmt import ZH_BUILTIN_FORMATS, display, serial_to_datetime
from jixiao.extract.office.options import OfficeOptions

_SIDES = (("left", "l"), ("right", "r"), ("top", "t"), ("bottom", "b"))
_FORMULA_WITHOUT_VALUE = re.compile(rb"<c\b[^>]*>\s*<f\b(?:(?!</c>).)*?</c>", re.DOTALL)


def read_xlsx(path: Path, options: OfficeOptions, recalculated: bool = False) -> ReadResult:
    """Every visible worksheet of an .xlsx, in workbook order, one page each."""
    check_zip(path, options)
    wb = _load(path, data_only=True)
    try:
        if not recalculated and _uncomputed_formulas(path, wb):
            from jixiao.extract.office.convert import converted, soffice_path

            if soffice_path(options.convert) is not None:
                with converted(path, "xlsx", options.convert) as fresh:
                    return read_xlsx(fresh, options, recalculated=True)
        sheets = [ws for ws in wb.worksheets if isinstance(ws, Worksheet) and ws.sheet_state == "visible"]
        pages = []
        for number, ws in enumerate(sheets, start=1):
            page = sheet_page(_sheet(ws, wb, options), number)
            status = "text" if page.grids or page.lines else "blank"
            pages.append(PageResult(page, status, "" if page.grids or page.lines else "an empty sheet"))  # type: ignore[arg-type]
    finally:
        wb.close()
    return ReadResult(kind="spreadsheet", pages=pages)


def check_zip(path: Path, options: OfficeOptions) -> None:
    """Refuse a zip whose members would unpack past the limit (a zip bomb) before any parser
    inflates them."""
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(i.file_size for i in zf.infolist())
            if any(i.flag_bits & 0x1 for i in zf.infolist()):
                raise EncryptedFile(path, "encrypted zip members: the file needs a password to open")
    except zipfile.BadZipFile as exc:
        raise CorruptFile(path, f"damaged zip archive: {exc}") from None
    if total > options.max_unzipped_bytes:
        mb = total / 2**20
        raise TooLarge(path, f"unpacks to {mb:.0f} MB, over the limit of {options.max_unzipped_bytes // 2**20} MB")


def _load(path: Path, data_only: bool) -> Workbook:
    try:
        return load_workbook(path, data_only=data_only, read_only=False, keep_links=False, rich_text=False)
    except InputError:
        raise
    except (InvalidFileException, zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, TypeError,
            AttributeError, IndexError, OSError, SyntaxError) as exc:  # lxml's XMLSyntaxError is a SyntaxError
        raise CorruptFile(path, f"damaged workbook ({type(exc).__name__}: {exc})") from None


def _uncomputed_formulas(path: Path, wb: Workbook) -> bool:
    """Whether a visible cell holds a formula saved without its result."""
    try:
        with zipfile.ZipFile(path) as zf:
            xml = [zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise CorruptFile(path, f"damaged workbook ({type(exc).__name__}: {exc})") from None
    if not any(b"<v>" not in m.group(0) for data in xml for m in _FORMULA_WITHOUT_VALUE.finditer(data)):
        return False
    formulas = _load(path, data_only=False)
    try:
        for ws in formulas.worksheets:
            if not isinstance(ws, Worksheet) or ws.sheet_state != "visible":
                continue
            computed = wb[ws.title]
            hidden_rows, hidden_cols = _hidden(ws)
            for (r, c), cell in ws._cells.items():
                if (isinstance(cell.value, str) and cell.value.startswith("=") and r not in hidden_rows
                        and c not in hidden_cols and computed.cell(row=r, column=c).value is None):
                    return True
    finally:
        formulas.close()
    return False


def _hidden(ws: Worksheet) -> tuple[set[int], set[int]]:
    rows = {r for r, d in ws.row_dimensions.items() if d.hidden or d.height == 0}
    cols: set[int] = set()
    for d in ws.column_dimensions.values():
        if (d.hidden or d.width == 0) and d.min is not None and d.max is not None:
            cols.update(range(d.min, d.max + 1))
    return rows, cols


def _print_areas(ws: Worksheet) -> list[tuple[int, int, int, int]]:
    areas = []
    for part in (ws.print_area or "").split(","):
        ref = part.rsplit("!", 1)[-1].replace("$", "").strip()
        if not ref:
            continue
        try:
            c0, r0, c1, r1 = range_boundaries(ref)
        except ValueError:
            continue
        if None not in (c0, r0, c1, r1):
            areas.append((int(r0), int(c0), int(r1), int(c1)))  # type: ignore[arg-type]
    return areas


def _number_format(cell: Any) -> str:
    fmt = str(cell.number_format or "General")
    if fmt == "General":
        fmt = ZH_BUILTIN_FORMATS.get(int(cell._style.numFmtId), fmt)
    return fmt


def _value(cell: Any, fmt: str, date1904: bool) -> object:
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool) and fmt in ZH_BUILTIN_FORMATS.values():
        return serial_to_datetime(float(value), date1904)  # a CJK built-in date openpyxl left as a number
    return value


def _sheet(ws: Worksheet, wb: Workbook, options: OfficeOptions) -> Sheet:
    n_cells = len(ws._cells)
    if n_cells > options.max_cells:
        raise TooLarge(Path(wb.path or ""), f"sheet {ws.title!r} has {n_cells} cells, over the limit of {options.max_cells}")
    hidden_rows, hidden_cols = _hidden(ws)
    sheet = Sheet(name=ws.title, hidden_rows=hidden_rows, hidden_cols=hidden_cols,
                  print_areas=_print_areas(ws), n_rows=ws.max_row, n_cols=ws.max_column)
    date1904 = bool(getattr(wb, "epoch", None) and wb.epoch.year == 1904)
    for (r, c), cell in ws._cells.items():
        border = cell.border
        if border is not None:
            for attr, side in _SIDES:
                edge = getattr(border, attr, None)
                if edge is not None and edge.style:
                    sheet.rule(r, c, side)
        if isinstance(cell, MergedCell) or cell.value is None:
            continue
        fmt = _number_format(cell)
        text = display(_value(cell, fmt, date1904), fmt, date1904)
        if text.strip():
            sheet.texts[(r, c)] = text
    sheet.merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
    return sheet
