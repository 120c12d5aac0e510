"""`jixiao corpus …`: ingest archives into DuckDB, list failures, query, export."""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from jixiao.corpus.export import export_parquet, export_xlsx
from jixiao.corpus.ingest import DEFAULT_MEMORY_MB, IngestOptions, IngestSummary, ingest
from jixiao.corpus.results import FileResult
from jixiao.corpus.store import Corpus
from jixiao.corpus.units import unit_key
from jixiao.errors import JixiaoError
from jixiao.extract.base import ReadLimits
from jixiao.terminal import data_table, line, say_error, stderr, stdout, text

corpus_app = typer.Typer(help="Archive-scale corpus in DuckDB: ingest, failures, query, export.",
                         no_args_is_help=True)
Db = Annotated[Path, typer.Option("--db", help="The corpus database file (DuckDB).")]


def _err(message: str) -> None:
    say_error(message)


# how long a command that runs beside `jixiao review` waits for one of its short writes to end
SHARED_WAIT = 5.0


def _open(db: Path, read_only: bool = False, wait: float = 0.0) -> Corpus:
    try:
        return Corpus(db, read_only=read_only, wait=wait)
    except JixiaoError as exc:
        _err(str(exc))
        raise typer.Exit(2) from exc


class _Ticker:
    """Advances the progress bar per file and shows pages per second."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.start = time.perf_counter()
        self.pages = 0
        self.task = progress.add_task("ingest", total=0, rate="")

    def __call__(self, total: int) -> _Ticker:
        self.progress.update(self.task, total=total)
        return self

    def tick(self, result: FileResult) -> None:
        self.pages += result.n_pages
        rate = self.pages / max(time.perf_counter() - self.start, 1e-6)
        self.progress.update(self.task, advance=1, rate=f"{rate:.2f} pages/s")
        if result.error is not None:  # path and reason are data: printed as text, one line
            self.progress.console.print(line(("failed", "red"), " ", result.path, ": ", result.error.reason),
                                        soft_wrap=True)


def _summary(s: IngestSummary) -> Table:
    table = Table(title="corpus ingest")
    for col in ("files seen", "skipped (stored)", "stored", "failed", "forms", "pages", "seconds", "pages/s"):
        table.add_column(col, justify="right")
    table.add_row(str(s.seen), str(s.skipped), str(s.stored), str(s.failed), str(s.forms), str(s.pages),
                  f"{s.seconds:.1f}", f"{s.pages_per_second:.2f}")
    if s.interrupted:
        table.caption = f"interrupted: {s.not_read} file(s) not read; run again to go on"
    return table


@corpus_app.command("ingest")
def ingest_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files, folders (walked) and .zip archives.")],
    db: Db = Path("corpus.duckdb"),
    force: Annotated[bool, typer.Option(help="Re-read files already stored.")] = False,
    retry_failed: Annotated[bool, typer.Option(help="Re-try files that failed before.")] = False,
    workers: Annotated[int, typer.Option(min=0, help="Reading processes on this machine (0: read in this one, "
                                                     "unprotected from a file that kills it).")] = 1,
    dask: Annotated[str | None, typer.Option(help="Address of a Dask scheduler to send the work to.")] = None,
    rules: Annotated[str | None, typer.Option(help="Rule-set TOML file or shipped name.")] = None,
    ocr: Annotated[str, typer.Option(help="OCR engine for scans: rapidocr or tesseract.")] = "rapidocr",
    timeout: Annotated[float, typer.Option(min=0, help="Seconds a file may take per page before it is stopped "
                                                       "and recorded as failed (0: no limit).")]
        = ReadLimits().seconds_per_page,
    memory: Annotated[int, typer.Option(min=0, help="Address space per reading process, MB (0: no limit).")]
        = DEFAULT_MEMORY_MB,
) -> None:
    """Extract, audit and store every form under PATHS; files already stored are skipped."""
    if ocr not in ("rapidocr", "tesseract"):
        _err(f"--ocr {ocr}: choose rapidocr or tesseract")
        raise typer.Exit(2)
    options = IngestOptions(force=force, retry_failed=retry_failed, workers=workers, dask=dask, rules=rules, ocr=ocr,
                            seconds_per_page=timeout, memory_mb=memory or None)
    corpus = _open(db)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]}"), TimeRemainingColumn())
    try:
        with Progress(*columns, console=stderr(), transient=False) as progress:
            ticker = _Ticker(progress)
            summary = ingest(corpus, paths, options, lambda total: ticker(total).tick)
    except JixiaoError as exc:
        _err(str(exc))
        raise typer.Exit(2) from exc
    finally:
        corpus.close()
    stdout().print(_summary(summary))
    if summary.interrupted:
        raise typer.Exit(130)
    raise typer.Exit(1 if summary.failed else 0)


@corpus_app.command()
def failures(db: Db = Path("corpus.duckdb")) -> None:
    """List the files that could not be read, with the reason."""
    with _open(db, read_only=True) as corpus:
        columns, rows = corpus.query("SELECT path, kind, reason, error_type, failed_at FROM failures ORDER BY path")
    _print(columns, rows, as_csv=False)
    raise typer.Exit(1 if rows else 0)


@corpus_app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL over forms, funds, indicators, findings, provenance, "
                                            "failures and the views findings_per_unit_year, score_trends.")],
    db: Db = Path("corpus.duckdb"),
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout instead of a table.")] = False,
) -> None:
    """Run a read-only SQL query on the corpus."""
    with _open(db, read_only=True, wait=SHARED_WAIT) as corpus:
        try:
            columns, rows = corpus.query(sql)
        except JixiaoError as exc:
            _err(str(exc))
            raise typer.Exit(2) from exc
    _print(columns, rows, as_csv)


@corpus_app.command()
def export(
    db: Db = Path("corpus.duckdb"),
    parquet: Annotated[Path | None, typer.Option(help="Folder for Parquet files, partitioned by year.")] = None,
    xlsx: Annotated[Path | None, typer.Option(help="One Excel workbook, a sheet per table.")] = None,
) -> None:
    """Export the corpus as corrected (findings with their review status) to Parquet and/or Excel."""
    if parquet is None and xlsx is None:
        _err("say where: --parquet DIR and/or --xlsx FILE")
        raise typer.Exit(2)
    with _open(db, read_only=True, wait=SHARED_WAIT) as corpus:
        if parquet:
            export_parquet(corpus, parquet)
        if xlsx:
            export_xlsx(corpus, xlsx)
    stdout().print(text(f"exported {db} -> {', '.join(str(p) for p in (parquet, xlsx) if p)}"))


@corpus_app.command()
def alias(
    spelling: Annotated[str, typer.Argument(help="A unit name as some forms spell it.")],
    same_as: Annotated[str, typer.Argument(help="The unit name it should join.")],
    db: Db = Path("corpus.duckdb"),
) -> None:
    """Join two spellings of one unit in the views (findings per unit, score trends)."""
    with _open(db, wait=SHARED_WAIT) as corpus:
        corpus.query("INSERT OR REPLACE INTO unit_aliases VALUES (?, ?)", [unit_key(spelling), unit_key(same_as)])
    stdout().print(text(f"{spelling} -> {same_as}"))


def _print(columns: list[str], rows: list[tuple[object, ...]], as_csv: bool) -> None:
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
        return
    stdout().print(data_table(columns, rows))  # stored reasons and paths are text, never markup
