"""Small ruled-table PDFs drawn with reportlab for the extract tests.

The table is given as column widths, row heights, texts and spans; it is drawn cell by cell so
that a test can choose how the rulings are drawn (lines, thin filled rectangles, stroked cell
rectangles), which is where real PDFs differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FONT = "wqy"
PAGE_W, PAGE_H = 595.0, 842.0
Rulings = Literal["lines", "thin_rects", "cell_rects"]


def register_font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, FONT_PATH, subfontIndex=0))
    return FONT


@dataclass
class TableSpec:
    col_widths: list[float]
    row_heights: list[float]
    texts: dict[tuple[int, int], str] = field(default_factory=dict)
    # (row, col) of the top-left slot -> (row_span, col_span)
    spans: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    left: float = 50.0
    top: float = 90.0
    font_size: float = 9.0

    def col_edges(self) -> list[float]:
        edges = [self.left]
        for w in self.col_widths:
            edges.append(edges[-1] + w)
        return edges

    def row_edges(self) -> list[float]:
        edges = [self.top]
        for h in self.row_heights:
            edges.append(edges[-1] + h)
        return edges

    def cells(self) -> list[tuple[int, int, int, int]]:
        """(row, col, row_span, col_span) of every cell, row-major."""
        covered: set[tuple[int, int]] = set()
        out = []
        for r in range(len(self.row_heights)):
            for c in range(len(self.col_widths)):
                if (r, c) in covered:
                    continue
                rs, cs = self.spans.get((r, c), (1, 1))
                covered |= {(r + i, c + k) for i in range(rs) for k in range(cs)}
                out.append((r, c, rs, cs))
        return out


def _draw_side(
    canvas: Canvas, x0: float, y0: float, x1: float, y1: float, rulings: Rulings
) -> None:
    """One side of a cell in top-left coordinates."""
    if rulings == "thin_rects":
        t = 0.6  # many exporters (Excel among them) draw rulings as thin filled rectangles
        if y0 == y1:
            canvas.rect(x0, PAGE_H - y0 - t / 2, x1 - x0, t, stroke=0, fill=1)
        else:
            canvas.rect(x0 - t / 2, PAGE_H - y1, t, y1 - y0, stroke=0, fill=1)
    else:
        canvas.line(x0, PAGE_H - y0, x1, PAGE_H - y1)


def _draw_text(canvas: Canvas, text: str, x0: float, y0: float, width: float, size: float) -> None:
    style = ParagraphStyle(
        "cell", fontName=register_font(), fontSize=size, leading=size * 1.25, wordWrap="CJK"
    )
    para = Paragraph(text, style)
    _, h = para.wrap(width - 4, 1000)
    para.drawOn(canvas, x0 + 2, PAGE_H - y0 - 2 - h)


def draw_table(canvas: Canvas, spec: TableSpec, rulings: Rulings = "lines") -> None:
    xs, ys = spec.col_edges(), spec.row_edges()
    canvas.setLineWidth(0.5)
    for r, c, rs, cs in spec.cells():
        x0, x1, y0, y1 = xs[c], xs[c + cs], ys[r], ys[r + rs]
        if rulings == "cell_rects":
            canvas.rect(x0, PAGE_H - y1, x1 - x0, y1 - y0, stroke=1, fill=0)
        else:
            for side in ((x0, y0, x1, y0), (x0, y1, x1, y1), (x0, y0, x0, y1), (x1, y0, x1, y1)):
                _draw_side(canvas, *side, rulings)
        if (r, c) in spec.texts:
            _draw_text(canvas, spec.texts[(r, c)], x0, y0, x1 - x0, spec.font_size)


def table_pdf(
    out: Path,
    specs: list[TableSpec],
    *,
    title: str | None = None,
    rulings: Rulings = "lines",
    pages: int = 1,
    encrypt: str | None = None,
) -> Path:
    """A PDF with the tables on each of ``pages`` pages, under an optional loose title."""
    canvas = Canvas(str(out), pagesize=(PAGE_W, PAGE_H), encrypt=encrypt)
    for _ in range(pages):
        if title:
            canvas.setFont(register_font(), 14)
            canvas.drawString(50, PAGE_H - 60, title)
        for spec in specs:
            draw_table(canvas, spec, rulings)
        canvas.showPage()
    canvas.save()
    return out


def big_form_spec() -> TableSpec:
    """30 rows x 8 columns with 25 merged cells and wrapped Chinese text: the size of a real
    部门整体支出绩效自评表 page, for timing."""
    spec = TableSpec(
        col_widths=[40, 50, 60, 130, 70, 60, 40, 45],
        row_heights=[22.0] * 30,
        top=80.0,
        left=30.0,
        font_size=7.5,
    )
    spans = {(0, 0): (2, 1), (0, 1): (1, 3), (2, 0): (10, 1), (12, 0): (10, 1), (22, 0): (8, 1)}
    for r in range(2, 29, 3):
        spans[(r, 1)] = (3, 1)  # 二级指标 labels over three rows each: 9 more
    for r in range(1, 30, 3):
        spans[(r, 6)] = (1, 2)  # 得分 + reason merged: 10 more
    spans[(29, 2)] = (1, 2)  # 25 in all
    spec.spans = spans
    for r, c, _, _ in spec.cells():
        spec.texts[(r, c)] = (
            "指标"
            if c < 3
            else (
                "对全州各县市政府政务服务中心的有关工作进行业务指导" if c == 3 else f"{r * 8 + c}.5"
            )
        )
    return spec
