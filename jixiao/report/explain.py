"""`jixiao explain`: every label as read, the canonical name chosen, its score and the runner-up."""

from __future__ import annotations

from rich.table import Table

from jixiao.record import FormRecord, LabelDecision
from jixiao.terminal import text


def _where(d: LabelDecision) -> str:
    if d.page is not None and d.box is not None:
        return f"p{d.page} ({d.box.x0:.0f},{d.box.y0:.0f})"
    if d.line is not None:
        return f"line {d.line}:{d.column or 1}"
    return "—"


def explain_table(rec: FormRecord, low_margin: float) -> Table:
    title = f"{rec.source.file} #{rec.source.index + 1}: {rec.unit or '?'} {rec.year or ''} {rec.title or ''}"
    table = Table(title=text(title), title_justify="left")  # what a form says is text, not markup
    for col in ("kind", "as read", "chosen", "score", "runner-up", "its score", "margin", "where"):
        table.add_column(col, no_wrap=col in ("score", "its score", "margin"))
    for d in rec.labels:
        style = "red" if d.canonical is None else ("yellow" if d.margin < low_margin else "")
        cells = (d.kind, d.raw, d.canonical or "(none)", f"{d.score:.0f}", d.runner_up or "—",
                 f"{d.runner_score:.0f}", f"{d.margin:.0f}", _where(d))
        table.add_row(*(text(c) for c in cells), style=style)
    return table
