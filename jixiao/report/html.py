"""The auditor's HTML report: one self-contained file, per form a summary then each finding with
its arithmetic and a crop of the page around the cell."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from jixiao.findings import Finding
from jixiao.pipeline import FileOutcome
from jixiao.report.crops import crop_data_uri
from jixiao.report.io import write_atomic
from jixiao.score import AuditResult
from jixiao.score.rules import RuleSet

FORM_TYPES = {"department_overall": "部门整体支出", "project": "项目支出", None: "未识别"}
CODE_NAMES = {
    "SCORE_EXCEEDS_WEIGHT": "得分超过分值", "SCORE_RULE_MISMATCH": "得分与计分规则不符",
    "EXECUTION_RATE_MISMATCH": "执行率计算有误", "SUBTOTAL_MISMATCH": "小计与明细不符",
    "TOTAL_MISMATCH": "总分合计有误", "WEIGHT_TOTAL_NOT_100": "分值合计不为100",
    "FUNDS_SUM_MISMATCH": "资金合计有误", "LEVEL1_WEIGHT_NONSTANDARD": "一级指标分值非标准",
    "GRADE_MISMATCH": "等级与总分不符", "MISSING_DEVIATION_REASON": "缺少偏差原因",
    "QUALITATIVE_TIER_MISMATCH": "定性指标得分档次不符", "LOW_CONFIDENCE": "识别置信度低",
}
SEVERITY_NAMES = {"error": "错误", "warning": "警告", "info": "提示"}


@dataclass
class FindingView:
    f: Finding
    name: str
    severity: str
    crop: str | None
    where: str


@dataclass
class FormView:
    result: AuditResult
    file: str
    findings: list[FindingView]
    form_type: str

    @property
    def errors(self) -> int:
        return self.result.count("error")

    @property
    def warnings(self) -> int:
        return self.result.count("warning")

    @property
    def infos(self) -> int:
        return self.result.count("info")


def _where(f: Finding) -> str:
    loc = f.location
    if loc.location is not None:
        return loc.location
    if loc.page is not None:
        return f"第 {loc.page} 页" + (f"，坐标 ({loc.box.x0:.0f}, {loc.box.y0:.0f})" if loc.box else "")
    if loc.line is not None:
        return f"第 {loc.line} 行" + (f"第 {loc.column} 列" if loc.column else "")
    return "—"


def _finding_view(path: Path, f: Finding, with_crops: bool) -> FindingView:
    crop = crop_data_uri(path, f.location.page, f.location.box) if with_crops else None
    return FindingView(f, CODE_NAMES.get(f.code, f.code), SEVERITY_NAMES[f.severity], crop, _where(f))


def _order(f: Finding) -> tuple[int, int]:
    return ({"error": 0, "warning": 1, "info": 2}[f.severity], f.location.page or 0)


def form_views(outcomes: list[FileOutcome], with_crops: bool = True) -> list[FormView]:
    views = []
    for outcome in outcomes:
        for result in outcome.results:
            findings = [_finding_view(outcome.path, f, with_crops) for f in sorted(result.findings, key=_order)]
            views.append(FormView(result, str(outcome.path), findings, FORM_TYPES.get(result.record.form_type, "未识别")))
    return views


def render_html(outcomes: list[FileOutcome], rules: RuleSet, with_crops: bool = True) -> str:
    env = Environment(loader=PackageLoader("jixiao.report", "templates"), autoescape=select_autoescape())
    env.filters["num"] = lambda x: "—" if x is None else (f"{x:.4f}".rstrip("0").rstrip(".") if isinstance(x, float) else x)
    template = env.get_template("report.html")
    return template.render(
        forms=form_views(outcomes, with_crops),
        failures=[o for o in outcomes if o.error is not None],
        rules=rules,
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        n_files=len(outcomes),
    )


def write_html(outcomes: list[FileOutcome], rules: RuleSet, out: Path) -> None:
    write_atomic(out, render_html(outcomes, rules).encode("utf-8"))
