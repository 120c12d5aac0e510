"""A time limit on reading one file, in this process: seconds per page, the pages counted as the
readers announce them (``extract.base.expect_pages``).

The clock is SIGALRM, so it stops pure-Python work anywhere (pdfminer's parser, the HTML grid,
normalize); C code (OpenCV, onnxruntime) is interrupted when it returns, which the limits checked
before the work (pixels, frames, cells) keep short. A process that must be stopped even inside C
code is a worker the pool kills (``corpus.pool``). Outside the main thread, where signals cannot
be used, the clock only counts.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from jixiao.extract.base import listening_for_pages


class Expired(BaseException):
    """Raised by the alarm. A BaseException, so that no ``except Exception`` in a library (and
    pdfminer has many) swallows it on the way out."""


@dataclass
class Clock:
    seconds_per_page: float | None
    pages: int = 1
    start: float = field(default_factory=time.monotonic)
    armed: bool = False

    @property
    def budget(self) -> float:
        return (self.seconds_per_page or 0.0) * max(self.pages, 1)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def expect(self, pages: int) -> None:
        self.pages = max(pages, 1)
        if self.armed:
            _arm(max(self.budget - self.elapsed, 0.001))

    def reason(self) -> str:
        per = f"{self.seconds_per_page:g} s per page"
        return (f"timed out: still reading after {self.elapsed:.0f} s (the limit is {per}, "
                f"{self.budget:.0f} s for its {self.pages} page(s))")


def _arm(seconds: float) -> None:
    signal.setitimer(signal.ITIMER_REAL, seconds)


def _expire(signum: int, frame: object) -> None:
    raise Expired()


@contextmanager
def time_limit(seconds_per_page: float | None) -> Iterator[Clock]:
    """Run the body under a limit of ``seconds_per_page`` × the pages announced (at least one);
    past it, ``Expired`` is raised in the body. None or 0: no limit."""
    clock = Clock(seconds_per_page)
    usable = bool(seconds_per_page) and threading.current_thread() is threading.main_thread()
    with listening_for_pages(clock.expect):
        if not usable:
            yield clock
            return
        previous = signal.signal(signal.SIGALRM, _expire)
        try:
            clock.armed = True
            _arm(clock.budget)
            yield clock
        finally:
            clock.armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
