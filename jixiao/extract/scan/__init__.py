"""The scan path's pixels-to-structure half: page preparation, ruled lines, tables. No OCR.

Each step is a stage (``state.py``: ``(ScanState) -> ScanState``, run by ``run_stages``);
``page_tables(image_rgb, dpi)`` runs preparation and structure. The modules hold the steps as
plain functions on arrays (``prepare``, ``orient``, ``lines``), the pixel <-> point conventions
(``transform``), and the reading of cells (``cells``, ``read``, ``second``) that ``scanned.py``
appends to the list.
"""

from jixiao.extract.scan.lines import LineOptions, PageLines, find_lines
from jixiao.extract.scan.orient import OrientationCheck, OrientOptions
from jixiao.extract.scan.prepare import PrepareOptions, prepare_stages
from jixiao.extract.scan.state import ScanState, Stage, Timings, collect_timings, run_stages
from jixiao.extract.scan.structure import ScanOptions, page_tables, structure_stages
from jixiao.extract.scan.transform import PageTransform

__all__ = [
    "LineOptions",
    "OrientOptions",
    "OrientationCheck",
    "PageLines",
    "PageTransform",
    "PrepareOptions",
    "ScanOptions",
    "ScanState",
    "Stage",
    "Timings",
    "collect_timings",
    "find_lines",
    "page_tables",
    "prepare_stages",
    "run_stages",
    "structure_stages",
]
