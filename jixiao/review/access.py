"""How the review server reaches its corpus: a connection per request, held for that request only,
so that `jixiao audit --db`, `corpus query`, `corpus export` and a second `review` can open the
corpus while this one serves.

DuckDB allows, per file, one writing process or many reading ones; inside one process it allows
many connections of one kind (read-only or read-write) at a time, never both kinds. So within this
process readers share (each request its own read-only connection) and a writer is alone; across
processes a request waits a little for another's short write (`Corpus(wait=…)`) and otherwise
fails with CorpusLocked, which names the process holding the file."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from jixiao.corpus.store import Corpus

# a saved correction holds the file for well under a second; an ingest holds it for minutes, and
# is better named at once than waited for
WAIT_SECONDS = 3.0


class CorpusGate:
    def __init__(self, path: Path, wait: float = WAIT_SECONDS) -> None:
        self.path = path
        self.wait = wait
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def read(self) -> Iterator[Corpus]:
        with self._cond:
            # a waiting writer goes first, or a steady stream of page views would starve it
            self._cond.wait_for(lambda: not self._writing and not self._writers_waiting)
            self._readers += 1
        try:
            with Corpus(self.path, read_only=True, wait=self.wait) as corpus:
                yield corpus
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[Corpus]:
        with self._cond:
            self._writers_waiting += 1
            self._cond.wait_for(lambda: not self._writing and not self._readers)
            self._writers_waiting -= 1
            self._writing = True
        try:
            with Corpus(self.path, wait=self.wait) as corpus:
                yield corpus
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()
