"""OCR engines for the scan path: RapidOCR (PP-OCRv6, onnxruntime) and Tesseract.

``get_engine(name, options)`` hands out one loaded engine per process and options; every engine
has ``read_page`` (whole page, boxes in pixels) and ``read_lines`` (recognition of many crops).
Importing this package registers both engines; their libraries load only when an engine is
built, so a missing one raises ``jixiao.errors.OcrUnavailable`` then, not at import.
"""

from jixiao.errors import OcrFailed
from jixiao.extract.ocr.base import (
    ENGINES,
    LineKind,
    OcrBox,
    OcrEngine,
    clear_engine_cache,
    engine_options,
    get_engine,
    to_pieces,
)
from jixiao.extract.ocr.prep import erase_lines, line_mask
from jixiao.extract.ocr.rapid import RapidOcrEngine, RapidOptions, convert_rapid
from jixiao.extract.ocr.tess import (
    TesseractEngine,
    TesseractOptions,
    convert_tess_data,
    convert_tess_lines,
)

__all__ = [
    "ENGINES",
    "LineKind",
    "OcrBox",
    "OcrEngine",
    "OcrFailed",
    "RapidOcrEngine",
    "RapidOptions",
    "TesseractEngine",
    "TesseractOptions",
    "clear_engine_cache",
    "convert_rapid",
    "convert_tess_data",
    "convert_tess_lines",
    "engine_options",
    "erase_lines",
    "get_engine",
    "line_mask",
    "to_pieces",
]
