"""Stage 3: recompute every checkable figure of a form record and report where it disagrees."""

from __future__ import annotations

from dataclasses import dataclass

from jixiao.family import family
from jixiao.findings import Finding
from jixiao.record import FormRecord
from jixiao.score.confidence import check_confidence
from jixiao.score.context import Audit
from jixiao.score.funds import check_funds
from jixiao.score.indicators import check_indicators
from jixiao.score.rules import RuleSet, load_rules, shipped_rules
from jixiao.score.totals import check_totals


@dataclass(frozen=True)
class AuditResult:
    record: FormRecord
    findings: list[Finding]
    recomputed_total: float | None
    recomputed_grade: str | None
    reported_sum: float | None = None

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


def rules_for(record: FormRecord, rules: RuleSet | None) -> RuleSet:
    """The rule set a form is audited under: the one asked for; else, where the default was left
    in place, the one its recognised template family names (budget-20 for a 20-point budget)."""
    chosen = rules or shipped_rules("default")
    fam = family(record.template.family) if record.template is not None else None
    if chosen.name == "default" and fam is not None and fam.rules != "default":
        return shipped_rules(fam.rules)
    return chosen


def audit(record: FormRecord, rules: RuleSet | None = None) -> AuditResult:
    a = Audit(record, rules_for(record, rules))
    check_funds(a)
    check_indicators(a)
    check_totals(a)
    check_confidence(a)
    total = round(sum(a.recomputed.values()), 4) if a.recomputed else None
    grade = a.rules.grade_for(total) if total is not None else None
    return AuditResult(record, a.findings, total, grade, a.reported_sum)


__all__ = ["AuditResult", "RuleSet", "audit", "load_rules"]
