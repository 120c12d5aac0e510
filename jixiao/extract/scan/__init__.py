"""The scan path's pixels-to-structure half: page preparation, ruled lines, tables. No OCR.

``page_tables(image_rgb, dpi)`` is the entry point; the modules hold its steps as plain functions
on arrays (``prepare``, ``orient``, ``lines``) and the pixel <-> point conventions
(``transform``).
"""

from jixiao.extract.scan.lines import LineOptions, PageLines, find_lines
from jixiao.extract.scan.orient import OrientationCheck, OrientOptions
from jixiao.extract.scan.prepare import PreparedPage, PrepareOptions, prepare_page
from jixiao.extract.scan.structure import ScanOptions, ScanPage, page_tables
from jixiao.extract.scan.transform import PageTransform

__all__ = [
    "LineOptions",
    "OrientOptions",
    "OrientationCheck",
    "PageLines",
    "PageTransform",
    "PrepareOptions",
    "PreparedPage",
    "ScanOptions",
    "ScanPage",
    "find_lines",
    "page_tables",
    "prepare_page",
]
