"""The corpus database: one transaction per file, so a killed run leaves only whole files behind.

DuckDB lets one process write a database file, or any number of processes read it, never both.
So whatever must run beside others (the review server, `corpus query`, `audit --db`) opens the
corpus for as short as it can and waits a little for another's short write; a lock held for long
(an ingest) is named in one line: which process holds it."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

import duckdb

from jixiao.corpus.results import FileResult, FormResult
from jixiao.corpus.schema import FORM_TABLES, MIGRATIONS, SCHEMA_VERSION, TABLES, VIEWS
from jixiao.corpus.units import unit_key, unit_sort_key
from jixiao.errors import JixiaoError
from jixiao.findings import Finding
from jixiao.record import FormRecord, Prov


class CorpusError(JixiaoError):
    """The database cannot be opened or written (locked, not a corpus, disk full)."""


class CorpusLocked(CorpusError):
    """Another process holds the database file (for writing, or for reading when we would write)."""

    def __init__(self, path: Path, pid: int | None, program: str | None, waited: float) -> None:
        self.path, self.pid, self.program = path, pid, program
        holder = f"process {pid}" + (f" ({program})" if program else "") if pid else "another process"
        super().__init__(
            f"{path}: the corpus is in use by {holder}, and DuckDB lets one process write a corpus "
            f"or several read it, not both (waited {waited:g} s); try again when it has finished")


_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def utc_now() -> dt.datetime:
    """When a row is written: UTC, naive (DuckDB's TIMESTAMP has no zone)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _command_line(pid: int) -> str | None:
    """What the holding process runs, as `ps` would show it (Linux), to name it in the message."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    words = [w.decode("utf-8", "replace") for w in raw.split(b"\0") if w]
    if len(words) >= 3 and words[1] == "-m":  # python -m jixiao.cli corpus ingest …
        words = words[2:]
    elif len(words) >= 2 and Path(words[0]).name.startswith("python"):
        words = words[1:]
    text = " ".join([Path(words[0]).name, *words[1:]]) if words else ""
    return text[:120] or None


def _connect(path: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    """A connection, retrying while another process holds the file for a short write."""
    deadline = time.monotonic() + wait
    pause = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            holder = _LOCK_HOLDER.search(str(exc))
            if holder is None:
                raise CorpusError(f"{path}: cannot open the corpus ({exc})") from exc
            if time.monotonic() + pause > deadline:
                pid = int(holder["pid"])
                raise CorpusLocked(path, pid, _command_line(pid) or holder["program"], wait) from exc
        except duckdb.Error as exc:
            raise CorpusError(f"{path}: cannot open the corpus ({exc})") from exc
        time.sleep(pause)  # the holder's write takes well under a second; back off to 0.4 s
        pause = min(pause * 2, 0.4)


class Corpus:
    """``wait``: seconds to keep trying while another process holds the file (0: fail at once)."""

    def __init__(self, path: Path, read_only: bool = False, wait: float = 0.0) -> None:
        self.path = path
        self.read_only = read_only
        if read_only and not path.exists():
            raise CorpusError(f"{path}: no such corpus (run `jixiao corpus ingest` first)")
        self.db = _connect(path, read_only, wait)
        if read_only and 0 < _stored_version(self.db) < SCHEMA_VERSION:
            self.db.close()  # a corpus made by an older jixiao: brought up to date, then read
            Corpus(path, wait=wait).close()
            self.db = _connect(path, read_only, wait)
        if not read_only:
            try:
                self._create()
            except duckdb.Error as exc:
                self.db.close()
                raise CorpusError(f"{path}: not a jixiao corpus, or it cannot be written ({exc})") from exc

    def _create(self) -> None:
        if _stored_version(self.db) == SCHEMA_VERSION:
            return  # nothing to write: a short write (a correction) opens and closes quickly
        with self.transaction():
            for ddl in TABLES:
                self.db.execute(ddl)
            for ddl in MIGRATIONS:
                self.db.execute(ddl)
            for ddl in VIEWS:
                self.db.execute(ddl)
            self._backfill_unit_sort()
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])

    def _backfill_unit_sort(self) -> None:
        rows = self.db.execute("SELECT form_id, unit FROM forms WHERE unit_sort IS NULL AND unit IS NOT NULL").fetchall()
        self._many("UPDATE forms SET unit_sort = ? WHERE form_id = ?", [[unit_sort_key(u), i] for i, u in rows])

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction: committed when the block ends, rolled back when it raises."""
        self.db.execute("BEGIN TRANSACTION")
        try:
            yield
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

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

    def store(self, result: FileResult, replace: bool = False,
              corrected: Callable[[str], object] | None = None) -> bool:
        """Write one file's forms (or its failure) in one transaction. False if already there.
        ``corrected(form_id)``, for a file read again (``replace``), re-applies a person's
        corrections to a form that has some, in the same transaction: the new reading replaces
        the old one under them, never the corrections themselves."""
        try:
            with self.transaction():
                wrote = self._store(result, replace)
                if wrote and replace and corrected is not None and result.error is None:
                    for form_id in self._corrected_forms(result.sha256):
                        corrected(form_id)
            return wrote
        except duckdb.Error as exc:
            raise CorpusError(f"{self.path}: could not store {result.path} ({exc})") from exc

    def _store(self, result: FileResult, replace: bool) -> bool:
        if result.error is not None:
            self.db.execute("DELETE FROM failures WHERE path = ? AND sha256 = ?", [result.path, result.sha256])
            self.db.execute("INSERT INTO failures (sha256, path, kind, reason, failed_at, error_type) "
                            "VALUES (?, ?, ?, ?, ?, ?)", [result.sha256, result.path, result.error.kind,
                                                          result.error.reason, utc_now(), result.error.error_type])
            return True
        exists = self.db.execute("SELECT 1 FROM files WHERE sha256 = ?", [result.sha256]).fetchone()
        if exists and not replace:
            return False
        self._delete_file(result.sha256)
        self.db.execute("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [result.sha256, result.path, result.size, result.kind, result.n_pages,
                         len(result.forms), round(result.seconds, 3), utc_now()])
        self.db.execute("DELETE FROM failures WHERE sha256 = ?", [result.sha256])
        self._many("INSERT INTO pages VALUES (?, ?, ?, ?)", [[result.sha256, *size] for size in result.page_sizes])
        for form in result.forms:
            self.write_form(result.sha256, result.path, form)
        return True

    def _corrected_forms(self, sha: str) -> list[str]:
        rows = self.db.execute("SELECT DISTINCT c.form_id FROM corrections c JOIN forms f USING (form_id) "
                               "WHERE f.sha256 = ? AND c.undone_at IS NULL ORDER BY 1", [sha]).fetchall()
        return [r[0] for r in rows]

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
        derived = _derived(rec, form)
        self.db.execute(
            "INSERT INTO forms (form_id, sha256, path, form_index, pages, record, "
            f"{', '.join(derived)}) VALUES (?, ?, ?, ?, ?, ?{', ?' * len(derived)})",
            [form_id, sha, path, rec.source.index, rec.source.pages, rec.model_dump_json(), *derived.values()],
        )
        self._children(form_id, rec)
        self.write_findings(form_id, form.findings)

    def rewrite_form(self, form_id: str, form: FormResult) -> None:
        """The form's rows as a correction left them: every column and table but the original
        reading (forms.record), which is never overwritten. Call inside a transaction."""
        derived = _derived(form.record, form)
        self.db.execute(f"UPDATE forms SET {', '.join(f'{c} = ?' for c in derived)} WHERE form_id = ?",
                        [*derived.values(), form_id])
        for table in ("funds", "indicators", "provenance"):
            self.db.execute(f"DELETE FROM {table} WHERE form_id = ?", [form_id])
        self._children(form_id, form.record)
        self.write_findings(form_id, form.findings)

    def _children(self, form_id: str, rec: FormRecord) -> None:
        self._many("INSERT INTO funds VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            [form_id, f.item, f.label, f.initial_budget, f.annual_budget, f.executed, f.weight,
             f.execution_rate, f.score] for f in rec.funds])
        self._many("INSERT INTO indicators VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            [form_id, i.id, i.parent, i.level1, i.level2, i.name, *_quantity(i.target), *_quantity(i.actual),
             i.weight, i.score, i.reason, i.is_subtotal] for i in rec.indicators])
        rows = [[form_id, field, *_prov_row(p)] for field, p in provenance_of(rec).items()]
        self._many("INSERT INTO provenance VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def write_findings(self, form_id: str, findings: list[Finding]) -> None:
        self.db.execute("DELETE FROM findings WHERE form_id = ?", [form_id])
        self._many("INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            [form_id, k, f.code, f.severity, f.target, f.field, _text(f.reported), _text(f.expected), f.rule,
             f.message, f.location.page, *(f.location.box.rounded(2) if f.location.box else [None] * 4),
             f.location.line, f.low_confidence, f.indicator_id, f.corrected, f.location.location]
            for k, f in enumerate(findings)])

    def _many(self, sql: str, rows: list[list[Any]]) -> None:
        """The rows in as few statements as possible: duckdb's ``executemany`` binds and runs the
        statement once a row, ~1 ms each, and a scanned form's ~150 rows of values and provenance
        made the ingest's parent spend 0.11 s a form storing, on the cores its workers read with.
        One ``INSERT … VALUES (…), (…)`` of up to ``_ROWS_A_STATEMENT`` rows does the same work."""
        if not rows:
            return  # duckdb refuses an empty parameter list
        head, values, one = sql.partition("VALUES")
        if not values or not head.lstrip().upper().startswith("INSERT"):
            self.db.executemany(sql, rows)  # an UPDATE or DELETE a row at a time
            return
        for start in range(0, len(rows), _ROWS_A_STATEMENT):
            chunk = rows[start:start + _ROWS_A_STATEMENT]
            self.db.execute(f"{head}VALUES {', '.join([one.strip()] * len(chunk))}", [v for row in chunk for v in row])

    # ------------------------------------------------------------ reading

    def query(self, sql: str, params: list[Any] | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        try:
            cur = self.db.execute(sql, params or [])
        except duckdb.Error as exc:
            raise CorpusError(f"query failed: {exc}") from exc
        columns = [d[0] for d in cur.description] if cur.description else []
        return columns, cur.fetchall()


_ROWS_A_STATEMENT = 200


def _stored_version(con: duckdb.DuckDBPyConnection) -> int:
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except duckdb.CatalogException:
        return 0  # a new file, or not a corpus
    return int(row[0]) if row else 0


def _derived(rec: FormRecord, form: FormResult) -> dict[str, Any]:
    """The forms columns read off the record and its audit (all but keys and the original record)."""
    counts = {s: sum(f.severity == s for f in form.findings) for s in ("error", "warning", "info")}
    return {
        "form_type": rec.form_type, "title": rec.title, "year": rec.year, "unit": rec.unit,
        "unit_key": unit_key(rec.unit), "department": rec.department, "project_name": rec.project_name,
        "fill_date": rec.fill_date, "total_weight": rec.total.weight, "total_score": rec.total.score,
        "recomputed_total": form.recomputed_total, "grade": rec.grade, "recomputed_grade": form.recomputed_grade,
        "n_errors": counts["error"], "n_warnings": counts["warning"], "n_infos": counts["info"],
        "conclusion": rec.conclusion, "contact_name": rec.contact.name, "contact_phone": rec.contact.phone,
        "unit_sort": unit_sort_key(rec.unit),
    }


def form_id_of(sha: str, index: int) -> str:
    return f"{sha[:16]}-{index}"


def _quantity(q: Any) -> list[Any]:
    return [q.text, q.op, q.value, q.unit] if q is not None else [None] * 4


def _text(value: object) -> str | None:
    return None if value is None else (json.dumps(value) if not isinstance(value, str) else value)


def _prov_row(p: Prov) -> list[Any]:
    box = p.box.rounded(2) if p.box else [None] * 4
    return [p.page, *box, p.raw, p.confidence, p.line, p.column, p.corrected, p.location]


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
