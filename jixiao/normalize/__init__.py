"""Stage 2: a Document's grids and lines become form records in the canonical schema."""

from __future__ import annotations

from jixiao.grid import Document
from jixiao.normalize.assemble import build_record
from jixiao.normalize.confusion import fold_text
from jixiao.normalize.segment import split_forms
from jixiao.record import FormRecord


def normalize(doc: Document) -> list[FormRecord]:
    """Every form found in the document, in page order."""
    doc = repaired(doc)
    return [build_record(doc, form, i) for i, form in enumerate(split_forms(doc))]


def repaired(doc: Document) -> Document:
    """The document with characters no mainland form prints (traditional, kana, Cyrillic) folded in
    every cell and line; the raw text as read stays in ``raw`` for provenance."""
    doc = doc.model_copy(deep=True)
    for page in doc.pages:
        for grid in page.grids:
            for cell in grid.cells:
                cell.raw = cell.raw or cell.text
                cell.text = fold_text(cell.text)
        for line in page.lines:
            line.text = fold_text(line.text)
    return doc


__all__ = ["normalize"]
