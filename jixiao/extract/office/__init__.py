"""Office files, read by their own grid: no rendering, no OCR; merged cells are the spans.

- ``.xlsx`` with openpyxl (``workbook``), ``.xls`` / ``.et`` with xlrd (``biff``): each visible
  sheet a page, the ruled part a grid, the rest lines (``layout``), values as the number format
  shows them (``numfmt``), located as ``Sheet1!F14``;
- ``.docx`` with python-docx (``word``): tables as grids, paragraphs as lines;
- ``.doc`` / ``.wps`` / ``.rtf`` / ``.odt`` and ``.ods``: converted by LibreOffice headless to
  .docx or .xlsx (``convert``), then read as those.

``sniff.office_kind`` tells the formats apart by their bytes; ``read_office`` reads one.
"""

from __future__ import annotations

from pathlib import Path

from jixiao.errors import CorruptFile, InputError
from jixiao.extract.base import ReadResult
from jixiao.extract.office.biff import read_xls
from jixiao.extract.office.convert import ConversionTimeout, converted, soffice_path
from jixiao.extract.office.options import ConvertOptions, OfficeOptions
from jixiao.extract.office.sniff import OfficeKind, office_kind
from jixiao.extract.office.word import read_docx
from jixiao.extract.office.workbook import read_xlsx

# formats read by converting to a modern twin: target, and the suffix LibreOffice is given
_CONVERTED: dict[str, tuple[str, str]] = {
    "doc": ("docx", ".doc"),
    "rtf": ("docx", ".rtf"),
    "odt": ("docx", ".odt"),
    "ods": ("xlsx", ".ods"),
}


def read_office(path: Path, kind: OfficeKind, options: OfficeOptions | None = None) -> ReadResult:
    """Read an office file of a sniffed ``kind`` into pages of the grid model."""
    options = options or OfficeOptions()
    if kind == "xlsx":
        return read_xlsx(path, options)
    if kind == "docx":
        return read_docx(path, options)
    if kind == "xls":
        try:
            return read_xls(path, options)
        except CorruptFile:
            # a BIFF variant xlrd does not know (some WPS .et files): LibreOffice may still read it
            if soffice_path(options.convert) is None:
                raise
            return _read_converted(path, "xlsx", ".xls", options)
    target, suffix = _CONVERTED[kind]
    return _read_converted(path, target, suffix, options)


def _read_converted(path: Path, target: str, suffix: str, options: OfficeOptions) -> ReadResult:
    with converted(path, target, options.convert, suffix) as modern:
        try:
            return read_xlsx(modern, options) if target == "xlsx" else read_docx(modern, options)
        except InputError as exc:  # name the file the user gave, not the converted copy
            raise type(exc)(path, f"{exc.reason} (after conversion by LibreOffice)") from None


__all__ = [
    "ConversionTimeout",
    "ConvertOptions",
    "OfficeKind",
    "OfficeOptions",
    "office_kind",
    "read_office",
]
