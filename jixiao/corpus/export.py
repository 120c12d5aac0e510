"""Exports of the corpus: Parquet partitioned by year, one Excel workbook of every table, and the
auditor's workbook (findings with their review status, corrections and the review trail).

Every table holds the values as corrected (the forms table's ``record`` keeps the original
reading, and ``provenance.raw`` what was read), so a finding and the figures it quotes agree."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from jixiao.corpus.corrections import KIND_NAMES
from jixiao.corpus.reviews import STATUS_NAMES
from jixiao.corpus.store import Corpus, CorpusError
from jixiao.report.io import write_atomic

# per table, the query that gives its rows with the form's year for partitioning
EXPORTS = {
    "forms": "SELECT * EXCLUDE (record) FROM forms",
    "funds": "SELECT f.year, x.* FROM funds x JOIN forms f USING (form_id)",
    "indicators": "SELECT f.year, x.* FROM indicators x JOIN forms f USING (form_id)",
    "findings": "SELECT f.year, x.* FROM finding_reviews x JOIN forms f USING (form_id)",
    "provenance": "SELECT f.year, x.* FROM provenance x JOIN forms f USING (form_id)",
    "corrections": "SELECT f.year, x.* FROM corrections x JOIN forms f USING (form_id)",
    "reviews": "SELECT f.year, x.* FROM reviews x JOIN forms f USING (form_id)",
}
UNPARTITIONED = {"failures": "SELECT * FROM failures", "files": "SELECT * FROM files"}

SEVERITY_NAMES = {"error": "错误", "warning": "警告", "info": "提示"}
# the auditor's workbook: (sheet, column headings, query)
_FORM = "f.unit AS 单位, f.year AS 年度, f.path AS 文件, f.form_index + 1 AS 第几张表"
REVIEW_SHEETS: list[tuple[str, str]] = [
    ("发现", f"""SELECT {_FORM}, x.code AS 代码, x.severity AS 级别, x.target AS 对象, x.field AS 栏目,
                 x.reported AS 填报, x.expected AS 应为, x.message AS 说明, x.page AS 页,
                 x.corrected AS 依据已更正, x.low_confidence AS 低置信, x.status AS 审核状态,
                 x.reviewed_by AS 审核人, x.reviewed_at AS 审核时间, x.review_why AS 审核理由
                 FROM finding_reviews x JOIN forms f USING (form_id)
                 ORDER BY f.unit_sort NULLS LAST, f.year, f.form_id, x.seq"""),
    ("更正记录", f"""SELECT {_FORM}, c.correction_id AS 编号, c.kind AS 类别, c.field AS 字段,
                 c.old_value AS 原值, c.new_value AS 新值, c.who AS 更正人, c.made_at AS 时间, c.why AS 理由,
                 c.undone_by AS 撤销人, c.undone_at AS 撤销时间, c.undo_why AS 撤销理由
                 FROM corrections c JOIN forms f USING (form_id) ORDER BY c.correction_id"""),
    ("审核记录", f"""SELECT {_FORM}, r.review_id AS 编号, r.code AS 代码, r.target AS 对象, r.field AS 栏目,
                 r.status AS 审核状态, r.who AS 审核人, r.made_at AS 时间, r.why AS 理由
                 FROM reviews r JOIN forms f USING (form_id) ORDER BY r.review_id"""),
]
_WORDS = {"级别": SEVERITY_NAMES, "审核状态": STATUS_NAMES, "类别": KIND_NAMES}


def export_parquet(corpus: Corpus, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, sql in EXPORTS.items():
        target = out / name
        corpus.query(f"COPY ({sql}) TO '{_quote(target)}' (FORMAT PARQUET, PARTITION_BY (year), OVERWRITE_OR_IGNORE)")
        written.append(target)
    for name, sql in UNPARTITIONED.items():
        target = out / f"{name}.parquet"
        corpus.query(f"COPY ({sql}) TO '{_quote(target)}' (FORMAT PARQUET)")
        written.append(target)
    return written


def _quote(path: Path) -> str:
    if "'" in str(path):
        raise CorpusError(f"{path}: a path with a quote cannot be exported to")
    return str(path)


def export_xlsx(corpus: Corpus, out: Path) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for name, sql in {**EXPORTS, **UNPARTITIONED}.items():
        columns, rows = corpus.query(sql)
        ws = wb.create_sheet(name)
        ws.append(columns)
        for row in rows:
            ws.append([_cell(v) for v in row])
    write_atomic(out, _bytes(wb))


def review_workbook(corpus: Corpus) -> bytes:
    """The auditor's workbook: every finding with its status now, the corrections, the trail."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, sql in REVIEW_SHEETS:
        columns, rows = corpus.query(sql)
        ws = wb.create_sheet(name)
        ws.append(columns)
        for row in rows:
            ws.append([_word(c, v) for c, v in zip(columns, row)])
        _style(ws, columns)
    return _bytes(wb)


def _word(column: str, value: Any) -> object:
    """A code as the auditor reads it: 错误 for error, 不成立 for dismissed, 是 for true."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        return _WORDS.get(column, {}).get(value, value)
    return _cell(value)


def _style(ws: Worksheet, columns: list[str]) -> None:
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    wide = {"说明": 60, "文件": 30, "单位": 24, "理由": 30, "审核理由": 30, "撤销理由": 24, "对象": 20}
    for k, name in enumerate(columns, start=1):
        letter = ws.cell(1, k).column_letter
        ws.column_dimensions[letter].width = wide.get(name, 12)
        if name in ("说明", "理由", "审核理由"):
            for (cell,) in ws.iter_rows(min_row=2, min_col=k, max_col=k):
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value: Any) -> object:
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    return str(value)
