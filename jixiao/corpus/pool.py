"""Worker processes that read one file each at a time, so that a file can take down only itself.

``concurrent.futures`` cannot do this: when a worker dies (killed by the OOM killer, a segfault in
a C library, ``os._exit``) it fails every pending future with ``BrokenProcessPool`` and cannot say
which file was in the dead worker. Here each worker is sent one job and tells the parent what it
is doing (how many pages the file has, then the result), so the parent always knows:

- a worker that dies fails the file it held ("crashed", with the signal) and is replaced;
- a worker past its file's time limit (seconds per page × pages, plus a grace over the limit the
  worker keeps itself) is killed, even inside C code, and replaced;
- memory: each worker runs under RLIMIT_AS, so a file that would take the machine's memory
  fails in its worker (MemoryError, or the worker dies) instead.

Workers are forked from a fork server that has imported jixiao once (a replacement starts in
well under a second), ignore Ctrl-C (the parent handles it), and end when the ingest does.
``jixiao extract`` / ``audit`` / ``explain`` read through the same pool (one worker, reused for the
whole batch), so that their time limit stops a file inside C code too.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import select
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from jixiao.corpus.results import FileResult
from jixiao.corpus.work import Source, failed, read_source
from jixiao.crashlog import log_path
from jixiao.errors import OutOfTime, ReaderDied
from jixiao.extract.base import listening_for_pages
from jixiao.pipeline import OUT_OF_MEMORY_REASON
from jixiao.terminal import quiet_libraries

Job = tuple[Source, str, int]  # source, sha256, size
# past the worker's own limit (its alarm waits for a C call to return), before it is killed from
# here: a quarter of the file's budget, at least this
GRACE_SECONDS = 5.0
# a worker forked and importing on a loaded machine (a minute was seen with 25 processes on two
# cores) before it takes its job: not the file's time
STARTUP_SECONDS = 120.0
_SIGNAL_NAMES = {signal.SIGKILL: "SIGKILL: killed, e.g. by the out-of-memory killer",
                 signal.SIGSEGV: "SIGSEGV: a crash in a library",
                 signal.SIGABRT: "SIGABRT: a library aborted",
                 signal.SIGBUS: "SIGBUS: a crash in a library",
                 signal.SIGTERM: "SIGTERM: stopped from outside"}


@dataclass(frozen=True)
class WorkerSettings:
    rules: str | None = None
    ocr: str = "rapidocr"
    threads: int | None = None
    seconds_per_page: float | None = None  # None: ReadLimits' default; 0: no limit
    memory_bytes: int | None = None  # RLIMIT_AS per worker; None: no limit
    # load the OCR models when the worker starts (an archive of scans); False: when its first
    # scan needs them (a command line batch that may hold text PDFs only), still once per worker
    preload: bool = True
    # collect the scan path's stage timings per file and send them to the parent (``timings``)
    timings: bool = False


def _watch(parent: int) -> None:
    """End this worker as soon as the ingest that started it is gone (killed with -9, say): its
    parent is the fork server, which lives on while any worker holds its pipe, so neither the
    kernel's parent-death signal nor the fork server would stop it."""
    try:
        fd = os.pidfd_open(parent)
        select.select([fd], [], [])
    except OSError:  # no pidfd (an old kernel), or the ingest is already gone: poll
        while _alive(parent):
            time.sleep(1.0)
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def serve(conn: Connection, settings: WorkerSettings, parent: int) -> None:
    """A worker's life: take a job, say how many pages it has, send its result; until told to stop
    or the ingest is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch, args=(parent,), daemon=True, name="watch-ingest").start()
    quiet_libraries()
    _stderr_to_log()
    if settings.memory_bytes:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = settings.memory_bytes if hard == resource.RLIM_INFINITY else min(settings.memory_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    # the OCR models load once, now or at the first scan, and serve every file this worker reads
    from jixiao.extract.scan.state import collect_timings
    from jixiao.extract.scanned import load_engines

    if settings.threads:
        # OpenCV's own thread pool takes every core by default: a worker keeps to its share, as
        # its onnxruntime does, so that N workers do not run N times the cores' threads (and one
        # worker of one thread is one thread, the unit the pool scales)
        import cv2

        cv2.setNumThreads(settings.threads)
    if settings.preload:
        load_engines(settings.ocr, settings.threads)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        key, (source, sha, size) = message
        def tell(n: int, key: int = key) -> None:
            conn.send(("pages", key, n))

        conn.send(("start", key, 0))  # its clock starts here, not while this process was starting
        with listening_for_pages(tell), collect_timings() as stages:
            result = read_source(source, sha, size, settings.rules, settings.ocr, settings.threads,
                                 settings.seconds_per_page)
        if settings.timings:
            conn.send(("timings", key, stages))
        conn.send(("done", key, result))
        _give_back_freed_memory()


def _give_back_freed_memory() -> None:
    """Hand what the last file freed back to the system: glibc keeps freed pages of page images
    and OCR buffers in its arenas, so a worker's resident memory climbs file by file (a worker of
    2 that read 17 degraded scans peaked at 1021 MB, one reading the largest of them alone 794)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to hand back this way
        pass


def _stderr_to_log() -> None:
    """What C libraries write to stderr in a worker (onnxruntime's "EP Error" when a thread cannot
    be made) goes to the log: the ingest prints one line per failed file, and nothing else."""
    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError:
        return
    os.dup2(fd, 2)
    os.close(fd)


@dataclass
class _Worker:
    process: Any  # multiprocessing.context.ForkServerProcess
    conn: Connection
    job: Job | None = None
    key: int = -1
    started: float = 0.0
    pages: int = 1
    taken: bool = False  # the worker said it has the job: its clock runs from then

    def deadline(self, seconds_per_page: float) -> float:
        budget = seconds_per_page * max(self.pages, 1)
        return self.started + budget + max(GRACE_SECONDS, 0.25 * budget) + (0 if self.taken else STARTUP_SECONDS)


def _context() -> Any:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["jixiao.corpus.work"])
    return ctx


def death_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        sig = signal.Signals(-exitcode)
        what = _SIGNAL_NAMES.get(sig, sig.name)
        return f"the process reading it died ({what}); the batch went on without it"
    return f"the process reading it exited with status {exitcode}; the batch went on without it"


class WorkerPool:
    """``workers`` processes reading jobs; results come back in the order they finish."""

    def __init__(self, workers: int, settings: WorkerSettings) -> None:
        from jixiao.extract.base import ReadLimits
        from jixiao.extract.scan.state import Timings

        self.size = max(1, workers)
        self.settings = settings
        spp = settings.seconds_per_page
        self.seconds_per_page = ReadLimits().seconds_per_page if spp is None else spp
        self.ctx = _context()
        self.workers: list[_Worker] = []
        self.replaced = 0
        self.timings = Timings()  # the stages of every file read, with ``settings.timings``

    def _start(self) -> _Worker:
        parent_end, child_end = self.ctx.Pipe()
        process = self.ctx.Process(target=serve, args=(child_end, self.settings, os.getpid()), daemon=True)
        process.start()
        child_end.close()
        return _Worker(process, parent_end)

    def _stop(self, worker: _Worker, kill: bool) -> None:
        if kill and worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()
        if worker in self.workers:
            self.workers.remove(worker)

    def _replace(self, worker: _Worker) -> None:
        self._stop(worker, kill=True)
        self.replaced += 1

    def run(self, jobs: list[Job]) -> Iterator[FileResult]:
        return (result for _, result in self.run_keyed(jobs))

    def run_keyed(self, jobs: list[Job]) -> Iterator[tuple[int, FileResult]]:
        """Each job's result with the job's place in ``jobs``, in the order they finish."""
        pending = deque(enumerate(jobs))
        try:
            while pending or any(w.job is not None for w in self.workers):
                self._assign(pending)
                yield from self._collect()
        finally:
            self.close()

    def _assign(self, pending: deque[tuple[int, Job]]) -> None:
        while pending:
            idle = next((w for w in self.workers if w.job is None), None)
            if idle is not None and not idle.process.is_alive():  # died between two jobs
                self._replace(idle)
                continue
            if idle is None:
                if len(self.workers) >= self.size:
                    return
                idle = self._start()
                self.workers.append(idle)
            key, job = pending.popleft()
            idle.job, idle.key, idle.started, idle.pages, idle.taken = job, key, time.monotonic(), 1, False
            try:
                idle.conn.send((key, job))
            except (OSError, ValueError):  # it died before the job reached it: give it to another
                pending.appendleft((key, job))
                idle.job = None
                self._replace(idle)

    def _collect(self) -> Iterator[tuple[int, FileResult]]:
        busy = [w for w in self.workers if w.job is not None]
        if not busy:
            return
        limited = self.seconds_per_page > 0
        now = time.monotonic()
        timeout = max(min(w.deadline(self.seconds_per_page) for w in busy) - now, 0.0) if limited else None
        ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout))
        for w in busy:
            key = w.key
            if w.conn in ready or w.process.sentinel in ready:
                result = self._message(w)
                if result is not None:
                    yield key, result
            elif limited and time.monotonic() > w.deadline(self.seconds_per_page):
                yield key, self._timed_out(w)

    def _message(self, w: _Worker) -> FileResult | None:
        """What a ready worker has to say; a worker that died holding a job fails that job."""
        job = w.job
        assert job is not None
        try:
            if w.conn.poll():
                kind, key, payload = w.conn.recv()
                if key != w.key:
                    return None
                if kind == "start":
                    w.started, w.taken = time.monotonic(), True
                    return None
                if kind == "pages":
                    w.pages = max(int(payload), 1)
                    return None
                if kind == "timings":
                    self.timings.merge(payload)
                    return None
                w.job = None
                if payload.error is not None and payload.error.reason.startswith(OUT_OF_MEMORY_REASON):
                    # what the allocators took before the limit bit stays taken (onnxruntime's arena,
                    # a fragmented heap): the next file gets a fresh process, not this one's leftovers
                    self._replace(w)
                return payload  # type: ignore[no-any-return]
        except (EOFError, OSError):
            pass
        if w.process.is_alive():
            return None
        w.process.join(timeout=5)
        source, sha, size = job
        error = ReaderDied(source.name, death_reason(w.process.exitcode))
        seconds = time.monotonic() - w.started
        self._replace(w)
        return failed(source.name, sha, size, error, seconds)

    def _timed_out(self, w: _Worker) -> FileResult:
        assert w.job is not None
        source, sha, size = w.job
        seconds = time.monotonic() - w.started
        limit = self.seconds_per_page
        error = OutOfTime(source.name, f"timed out: still reading after {seconds:.0f} s (the limit is {limit:g} s "
                                       f"per page, for its {w.pages} page(s)); the reading process was stopped")
        self._replace(w)
        return failed(source.name, sha, size, error, seconds)

    def close(self) -> None:
        for w in list(self.workers):
            if w.job is None:
                try:
                    w.conn.send(None)
                except (OSError, ValueError):
                    pass
                self._stop(w, kill=False)
            else:
                self._stop(w, kill=True)
