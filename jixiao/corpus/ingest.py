"""Batch ingest: discover files, skip what is stored, read the rest (in worker processes, here, or
on a Dask cluster), and let this process alone write each result in its own transaction.

No file stops the batch: whatever reading one file does (any exception, a worker that dies, a
file past its time limit) becomes that file's failure, stored with its reason, and the run goes
on to its summary. Ctrl-C stops it cleanly: every file already committed stays.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from jixiao.corpus.corrections import store_reading
from jixiao.corpus.pool import Job, WorkerPool, WorkerSettings
from jixiao.corpus.results import FileResult
from jixiao.corpus.store import Corpus, CorpusError
from jixiao.corpus.work import Found, failed, failure_key, find_sources, read_source, sha256_of
from jixiao.crashlog import internal_error
from jixiao.errors import InputError
from jixiao.score.rules import RuleSet, load_rules

# RLIMIT_AS per worker: a worker reading a 6-page scan peaks at 1.9 GB of address space (RSS
# 1.1 GB); a page at the pixel limit needs ~3 GB more
DEFAULT_MEMORY_MB = 8192


@dataclass
class IngestSummary:
    seen: int = 0
    skipped: int = 0
    stored: int = 0
    failed: int = 0
    forms: int = 0
    pages: int = 0
    seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)
    interrupted: bool = False
    not_read: int = 0  # left when the run was interrupted
    cpu_seconds: float = 0.0  # reading the files whose result came back (a killed worker says nothing)
    worker_peak_mb: float = 0.0  # the largest peak resident memory of a process that read a file

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class IngestOptions:
    force: bool = False
    retry_failed: bool = False
    # worker processes; 0 reads in this process (no protection from a file that kills it)
    workers: int = 1
    dask: str | None = None
    rules: str | None = None
    ocr: str = "rapidocr"
    # OCR threads per worker; None: all cores for one worker, cores / N for a pool of N
    threads: int | None = None
    # time a file may take per page; None: ReadLimits' default, 0: no limit
    seconds_per_page: float | None = None
    # address space per worker process, MB; None or 0: no limit
    memory_mb: int | None = DEFAULT_MEMORY_MB


def plan(corpus: Corpus, found: Found, options: IngestOptions,
         summary: IngestSummary) -> tuple[list[Job], list[FileResult]]:
    """Jobs for files not yet stored (one per distinct content), and failures found on the way."""
    stored, failed_before = corpus.known()
    jobs: list[Job] = []
    unreadable: list[FileResult] = []
    queued: set[str] = set()

    def known(sha: str) -> bool:
        return (sha in stored or (sha in failed_before and not options.retry_failed)) and not options.force

    for refused in found.refused:
        summary.seen += 1
        if known(refused.sha256):
            summary.skipped += 1
        else:
            unreadable.append(refused)
    for source in found.sources:
        summary.seen += 1
        try:
            sha, size = sha256_of(source)
        except Exception as exc:  # noqa: BLE001 - a member that cannot be inflated, a file that vanished, ...
            error = exc if isinstance(exc, InputError) else _hash_error(source.name, exc)
            result = failed(source.name, failure_key(source.name), 0, error)
            if known(result.sha256):
                summary.skipped += 1
            else:
                unreadable.append(result)
            continue
        if known(sha) or sha in queued:
            summary.skipped += 1
            continue
        queued.add(sha)
        jobs.append((source, sha, size))
    return jobs, unreadable


def _hash_error(name: str, exc: Exception) -> InputError:
    if isinstance(exc, OSError):
        return InputError(name, f"cannot be read ({exc.strerror or exc})")
    return internal_error(name, exc)


def run_serial(jobs: list[Job], options: IngestOptions) -> Iterator[FileResult]:
    for source, sha, size in jobs:
        yield read_source(source, sha, size, options.rules, options.ocr, options.threads, options.seconds_per_page)


def run_pool(jobs: list[Job], options: IngestOptions) -> Iterator[FileResult]:
    workers = max(1, options.workers)
    threads = options.threads or max(1, (os.cpu_count() or 1) // workers)  # the OCR engine's share
    memory = options.memory_mb * 2**20 if options.memory_mb else None
    settings = WorkerSettings(rules=options.rules, ocr=options.ocr, threads=threads,
                              seconds_per_page=options.seconds_per_page, memory_bytes=memory)
    return WorkerPool(workers, settings).run(largest_first(jobs, workers))


def largest_first(jobs: list[Job], workers: int) -> list[Job]:
    """A pool's order: the largest files first (size stands in for pages), so that the batch ends
    with small files on every worker, not one worker reading a long scan while the others wait.
    One worker keeps the order found."""
    return sorted(jobs, key=lambda job: -job[2]) if workers > 1 else list(jobs)


def run_dask(jobs: list[Job], options: IngestOptions) -> Iterator[FileResult]:
    from dask.distributed import Client
    from dask.distributed import as_completed as dask_completed

    with Client(options.dask) as client:
        # a Dask worker runs several tasks at once: one onnxruntime thread each, so that they do
        # not fight for the cores; the models load once per worker process (get_engine caches)
        futures = {client.submit(read_source, source, sha, size, options.rules, options.ocr, 1,
                                 seconds_per_page=options.seconds_per_page, pure=False): (source, sha, size)
                   for source, sha, size in jobs}
        for future in dask_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # noqa: BLE001 - a worker lost (KilledWorker) or a task Dask could not run
                source, sha, size = futures[future]
                error = InputError(source.name, f"the Dask worker reading it failed ({type(exc).__name__}: {exc})")
                yield failed(source.name, sha, size, error)


def runner(jobs: list[Job], options: IngestOptions) -> Iterator[FileResult]:
    if options.dask:
        return run_dask(jobs, options)
    if options.workers <= 0:
        return run_serial(jobs, options)
    return run_pool(jobs, options)


Progress = Callable[[FileResult], None]


def ingest(corpus: Corpus, paths: list[Path], options: IngestOptions,
           progress: Callable[[int], Progress] | None = None) -> IngestSummary:
    """Ingest every file under ``paths``; ``progress(total)`` gives a callback per finished file."""
    start = time.perf_counter()
    summary = IngestSummary()
    total = done = 0
    # read once for the whole ingest (a form of another template family is audited under the
    # family's own shipped set, which ``audit`` picks per form)
    rules = load_rules(options.rules)
    try:
        jobs, unreadable = plan(corpus, find_sources(paths), options, summary)
        total = len(jobs) + len(unreadable)
        tick = progress(total) if progress else None
        results = runner(jobs, options)
        try:
            # each result is written as it arrives: a run killed now keeps every file committed
            for result in chain(unreadable, results):
                _record(corpus, result, rules, options, summary)
                done += 1
                if tick:
                    try:
                        tick(result)
                    except Exception as exc:  # noqa: BLE001 - the progress display is never worth the run
                        internal_error("the progress display", exc)
                        tick = None
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()  # the workers stopped now, not when the generator is collected
    except KeyboardInterrupt:
        summary.interrupted = True
        summary.not_read = total - done
    summary.seconds = time.perf_counter() - start
    return summary


def _record(corpus: Corpus, result: FileResult, rules: RuleSet, options: IngestOptions,
            summary: IngestSummary) -> None:
    """Store one result. A result the database refuses (a value it cannot hold) is stored as that
    file's failure instead; only a database that takes nothing at all stops the run. Read again
    (--force), a form keeps a person's corrections: its rows are re-derived under them."""
    summary.cpu_seconds += result.cpu_seconds
    summary.worker_peak_mb = max(summary.worker_peak_mb, result.peak_mb)
    try:
        store_reading(corpus, result, rules, replace=options.force)
    except CorpusError as exc:
        if result.error is not None:
            raise
        error = InputError(result.path, f"read, but could not be stored ({exc})")
        result = failed(result.path, result.sha256, result.size, error, result.seconds)
        corpus.store(result, replace=options.force)
    if result.error is not None:
        summary.failed += 1
        summary.failures.append((result.path, result.error.reason))
        return
    summary.stored += 1
    summary.forms += len(result.forms)
    summary.pages += result.n_pages
