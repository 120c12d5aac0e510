"""The corpus database: one transaction per file, so a killed run leaves only whole files behind."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Self

import duckdb

from jixiao.corpus.results import FileResult, FormResult
from jixiao.corpus.schema import FORM_TABLES, SCHEMA_VERSION, TABLES, VIEWS
from jixiao.corpus.units import unit_key
from jixiao.errors import JixiaoError
from jixiao.findings import Finding
from jixiao.record import FormRecord, Prov


class CorpusError(JixiaoError):
    """The database cannot be opened or written (locked, not a corpus, disk full)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Corpus:
    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = path
        if read_only and not path.exists():
            raise CorpusError(f"{path}: no such corpus (run `jixiao corpus ingest` first)")
        try:
            self.db = duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            raise CorpusError(f"{path}: cannot open the corpus ({exc})") from exc
        if not read_only:
            try:
                self._create()
            except duckdb.Error as exc:
                self.db.close()
                raise CorpusError(f"{path}: not a jixiao corpus, or it cannot be written ({exc})") from exc

    def _create(self) -> None:
        for ddl in TABLES + VIEWS:
            self.db.execute(ddl)
        self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ what is there

    def known(self) -> tuple[set[str], set[str]]:
        """sha256 of every stored file, and of every stored failure."""
        files = {r[0] for r in self.db.execute("SELECT sha256 FROM files").fetchall()}
        failed = {r[0] for r in self.db.execute("SELECT sha256 FROM failures").fetchall()}
        return files, failed

    # ------------------------------------------------------------ writing

    def store(self, result: FileResult, replace: bool = False) -> bool:
        """Write one file's forms (or its failure) in one transaction. False if already there."""
        try:
            self.db.execute("BEGIN TRANSACTION")
            wrote = self._store(result, replace)
            self.db.execute("COMMIT")
            return wrote
        except Exception as exc:
            self.db.execute("ROLLBACK")
            if isinstance(exc, duckdb.Error):
                raise CorpusError(f"{self.path}: could not store {result.path} ({exc})") from exc
            raise

    def _store(self, result: FileResult, replace: bool) -> bool:
        if result.error is not None:
            self.db.execute("DELETE FROM failures WHERE path = ? AND sha256 = ?", [result.path, result.sha256])
            self.db.execute("INSERT INTO failures (sha256, path, kind, reason, failed_at, error_type) "
                            "VALUES (?, ?, ?, ?, ?, ?)", [result.sha256, result.path, result.error.kind,
                                                          result.error.reason, _now(), result.error.error_type])
            return True
        exists = self.db.execute("SELECT 1 FROM files WHERE sha256 = ?", [result.sha256]).fetchone()
        if exists and not replace:
            return False
        self._delete_file(result.sha256)
        self.db.execute("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [result.sha256, result.path, result.size, result.kind, result.n_pages,
                         len(result.forms), round(result.seconds, 3), _now()])
        self.db.execute("DELETE FROM failures WHERE sha256 = ?", [result.sha256])
        self._many("INSERT INTO pages VALUES (?, ?, ?, ?)", [[result.sha256, *size] for size in result.page_sizes])
        for form in result.forms:
            self.write_form(result.sha256, result.path, form)
        return True

    def _delete_file(self, sha: str) -> None:
        ids = [r[0] for r in self.db.execute("SELECT form_id FROM forms WHERE sha256 = ?", [sha]).fetchall()]
        for table in FORM_TABLES:
            self._many(f"DELETE FROM {table} WHERE form_id = ?", [[i] for i in ids])
        self.db.execute("DELETE FROM forms WHERE sha256 = ?", [sha])
        self.db.execute("DELETE FROM pages WHERE sha256 = ?", [sha])
        self.db.execute("DELETE FROM files WHERE sha256 = ?", [sha])

    def write_form(self, sha: str, path: str, form: FormResult) -> None:
        rec = form.record
        form_id = form_id_of(sha, rec.source.index)
        counts = {s: sum(f.severity == s for f in form.findings) for s in ("error", "warning", "info")}
        self.db.execute(
            "INSERT INTO forms VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [form_id, sha, path, rec.source.index, rec.source.pages, rec.form_type, rec.title, rec.year,
             rec.unit, unit_key(rec.unit), rec.department, rec.project_name, rec.fill_date,
             rec.total.weight, rec.total.score, form.recomputed_total, rec.grade, form.recomputed_grade,
             counts["error"], counts["warning"], counts["info"], rec.conclusion, rec.contact.name,
             rec.contact.phone, rec.model_dump_json()],
        )
        self._children(form_id, rec)
        self.write_findings(form_id, form.findings)

    def _children(self, form_id: str, rec: FormRecord) -> None:
        self._many("INSERT INTO funds VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            [form_id, f.item, f.label, f.initial_budget, f.annual_budget, f.executed, f.weight,
             f.execution_rate, f.score] for f in rec.funds])
        self._many("INSERT INTO indicators VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            [form_id, i.id, i.parent, i.level1, i.level2, i.name, *_quantity(i.target), *_quantity(i.actual),
             i.weight, i.score, i.reason, i.is_subtotal] for i in rec.indicators])
        rows = [[form_id, field, *_prov_row(p)] for field, p in provenance_of(rec).items()]
        self._many("INSERT INTO provenance VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def write_findings(self, form_id: str, findings: list[Finding]) -> None:
        self.db.execute("DELETE FROM findings WHERE form_id = ?", [form_id])
        self._many("INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            [form_id, k, f.code, f.severity, f.target, f.field, _text(f.reported), _text(f.expected), f.rule,
             f.message, f.location.page, *(f.location.box.rounded(2) if f.location.box else [None] * 4),
             f.location.line, f.low_confidence, f.indicator_id] for k, f in enumerate(findings)])

    def _many(self, sql: str, rows: list[list[Any]]) -> None:
        if rows:  # duckdb refuses an empty parameter list
            self.db.executemany(sql, rows)

    # ------------------------------------------------------------ reading

    def query(self, sql: str, params: list[Any] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        try:
            cur = self.db.execute(sql, params or [])
        except duckdb.Error as exc:
            raise CorpusError(f"query failed: {exc}") from exc
        columns = [d[0] for d in cur.description] if cur.description else []
        return columns, cur.fetchall()


def form_id_of(sha: str, index: int) -> str:
    return f"{sha[:16]}-{index}"


def _quantity(q: Any) -> list[Any]:
    return [q.text, q.op, q.value, q.unit] if q is not None else [None] * 4


def _text(value: object) -> str | None:
    return None if value is None else (json.dumps(value) if not isinstance(value, str) else value)


def _prov_row(p: Prov) -> list[Any]:
    box = p.box.rounded(2) if p.box else [None] * 4
    return [p.page, *box, p.raw, p.confidence, p.line, p.column]


def provenance_of(rec: FormRecord) -> dict[str, Prov]:
    """Every value's provenance under a dotted field name: funds.total.executed, indicators.I03.score."""
    out: dict[str, Prov] = {k: p for k, p in rec.prov.items()}
    for f in rec.funds:
        out.update({f"funds.{f.item}.{k}": p for k, p in f.prov.items()})
    for i in rec.indicators:
        out.update({f"indicators.{i.id}.{k}": p for k, p in i.prov.items()})
    out.update({f"total.{k}": p for k, p in rec.total.prov.items()})
    out.update({f"goals.{k}": p for k, p in rec.goals.prov.items()})
    out.update({f"contact.{k}": p for k, p in rec.contact.prov.items()})
    return out
