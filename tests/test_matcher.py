"""Labels to canonical names, whatever the wording or the OCR made of it."""

from __future__ import annotations

import pytest

from jixiao.normalize.lexicon import FUNDS_COLUMNS, FUNDS_ROWS, INDICATOR_COLUMNS, LEVEL1, LEVEL2
from jixiao.normalize.matcher import declared_weight, match


@pytest.mark.parametrize(
    ("text", "vocab", "canonical"),
    [("全年预算数(A)", FUNDS_COLUMNS, "annual_budget"), ("调整后预算数", FUNDS_COLUMNS, "annual_budget"),
     ("预算执行数", FUNDS_COLUMNS, "executed"), ("カ値", FUNDS_COLUMNS, "weight"), ("权重", FUNDS_COLUMNS, "weight"),
     ("偏差原因分析及改进措施", INDICATOR_COLUMNS, "reason"), ("完成值", INDICATOR_COLUMNS, "actual"),
     ("年度指标值（A）", INDICATOR_COLUMNS, "target"), ("其中：当年财政拨款", FUNDS_ROWS, "fiscal"),
     ("年度资金总额:", FUNDS_ROWS, "total"), ("财政专户管理资金", FUNDS_ROWS, "special_account"),
     ("效 益 指 标 (30分)", LEVEL1, "outcome"), ("可持续影响", LEVEL2, "sustainability"),
     ("社会效益", LEVEL2, "social"), ("服务对象满意度", LEVEL2, "service_satisfaction")],
)
def test_match(text: str, vocab: dict[str, tuple[str, ...]], canonical: str) -> None:
    assert match(text, vocab).canonical == canonical


def test_unrelated_text_is_not_a_label() -> None:
    assert match("黔南州人民政府政务服务中心", FUNDS_COLUMNS).canonical is None
    assert match("", LEVEL1).canonical is None


def test_declared_weight() -> None:
    assert declared_weight("产出指标(50分)") == 50
    assert declared_weight("效益指标（30分）") == 30
    assert declared_weight("满意度指标") is None


def test_header_that_ties_two_roles_takes_the_free_one() -> None:
    """'级指标' (一级指标 with the 一 lost) is as near 一级 as 三级指标; 三级指标 is printed too."""
    from jixiao.grid import Cell
    from jixiao.normalize.sections import header_cols
    from jixiao.normalize.table import Row

    texts = ["级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
    row = Row(0, 0, [Cell(row=0, col=i, page=1, text=t) for i, t in enumerate(texts)])
    assert [c.role for c in header_cols(row, INDICATOR_COLUMNS)] == [
        "level1", "level2", "name", "target", "actual", "weight", "score"]
    repeated = Row(0, 0, [Cell(row=0, col=i, page=1, text=t) for i, t in enumerate(["三级指标", "分值", "分值", "得分"])])
    assert [c.role for c in header_cols(repeated, INDICATOR_COLUMNS)] == ["name", "weight", "weight", "score"]
