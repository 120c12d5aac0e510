"""Extract stage: files in, the grid model (``jixiao.grid``) out.

``read_document`` sniffs the file and dispatches by kind; the text-layer PDF reader is
``pdf_text``; ``lattice`` and ``assign`` are the reader-independent geometry that the scan path
reuses.
"""

from jixiao.extract.base import NeedsOcr, PageResult, PageStatus, ReadLimits, ReadResult
from jixiao.extract.open import (
    ExtractResult,
    ReadOptions,
    extract_document,
    read_document,
    register_page_ocr,
    register_reader,
    sniff,
)

__all__ = [
    "ExtractResult",
    "NeedsOcr",
    "PageResult",
    "PageStatus",
    "ReadLimits",
    "ReadOptions",
    "ReadResult",
    "extract_document",
    "read_document",
    "register_page_ocr",
    "register_reader",
    "sniff",
]
