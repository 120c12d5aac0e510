"""Printed values to numbers: OCR spacing, full-width forms, operators in signs and words."""

from __future__ import annotations

import pytest

from jixiao.normalize.values import (
    compose_quantity,
    decimals_of,
    parse_date,
    parse_grade,
    parse_number,
    parse_percent,
    parse_phone,
    parse_quantity,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [("738, 26", 738.26), ("738. 26", 738.26), ("2. 5", 2.5), ("99. 65", 99.65), ("１０", 10.0),
     ("1,234.56", 1234.56), ("738,26", 738.26), ("4.65", 4.65), ("10分", 10.0), ("O.5", 0.5),
     ("—", None), ("_", None), ("", None), ("无", None), ("1 0 0", 100.0), ("5个 6个", None)],
)
def test_parse_number(text: str, value: float | None) -> None:
    assert parse_number(text) == value


def test_percent_and_decimals() -> None:
    assert parse_percent("100%") == 100.0
    assert parse_percent("99.65 %") == 99.65
    assert parse_percent("0.9965") == pytest.approx(99.65)
    assert decimals_of("96.53%") == 2 and decimals_of("100%") == 0


@pytest.mark.parametrize(
    ("text", "op", "value", "unit"),
    [("≥5个", ">=", 5.0, "个"), ("1项", "=", 1.0, "项"), ("=5个", "=", 5.0, "个"),
     ("398.68万元", "=", 398.68, "万元"), ("95%以上", ">=", 95.0, "%"), ("不低于95%", ">=", 95.0, "%"),
     ("≤3个工作日", "<=", 3.0, "个工作日"), ("不超过10次", "<=", 10.0, "次"), ("100%", "=", 100.0, "%"),
     ("≤0起", "<=", 0.0, "起"), ("优秀", None, None, None), ("2024年12月31日前", None, None, None),
     ("按时保质完成", None, None, None), ("＞＝90％", ">=", 90.0, "%")],
)
def test_parse_quantity(text: str, op: str | None, value: float | None, unit: str | None) -> None:
    q = parse_quantity(text)
    assert q is not None and (q.op, q.value, q.unit) == (op, value, unit)


def test_compose_split_columns() -> None:
    q = compose_quantity("≥", "5", "个")
    assert q is not None and (q.text, q.op, q.value, q.unit) == ("≥5个", ">=", 5.0, "个")
    q = compose_quantity("定性", "优秀", "")
    assert q is not None and (q.text, q.op, q.value) == ("优秀", None, None)
    assert compose_quantity("=", "—", "个") is None


@pytest.mark.parametrize(
    ("text", "iso"),
    [("2025.2.20", "2025-02-20"), ("2025年2月20日", "2025-02-20"), ("2025-02-20", "2025-02-20"),
     ("填报日期：2025年3月1日", "2025-03-01"), ("2025.13.40", None)],
)
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


def test_phone_and_grade() -> None:
    assert parse_phone(")8548228927") == "08548228927"
    assert parse_phone("13561494208") == "13561494208"
    # a seal's arc read as a digit set apart after the number (forms-gen s406 a02)
    assert parse_phone("0855-8731748 1") == "08558731748"
    assert parse_phone("0855 8731748") == "08558731748"  # an area code set apart stays
    assert parse_grade("自评结论为优。实现服务质量最优的政务服务") == "优"
    assert parse_grade("为企业群众提供服务质量最优的政务服务") is None
    assert parse_grade("综合评定等级为“良”，得分85分") == "良"
    assert parse_grade("自评等级：中") == "中"
    # the colon lost under a seal's ring (held-out forms-gen s606 h23); prose about a 等级 is no grade
    assert parse_grade("综合评定等级优。预算执行总体较好") == "优"
    assert parse_grade("提升服务等级中的薄弱环节") is None
    assert parse_grade("安全等级良好率达到95%") is None


def test_radical_code_points_from_pdf_fonts_are_characters() -> None:
    from jixiao.text import clean

    # '部⻔' (U+2ED4), '⼈⺠' (Kangxi U+2F08, supplement U+2EA0), '门戶' (shared glyph)
    assert clean("部⻔ ⼈⺠ ⻓效 门戶") == "部门人民长效门户"
