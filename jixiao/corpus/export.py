"""Exports of the corpus: Parquet partitioned by year, and one Excel workbook."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook

from jixiao.corpus.store import Corpus, CorpusError
from jixiao.report.io import write_atomic

# per table, the query that gives its rows with the form's year for partitioning
EXPORTS = {
    "forms": "SELECT * EXCLUDE (record) FROM forms",
    "funds": "SELECT f.year, x.* FROM funds x JOIN forms f USING (form_id)",
    "indicators": "SELECT f.year, x.* FROM indicators x JOIN forms f USING (form_id)",
    "findings": "SELECT f.year, x.* FROM findings x JOIN forms f USING (form_id)",
    "provenance": "SELECT f.year, x.* FROM provenance x JOIN forms f USING (form_id)",
    "corrections": "SELECT f.year, x.* FROM corrections x JOIN forms f USING (form_id)",
}
UNPARTITIONED = {"failures": "SELECT * FROM failures", "files": "SELECT * FROM files"}


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
    buf = io.BytesIO()
    wb.save(buf)
    write_atomic(out, buf.getvalue())


def _cell(value: object) -> object:
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    return str(value)
