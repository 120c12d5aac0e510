"""Provenance of a value: the cell or line it was read from."""

from __future__ import annotations

from jixiao.grid import Cell, TextLine
from jixiao.normalize.matcher import Match
from jixiao.record import Prov


def prov_of_cell(cell: Cell, raw: str | None = None, m: Match | None = None) -> Prov:
    return Prov(
        page=cell.page,
        box=cell.source_box or cell.box,
        raw=cell.raw or cell.text if raw is None else raw,
        confidence=cell.confidence,
        line=cell.line,
        column=cell.column,
        location=cell.location,
        match_score=m.score if m else None,
        match_margin=m.margin if m else None,
        doubt=cell.doubt,
        sealed=cell.sealed,
        clear=cell.clear,
        reread=cell.reread,
    )


def prov_of_line(line: TextLine, raw: str) -> Prov:
    return Prov(page=line.page, box=line.source_box or line.box, raw=raw, confidence=line.confidence,
                line=line.line, location=line.location)
