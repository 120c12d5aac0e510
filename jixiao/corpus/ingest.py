"""Batch ingest: discover files, skip what is stored, read the rest (here, in N processes or on a
Dask cluster), and let this process alone write each result in its own transaction."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from jixiao.corpus.results import FileError, FileResult
from jixiao.corpus.store import Corpus
from jixiao.corpus.work import Source, discover, read_source, sha256_of
from jixiao.extract.scanned import load_engines

Job = tuple[Source, str, int]  # source, sha256, size


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

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class IngestOptions:
    force: bool = False
    retry_failed: bool = False
    workers: int = 1
    dask: str | None = None
    rules: str | None = None
    ocr: str = "rapidocr"
    # OCR threads per worker; None: all cores for one worker, cores / N for a pool of N
    threads: int | None = None


def plan(corpus: Corpus, sources: list[Source], options: IngestOptions,
         summary: IngestSummary) -> tuple[list[Job], list[FileResult]]:
    """Jobs for files not yet stored (one per distinct content), and failures found on the way."""
    stored, failed = corpus.known()
    jobs: list[Job] = []
    unreadable: list[FileResult] = []
    queued: set[str] = set()
    for source in sources:
        summary.seen += 1
        try:
            sha, size = sha256_of(source)
        except OSError as exc:
            unreadable.append(FileResult(path=source.name, sha256="", size=0,
                                         error=FileError(kind="unreadable", reason=f"cannot be read ({exc})")))
            continue
        failed_before = sha in failed and not options.retry_failed
        skip = (sha in stored or failed_before) and not options.force
        if skip or sha in queued:
            summary.skipped += 1
            continue
        queued.add(sha)
        jobs.append((source, sha, size))
    return jobs, unreadable


def run_serial(jobs: list[Job], rules: str | None, ocr: str, threads: int | None) -> Iterator[FileResult]:
    for source, sha, size in jobs:
        yield read_source(source, sha, size, rules, ocr, threads)


def run_pool(jobs: list[Job], rules: str | None, ocr: str, workers: int,
             threads: int | None) -> Iterator[FileResult]:
    threads = threads or max(1, (os.cpu_count() or 1) // workers)  # the OCR engine's share of the cores
    # each worker loads its OCR models once, as it starts (scanned.load_engines)
    with ProcessPoolExecutor(max_workers=workers, initializer=load_engines, initargs=(ocr, threads)) as pool:
        futures = [pool.submit(read_source, source, sha, size, rules, ocr, threads) for source, sha, size in jobs]
        for future in as_completed(futures):
            yield future.result()


def run_dask(jobs: list[Job], rules: str | None, ocr: str, address: str) -> Iterator[FileResult]:
    from dask.distributed import Client
    from dask.distributed import as_completed as dask_completed

    with Client(address) as client:
        # a Dask worker runs several tasks at once: one onnxruntime thread each, so that they do
        # not fight for the cores; the models load once per worker process (get_engine caches)
        futures = [client.submit(read_source, source, sha, size, rules, ocr, 1, pure=False)
                   for source, sha, size in jobs]
        for future in dask_completed(futures):
            yield future.result()


def runner(jobs: list[Job], options: IngestOptions) -> Iterator[FileResult]:
    if options.dask:
        return run_dask(jobs, options.rules, options.ocr, options.dask)
    if options.workers > 1 and len(jobs) > 1:
        return run_pool(jobs, options.rules, options.ocr, options.workers, options.threads)
    return run_serial(jobs, options.rules, options.ocr, options.threads)


Progress = Callable[[FileResult], None]


def ingest(corpus: Corpus, paths: list[Path], options: IngestOptions,
           progress: Callable[[int], Progress] | None = None) -> IngestSummary:
    """Ingest every file under ``paths``; ``progress(total)`` gives a callback per finished file."""
    start = time.perf_counter()
    summary = IngestSummary()
    jobs, unreadable = plan(corpus, discover(paths), options, summary)
    tick = progress(len(jobs) + len(unreadable)) if progress else None
    # each result is written as it arrives: a run killed now keeps every file already committed
    for result in chain(unreadable, runner(jobs, options)):
        _record(corpus, result, options, summary)
        if tick:
            tick(result)
    summary.seconds = time.perf_counter() - start
    return summary


def _record(corpus: Corpus, result: FileResult, options: IngestOptions, summary: IngestSummary) -> None:
    corpus.store(result, replace=options.force)
    if result.error is not None:
        summary.failed += 1
        summary.failures.append((result.path, result.error.reason))
        return
    summary.stored += 1
    summary.forms += len(result.forms)
    summary.pages += result.n_pages
