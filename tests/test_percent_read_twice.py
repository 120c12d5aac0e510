"""A percent sign read twice on a 150 dpi page image: its lower ring read again as a digit after
it ('93.5%6', '≥95%6', clean cells read at 0.92-0.98 on dev forms-gen s490 and s493 h24). The
value did not parse, the row's rule score could not be checked, and a true SCORE_RULE_MISMATCH
was lost. No form prints a digit after a %: the number before it is whole."""

from __future__ import annotations

import pytest

from jixiao.grid import Box, Cell, Document, Grid, Page, SourceInfo
from jixiao.normalize import normalize
from jixiao.normalize.values import parse_percent, parse_quantity
from jixiao.score import audit


@pytest.mark.parametrize(
    ("text", "printed", "op", "value"),
    [("93.5%6", "93.5%", "=", 93.5), ("≥95%6", "≥95%", ">=", 95.0), ("74.4% 6", "74.4%", "=", 74.4),
     ("2.5%0", "2.5%", "=", 2.5), ("100%", "100%", "=", 100.0)],
)
def test_a_percent_with_its_ring_read_again_is_the_percent(text: str, printed: str, op: str, value: float) -> None:
    q = parse_quantity(text)
    assert q is not None and (q.text, q.op, q.value, q.unit) == (printed, op, value, "%")
    assert parse_percent(text) == value


def test_digits_after_a_percent_that_are_not_its_ring_are_not_dropped() -> None:
    """Only a lone ring-shaped digit at the end: '95%6项' or '5%12' are no percent read twice."""
    assert parse_quantity("95%6项").value is None  # type: ignore[union-attr]
    assert parse_percent("5%12") is None


def test_a_row_read_with_percents_read_twice_is_scored_by_its_rule() -> None:
    head = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
    row = ["效益指标", "社会效益", "辖区群众安全感", "≥95%6", "74.4%6", "10", "10"]
    cells = [Cell(row=r, col=c, page=1, text=t, raw=t, confidence=0.94 if "%6" in t else 1.0,
                  box=Box(x0=c * 60.0, y0=r * 20.0, x1=(c + 1) * 60.0, y1=(r + 1) * 20.0))
             for r, texts in enumerate([head, row]) for c, t in enumerate(texts)]
    doc = Document(source=SourceInfo(file="s.jpg", sha256="", kind="image", n_pages=1),
                   pages=[Page(number=1, width=800, height=800, grids=[Grid(page=1, n_rows=2, n_cols=7, cells=cells)])])
    rec = normalize(doc)[0]
    ind = rec.indicators[0]
    assert (ind.target and ind.target.value, ind.actual and ind.actual.value) == (95.0, 74.4)
    assert ind.prov["actual"].raw == "74.4%6"  # what was read stays
    assert [(f.code, f.severity) for f in audit(rec).findings if f.field == "score"] == [
        ("SCORE_RULE_MISMATCH", "error")]
