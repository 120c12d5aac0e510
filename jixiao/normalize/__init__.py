"""Stage 2: a Document's grids and lines become form records in the canonical schema."""

from __future__ import annotations

from jixiao.grid import Document
from jixiao.normalize.assemble import build_record
from jixiao.normalize.segment import split_forms
from jixiao.record import FormRecord


def normalize(doc: Document) -> list[FormRecord]:
    """Every form found in the document, in page order."""
    return [build_record(doc, form, i) for i, form in enumerate(split_forms(doc))]


__all__ = ["normalize"]
