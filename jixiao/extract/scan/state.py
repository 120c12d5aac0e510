"""The scan path as a list of stages: each ``(state) -> state``, run under one timing loop.

A ``ScanState`` holds everything known about one page so far: the image as the file holds it,
the prepared grey page and its binary, the transform between them, the rulings and tables, the
reads of each cell, the grid page at the end. A stage takes the state and returns a new one
(``dataclasses.replace``: arrays are shared, never changed in place), so that a stage can be
added, dropped or swapped by editing the list (``scanned.scan_stages``). An image file's photo
steps (``photo/stages.py``: page finding, perspective, dewarp) run in front of the light and seal
stage: they replace the page by its flat copy (``page_rgb``, at its own ``dpi``) and keep their
maps back to the photo in ``photo``, which the last step applies to every box.

``run_stages`` times every stage, in wall and CPU seconds (the process's, so that the OCR
engine's own threads count), into the state and into every ``collect_timings()`` block open in
this thread: ``make bench`` and ``jixiao extract --timings`` read them from there.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from jixiao.extract.lattice import Lattice, Segment
from jixiao.extract.pixels import POINTS_PER_INCH, Image
from jixiao.extract.scan.lines import PageLines, PixelSegment
from jixiao.extract.scan.orient import OrientationCheck, Votes
from jixiao.extract.scan.transform import PageTransform
from jixiao.grid import Page

Ring = tuple[float, float, float]  # a round seal: centre x, centre y, radius in pixels


@dataclass
class StageTime:
    wall: float = 0.0
    cpu: float = 0.0
    calls: int = 0

    def add(self, wall: float, cpu: float) -> None:
        self.wall += wall
        self.cpu += cpu
        self.calls += 1


@dataclass
class Timings:
    """Seconds per stage over every page read inside a ``collect_timings()`` block, and counts
    (how many cells were read which way, how often a second read ran)."""

    stages: dict[str, StageTime] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    pages: int = 0

    def add(self, name: str, wall: float, cpu: float) -> None:
        self.stages.setdefault(name, StageTime()).add(wall, cpu)

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def merge(self, other: Timings) -> None:
        for name, t in other.stages.items():
            mine = self.stages.setdefault(name, StageTime())
            mine.wall, mine.cpu, mine.calls = mine.wall + t.wall, mine.cpu + t.cpu, mine.calls + t.calls
        for name, n in other.counts.items():
            self.count(name, n)
        self.pages += other.pages

    def as_dict(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "stages": {k: {"wall": v.wall, "cpu": v.cpu, "calls": v.calls} for k, v in self.stages.items()},
            "counts": dict(self.counts),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Timings:
        out = cls(pages=int(data.get("pages", 0)), counts=dict(data.get("counts", {})))
        for k, v in data.get("stages", {}).items():
            out.stages[k] = StageTime(v["wall"], v["cpu"], v["calls"])
        return out


_open: contextvars.ContextVar[tuple[Timings, ...]] = contextvars.ContextVar("scan_timings", default=())


@contextmanager
def collect_timings() -> Iterator[Timings]:
    """Every stage of every page read inside the block, added up (blocks may nest)."""
    timings = Timings()
    token = _open.set(_open.get() + (timings,))
    try:
        yield timings
    finally:
        _open.reset(token)


def count(name: str, n: int = 1) -> None:
    """Count an event (a second read, a cell read by detection) in every open block."""
    for t in _open.get():
        t.count(name, n)


@dataclass
class ScanState:
    """One page on its way through the scan path. Fields fill in as the stages run; a stage
    that needs one its predecessors did not fill raises (``need``)."""

    image: Image  # the page as the file holds it (RGB or grey); never changed
    dpi: float
    number: int = 1
    # an OCR readability verdict for close orientation calls (orient.py, readable.py); None: geometry alone
    check: OrientationCheck | None = None
    # a photo's own steps (``photo/stages.py``'s PhotoState: tags, page found, flat page, maps
    # back); None for a scan
    photo: Any = None
    # ---- preparation
    # the page to prepare, when a stage before the light and seal stage replaced the image by a
    # corrected copy of it (a photo's flattened page); None: the image itself
    page_rgb: Image | None = None
    # regions of that page (its pixels, x0, y0, x1, y1) where its rulings do not lie straight
    # (a photographed page the dewarp left bowed): the cells there may not close
    unclosed: list[tuple[float, float, float, float]] = field(default_factory=list)
    grey: Image | None = None  # flattened, seals lifted, upright, level: what OCR reads
    seal: Image | None = None  # seal ink on the original's grid (255)
    seal_share: float = 0.0
    binary: Image | None = None  # ink = 255, at ``work_dpi``
    work_dpi: float = 0.0  # the resolution structure is found at (binary, rulings, ink)
    small: Image | None = None  # the binary page reduced for the orientation and skew tests
    small_dpi: float = 0.0
    noise: float = 0.0  # the prepared page's paper grain (standard deviation, grey levels)
    transform: PageTransform | None = None  # original pixels -> prepared pixels (full resolution)
    quarter: Votes | None = None
    flip: Votes | None = None
    rings: list[Ring] = field(default_factory=list)  # round seals, in work pixels
    # the discs seal ink was lifted from by its colour, in original pixels (``Light``), and
    # every seal on the prepared page, by colour or by shape, in work pixels (``Rings``)
    colour_seals: list[Ring] = field(default_factory=list)
    seals: list[Ring] = field(default_factory=list)
    # ---- structure
    lines: PageLines | None = None  # rulings, in work pixels
    lattice: Lattice | None = None  # page points on the prepared page
    table_rulings: Image | None = None  # the rulings the tables are made of (255), work pixels
    dashes: list[PixelSegment] = field(default_factory=list)  # drawn dashes, work pixels
    strays: list[Segment] = field(default_factory=list)  # the dashes in points, for assign_text
    # ---- reading (see read.py)
    reads: Any = None
    page: Page | None = None
    # ---- bookkeeping
    timings: Timings = field(default_factory=Timings)

    @property
    def colour(self) -> Image:
        """The page being prepared: the image, or the corrected copy a stage made of it."""
        return self.image if self.page_rgb is None else self.page_rgb

    @property
    def scale(self) -> float:
        """Pixels per point of the prepared page (full resolution)."""
        return self.dpi / POINTS_PER_INCH

    @property
    def work_scale(self) -> float:
        """Pixels per point of the structure images (``binary``, ``table_rulings``)."""
        return self.work_dpi / POINTS_PER_INCH

    @property
    def seconds(self) -> dict[str, float]:
        return {k: v.wall for k, v in self.timings.stages.items()}


_T = TypeVar("_T")


def need(value: _T | None, what: str) -> _T:
    """A field an earlier stage should have filled."""
    if value is None:
        raise RuntimeError(f"scan stage run out of order: no {what} yet")
    return value


class Stage(Protocol):
    """One step of the scan path: a name for the timing table, and the step."""

    @property
    def name(self) -> str: ...

    def __call__(self, state: ScanState) -> ScanState: ...


def _cpu() -> float:
    return time.process_time()


def run_stages(stages: Sequence[Stage], state: ScanState, page: bool = False) -> ScanState:
    """Each stage in turn, timed: the one timing loop of the scan path. ``page``: the list is
    a whole page's (counted as a page in the open timing blocks)."""
    for stage in stages:
        wall, cpu = time.perf_counter(), _cpu()
        state = stage(state)
        wall, cpu = time.perf_counter() - wall, _cpu() - cpu
        state.timings.add(stage.name, wall, cpu)
        for t in _open.get():
            t.add(stage.name, wall, cpu)
    if page:
        for t in _open.get():
            t.pages += 1
    return state
