"""The jixiao command line: thin commands over the library. Library errors become one line here."""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from jixiao.cli_corpus import corpus_app
from jixiao.crashlog import internal_error
from jixiao.errors import JixiaoError
from jixiao.extract.base import ReadLimits
from jixiao.extract.pageset import group_pages
from jixiao.extract.scan.state import Timings, collect_timings
from jixiao.pipeline import FileOutcome, process_file, read_options
from jixiao.report.explain import explain_table
from jixiao.report.html import write_html
from jixiao.report.jsonout import write_findings, write_records
from jixiao.report.xlsx import write_xlsx
from jixiao.score.rules import RuleSet, load_rules, shipped_rule_sets
from jixiao.terminal import line, quiet_libraries, say_error, stderr, stdout, text


class Engine(str, Enum):
    rapidocr = "rapidocr"
    tesseract = "tesseract"


app = typer.Typer(
    help="jixiao（绩效）：读取、规范化并审核绩效自评表。Read, normalise and audit 绩效自评表.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class _Consoles:
    """Consoles made when first used, so that they see the terminal width of the call."""

    @property
    def out(self) -> Console:
        return stdout()

    @property
    def err(self) -> Console:
        return stderr()


_c = _Consoles()

app.add_typer(corpus_app, name="corpus")

Files = Annotated[list[Path], typer.Argument(help="PDF, image or transcript files of forms.")]
RulesOpt = Annotated[Path | None, typer.Option("--rules", help="Rule-set TOML file or shipped name.")]
OcrOpt = Annotated[Engine, typer.Option("--ocr", help="OCR engine for scans (the other breaks ties on numbers).")]
TimeoutOpt = Annotated[float, typer.Option(
    "--timeout", min=0, help="Seconds a file may take per page before it is stopped and reported (0: no limit).")]
WorkersOpt = Annotated[int, typer.Option(
    "--workers", min=0, help="Processes reading the files (one serves the whole batch; 0: read in this process, "
                             "where a file stuck in OCR's C code cannot be stopped at its time limit).")]
DEFAULT_TIMEOUT = ReadLimits().seconds_per_page
INTERRUPTED = 130  # the exit status of a command stopped by Ctrl-C, as shells report it


def _fail(message: str) -> None:
    say_error(message, _c.err)


def _rules(path: Path | None) -> RuleSet:
    try:
        return load_rules(path)
    except JixiaoError as exc:
        _fail(str(exc))
        raise typer.Exit(2) from exc


class _Run(list[FileOutcome]):
    """The outcomes of a batch, and whether Ctrl-C stopped it before the end."""

    interrupted: bool = False
    timings: Timings | None = None


def _run(files: list[Path], rules: Path | None, ocr: Engine = Engine.rapidocr,
         timeout: float = DEFAULT_TIMEOUT, workers: int = 1, timings: bool = False) -> _Run:
    """Every file in turn, each failure one line as it happens. Ctrl-C stops the batch: what was
    read is kept (and written by the caller), the rest is named in one line.

    The files are read in worker processes (``corpus.pool``, as ``corpus ingest`` reads them): a
    file past its time limit is killed there even inside OCR's C code, a crash takes only its
    file, and one worker serves the whole batch (models loaded once). ``workers=0`` reads here,
    with only the in-process alarm, which waits for a C call to return."""
    outcomes = _Run()
    paths = group_pages(files)
    rules_path = str(rules) if rules is not None else None
    try:
        if workers <= 0:
            options = read_options(ocr.value, seconds_per_page=timeout)
            rule_set = _rules(rules)
            with collect_timings() as stages:
                for path in paths:
                    outcomes.append(_said(process_file(path, rule_set, options)))
            outcomes.timings = stages
        else:
            _pooled(paths, rules_path, ocr, timeout, workers, timings, outcomes)
    except KeyboardInterrupt:
        outcomes.interrupted = True
        _fail(f"interrupted: {len(outcomes)} of {len(paths)} file(s) read, the rest not")
    return outcomes


def _said(outcome: FileOutcome) -> FileOutcome:
    if outcome.error is not None:
        _fail(f"{outcome.error.file}: {outcome.error.reason}")
    return outcome


def _pooled(paths: list[Path], rules: str | None, ocr: Engine, timeout: float, workers: int, timings: bool,
            run: _Run) -> None:
    """The files read by a pool of ``workers`` processes into ``run``, each as it comes in (so that
    Ctrl-C keeps what was read), put in the order given at the end."""
    from jixiao.corpus.pool import WorkerPool, WorkerSettings
    from jixiao.corpus.results import outcome_of
    from jixiao.corpus.work import Source

    settings = WorkerSettings(rules=rules, ocr=ocr.value, seconds_per_page=timeout, preload=False, timings=timings)
    pool = WorkerPool(workers, settings)
    placed: list[tuple[int, FileOutcome]] = []
    try:
        for key, result in pool.run_keyed([(Source(str(p)), "", 0) for p in paths]):
            placed.append((key, _said(outcome_of(result))))
            run.append(placed[-1][1])
    finally:
        run.timings = pool.timings
    run[:] = [o for _, o in sorted(placed, key=lambda pair: pair[0])]


def _exit_code(outcomes: list[FileOutcome]) -> int:
    if isinstance(outcomes, _Run) and outcomes.interrupted:
        return INTERRUPTED
    return 0 if all(o.ok for o in outcomes) else 1


def _num(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}".rstrip("0").rstrip(".")


def _summary(outcomes: list[FileOutcome]) -> None:
    table = Table(title="jixiao", show_lines=False)
    for col in ("文件", "表", "单位", "年度", "总分 填报/重算", "错误", "警告", "提示"):
        table.add_column(col)
    for o in outcomes:
        for r in o.results:
            rec = r.record
            cells = (o.path.name, rec.source.index + 1, rec.unit or "—", rec.year or "—",
                     f"{_num(rec.total.score)} / {_num(r.recomputed_total)}", r.count("error"),
                     r.count("warning"), r.count("info"))
            table.add_row(*(text(c) for c in cells))
    _c.out.print(table)


def _timings_table(timings: Timings) -> Table:
    """The stages as a table: CPU and wall seconds per page, share of the CPU; counts below."""
    pages = max(timings.pages, 1)
    table = Table(title=f"scan path, {timings.pages} page(s)")
    for col in ("stage", "CPU s/page", "wall s/page", "share"):
        table.add_column(col, justify="right")
    total = sum(v.cpu for v in timings.stages.values()) or 1e-9
    for name, v in timings.stages.items():
        table.add_row(name, f"{v.cpu / pages:.3f}", f"{v.wall / pages:.3f}", f"{v.cpu / total:.0%}")
    table.add_row("all", f"{total / pages:.3f}", f"{sum(v.wall for v in timings.stages.values()) / pages:.3f}", "")
    if timings.counts:
        table.caption = ", ".join(f"{k} {v}" for k, v in sorted(timings.counts.items()))
    return table


@app.command()
def extract(
    files: Files,
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the records (JSON Lines).")] = Path("forms.jsonl"),
    rules: RulesOpt = None,
    ocr: OcrOpt = Engine.rapidocr,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    timings: Annotated[bool, typer.Option("--timings", help="Print the time of each stage of the scan path.")] = False,
    workers: WorkersOpt = 1,
) -> None:
    """Extract every form in FILES to one JSON object per form (JSON Lines)."""
    _rules(rules)  # a rule set that does not load is one line, before any file is read
    outcomes = _run(files, rules, ocr, timeout, workers, timings)
    if timings:
        _c.err.print(_timings_table(outcomes.timings or Timings()))
    _write(write_records, outcomes, output)
    n = sum(len(o.results) for o in outcomes)
    _c.out.print(text(f"{n} form(s) from {sum(o.ok for o in outcomes)}/{len(outcomes)} file(s) -> {output}"))
    raise typer.Exit(_exit_code(outcomes))


def _write(writer: Callable[..., None], *args: Any) -> None:
    """An output written, or one line saying why it could not be (a missing folder, a full disk)."""
    target = args[-1]
    try:
        writer(*args)
    except OSError as exc:
        _fail(f"{target}: cannot be written ({exc.strerror or exc})")
        raise typer.Exit(2) from exc


@app.command()
def audit(
    files: Annotated[list[Path] | None, typer.Argument(help="PDF, image or transcript files of forms.")] = None,
    db: Annotated[Path | None, typer.Option("--db", help="Audit the forms of a corpus instead, with its corrections.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Findings as a JSON array.")] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="Report for the auditor (HTML).")] = None,
    xlsx_out: Annotated[Path | None, typer.Option("--xlsx", help="Findings as a spreadsheet.")] = None,
    rules: RulesOpt = None,
    ocr: OcrOpt = Engine.rapidocr,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    workers: WorkersOpt = 1,
) -> None:
    """Recompute scores and totals of every form in FILES (or a corpus) and report each discrepancy."""
    rule_set = _rules(rules)
    outcomes: list[FileOutcome]
    if db is not None:
        outcomes = _from_corpus(db, rule_set)
    elif files:
        outcomes = _run(files, rules, ocr, timeout, workers)
    else:
        _fail("give FILES, or --db CORPUS")
        raise typer.Exit(2)
    if json_out:
        _write(write_findings, outcomes, json_out)
    if html_out:
        _write(write_html, outcomes, rule_set, html_out)
    if xlsx_out:
        _write(write_xlsx, outcomes, xlsx_out)
    _summary(outcomes)
    raise typer.Exit(_exit_code(outcomes))


def _from_corpus(db: Path, rules: RuleSet) -> list[FileOutcome]:
    """Every form of a corpus, corrections applied (and marked in the findings)."""
    from jixiao.corpus.corrections import corrected_record
    from jixiao.corpus.store import Corpus
    from jixiao.score import audit as audit_record

    try:
        # read everything, then let go of the file before auditing, so a running review can save
        with Corpus(db, read_only=True, wait=5.0) as corpus:
            _, rows = corpus.query("SELECT form_id, path FROM forms ORDER BY path, form_index")
            records = [(path, corrected_record(corpus, form_id)) for form_id, path in rows]
    except JixiaoError as exc:
        _fail(str(exc))
        raise typer.Exit(2) from exc
    by_path: dict[str, FileOutcome] = {}
    for path, record in records:
        by_path.setdefault(path, FileOutcome(path=Path(path))).results.append(audit_record(record, rules))
    return list(by_path.values())


@app.command()
def review(
    db: Annotated[Path, typer.Option("--db", help="The corpus to review (from `jixiao corpus ingest`).")] = Path("corpus.duckdb"),
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    host: Annotated[str, typer.Option(help="Address to bind; anything but loopback needs --token.")] = "127.0.0.1",
    token: Annotated[str | None, typer.Option(help="Secret every request must carry (header, cookie or ?token=).")] = None,
    rules: RulesOpt = None,
    allow_host: Annotated[list[str] | None, typer.Option(
        "--allow-host", help="Another name browsers reach the server by (localhost, 127.0.0.1 and --host are allowed); "
                             "any other Host is refused.")] = None,
) -> None:
    """Start the review web app: check every value against the page, correct or confirm it, rule on
    each finding, re-run the rules, export. The corpus stays usable by other commands meanwhile."""
    from urllib.parse import quote

    import uvicorn

    from jixiao.review.app import create_app

    if host not in ("127.0.0.1", "localhost", "::1") and not token:
        _fail(f"--host {host} exposes the corpus beyond this machine: give --token as well")
        raise typer.Exit(2)
    if not db.exists():
        _fail(f"{db}: no such corpus (run `jixiao corpus ingest` first)")
        raise typer.Exit(2)
    if not _port_free(host, port):
        _fail(f"port {port} on {host} is taken (another `jixiao review`?): give --port")
        raise typer.Exit(2)
    try:
        from jixiao.review.app import LOCAL_HOSTS

        bound = [] if host in ("0.0.0.0", "::") else [host]  # a wildcard bind is reached by a name: --allow-host
        application = create_app(db, _rules(rules), token, [*LOCAL_HOSTS, *bound, *(allow_host or [])])
    except JixiaoError as exc:
        _fail(str(exc))
        raise typer.Exit(2) from exc
    address = f"http://{host}:{port}/" + (f"?token={quote(token)}" if token else "")
    _c.out.print(text(f"jixiao review: {address}"))
    uvicorn.run(application, host=host, port=port, log_level="warning")


def _port_free(host: str, port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


@app.command()
def explain(
    files: Files,
    rules: RulesOpt = None,
    ocr: OcrOpt = Engine.rapidocr,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT,
    workers: WorkersOpt = 1,
) -> None:
    """Show how every header and row label was read and mapped: the choice, its score, the runner-up."""
    rule_set = _rules(rules)
    outcomes = _run(files, rules, ocr, timeout, workers)
    for o in outcomes:
        for r in o.results:
            _c.out.print(explain_table(r.record, rule_set.confidence.label_margin))
            for note in r.record.notes:
                _c.out.print(line(("注意", "yellow"), " ", note))
    raise typer.Exit(_exit_code(outcomes))


@app.command("rules")
def rules_cmd(
    show: Annotated[str | None, typer.Argument(help="A shipped rule set or a TOML file to print.")] = None,
) -> None:
    """List the shipped rule sets, or print one as it is resolved (with what it extends)."""
    if show is None:
        for name in shipped_rule_sets():
            rs = load_rules(name)
            _c.out.print(line((name, "bold"), "  ", rs.description))
        return
    _c.out.print_json(_rules(Path(show)).model_dump_json())


def main() -> None:
    """The entry point: whatever escapes a command is still one line (a bug: with its traceback
    in the log), and Ctrl-C outside a batch ends quietly."""
    quiet_libraries()
    try:
        app()
    except JixiaoError as exc:
        _fail(str(exc))
        sys.exit(2)
    except KeyboardInterrupt:
        _fail("interrupted")
        sys.exit(INTERRUPTED)
    except Exception as exc:  # noqa: BLE001
        _fail(internal_error(" ".join(sys.argv[1:3]) or "jixiao", exc).reason)
        sys.exit(2)


if __name__ == "__main__":
    main()
