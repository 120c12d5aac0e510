"""Findings as a spreadsheet: a sheet of forms and a sheet of findings, for filtering in Excel."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill

from jixiao.pipeline import FileOutcome
from jixiao.report.html import CODE_NAMES, FORM_TYPES, SEVERITY_NAMES
from jixiao.report.io import write_atomic

_FILL = {"error": "F5B7B1", "warning": "FCF3CF", "info": "E5E8E8"}
FORM_COLUMNS = ["文件", "序号", "页码", "表类型", "单位", "项目", "年度", "填报日期", "总分(填报)",
                "总分(重算)", "等级(自评)", "等级(重算)", "错误", "警告", "提示"]
FINDING_COLUMNS = ["文件", "序号", "严重程度", "代码", "类别", "对象", "字段", "填报值", "应为",
                   "规则", "说明", "页或单元格", "左", "上", "右", "下", "置信度低"]


def _append(ws, values: list[object]) -> None:  # type: ignore[no-untyped-def]
    """A row of data: control characters (a NUL from a damaged file's text, an escape in a file
    name), which a worksheet cannot hold, written as escapes instead of failing the report."""
    ws.append([ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", v) if isinstance(v, str) else v
               for v in values])


def _header(ws, columns: list[str]) -> None:  # type: ignore[no-untyped-def]
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"


def _forms_sheet(wb: Workbook, outcomes: list[FileOutcome]) -> None:
    ws = wb.active
    ws.title = "表单"
    _header(ws, FORM_COLUMNS)
    for o in outcomes:
        for r in o.results:
            rec = r.record
            _append(ws, [str(o.path), rec.source.index + 1, ",".join(map(str, rec.source.pages)),
                       FORM_TYPES.get(rec.form_type), rec.unit, rec.project_name, rec.year, rec.fill_date,
                       rec.total.score, r.recomputed_total, rec.grade, r.recomputed_grade,
                       r.count("error"), r.count("warning"), r.count("info")])


def _findings_sheet(wb: Workbook, outcomes: list[FileOutcome]) -> None:
    ws = wb.create_sheet("发现")
    _header(ws, FINDING_COLUMNS)
    for o in outcomes:
        for r in o.results:
            for f in r.findings:
                box = f.location.box
                _append(ws, [str(o.path), f.form.index + 1, SEVERITY_NAMES[f.severity], f.code,
                           CODE_NAMES.get(f.code), f.target, f.field, _cell(f.reported), _cell(f.expected),
                           f.rule, f.message, f.location.location or f.location.page or f.location.line,
                           *(box.rounded() if box else [None] * 4), "是" if f.low_confidence else ""])
                for cell in ws[ws.max_row][:4]:
                    cell.fill = PatternFill("solid", fgColor=_FILL[f.severity])


def _cell(value: object) -> object:
    return value if isinstance(value, (int, float, str)) or value is None else str(value)


def _failures_sheet(wb: Workbook, outcomes: list[FileOutcome]) -> None:
    failed = [o for o in outcomes if o.error is not None]
    if failed:
        ws = wb.create_sheet("无法读取")
        _header(ws, ["文件", "原因"])
        for o in failed:
            _append(ws, [str(o.path), o.error.reason if o.error else ""])


def write_xlsx(outcomes: list[FileOutcome], out: Path) -> None:
    wb = Workbook()
    _forms_sheet(wb, outcomes)
    _findings_sheet(wb, outcomes)
    _failures_sheet(wb, outcomes)
    buf = io.BytesIO()
    wb.save(buf)
    write_atomic(out, buf.getvalue())
