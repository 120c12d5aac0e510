"""The record of every label mapping made while reading a form (what `jixiao explain` prints)."""

from __future__ import annotations

from jixiao.grid import Cell
from jixiao.normalize.matcher import Match
from jixiao.record import LabelDecision
from jixiao.text import clean


class Decisions:
    def __init__(self) -> None:
        self.items: list[LabelDecision] = []
        self._seen: set[tuple[str, str, int | None, int | None]] = set()

    def add(self, kind: str, cell: Cell, m: Match) -> None:
        raw = clean(cell.text)
        key = (kind, raw, cell.page, cell.line)
        if not raw or key in self._seen:
            return
        self._seen.add(key)
        self.items.append(LabelDecision(
            kind=kind, raw=raw, canonical=m.canonical, score=round(m.score, 1),
            runner_up=m.runner_up, runner_score=round(m.runner_score, 1),
            page=cell.page, box=cell.source_box or cell.box, line=cell.line, column=cell.column,
        ))
