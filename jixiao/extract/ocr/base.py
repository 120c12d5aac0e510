"""What every OCR engine gives the scan path, and the registry that hands engines out.

An engine does two jobs:

- ``read_page``: detection and recognition over a whole page image, in one call (one model
  run or one process per page, never one per cell);
- ``read_lines``: recognition only, of many small crops at once (the digit-aware second pass on
  numeric cells, and re-reads of single cells).

Each engine module is split in two, as in img2table's ``ocr/``: a thin call into the library
that returns its raw output as plain lists and dicts, and a pure ``convert_*`` function from
that raw output to ``OcrBox``. The conversions are tested on recorded raw output (JSON under
``tests/data/``) without any engine installed.

Images are numpy arrays in jixiao's convention (``jixiao.extract.raster``): RGB ``(H, W, 3)``
or grey ``(H, W)``, uint8. Engines that want BGR convert themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

from jixiao.errors import (
    OcrUnavailable,
)
from jixiao.extract.assign import Piece
from jixiao.extract.pixels import Image

LineKind = Literal["text", "numeric"]
Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class OcrBox:
    """One recognised line (or word) in pixels of the image it was read from, origin top-left.

    ``polygon`` is the engine's 4-point quadrilateral (clockwise from top-left) when it has one:
    detection boxes of a skewed scan are not axis-aligned, and the axis-aligned box is their
    bounding box. ``confidence`` is 0..1 whatever scale the engine uses.
    """

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    confidence: float
    polygon: tuple[Point, Point, Point, Point] | None = None

    def to_piece(self, px_per_point: float) -> Piece:
        """The box in PDF points, for ``jixiao.extract.assign``; ``px_per_point`` = dpi / 72."""
        s = 1.0 / px_per_point
        return Piece(self.x0 * s, self.y0 * s, self.x1 * s, self.y1 * s, self.text, self.confidence)


def to_pieces(boxes: Sequence[OcrBox], px_per_point: float) -> list[Piece]:
    return [b.to_piece(px_per_point) for b in boxes]


@runtime_checkable
class OcrEngine(Protocol):
    """What the scan path calls. Implementations are cached: see ``get_engine``."""

    name: ClassVar[str]

    def read_page(self, image: Image, line_mask: Image | None = None) -> list[OcrBox]:
        """Every text line on the page. ``line_mask`` (non-zero on ruling lines, same size as
        the image) is what the table reader found; engines that need lines erased use it, the
        others ignore it."""
        ...

    def read_lines(self, crops: Sequence[Image], kind: LineKind, trim: bool | None = None) -> list[tuple[str, float]]:
        """(text, confidence) for each crop, in order; each crop holds one line of text (a
        whole cell crop is fine: engines cut it to its ink). ``numeric`` promises a number:
        tesseract then reads only ``0-9 . % - ,`` and answers a ≥ or 个 with garbage at low
        confidence; spaces are dropped from numeric answers. ``trim`` False: the crops are
        already cut to their ink (the scan path cuts them from the lines it found), and an
        engine's own cut, a global threshold, would lose a faint stroke at their edge; None:
        the engine's own setting."""
        ...


class EngineClass(Protocol):
    """An engine class as the registry sees it: its name, its options model, a constructor."""

    name: ClassVar[str]
    Options: ClassVar[type[BaseModel]]

    def __call__(self, options: Any) -> OcrEngine: ...


ENGINES: dict[str, EngineClass] = {}

_T = TypeVar("_T")


def register_engine(cls: _T) -> _T:
    """Class decorator: make an engine available to ``get_engine`` under its ``name``."""
    ENGINES[cls.name] = cls  # type: ignore[attr-defined,assignment]
    return cls


# one instance per (engine, options), reused for every page and crop of a run: building the
# RapidOCR sessions takes ~0.6 s (measured, 2 cores), and a tesserocr API holds its language
# model and must not be created per cell
_cache: dict[tuple[str, str], OcrEngine] = {}
_cache_lock = threading.Lock()


def engine_options(name: str, options: BaseModel | Mapping[str, Any] | None = None) -> BaseModel:
    """The engine's options model, validated (a mistyped option fails here, at once)."""
    cls = _engine_class(name)
    if isinstance(options, cls.Options):
        return options
    if isinstance(options, BaseModel):
        options = options.model_dump()
    return cls.Options.model_validate(dict(options or {}))


def get_engine(name: str, options: BaseModel | Mapping[str, Any] | None = None) -> OcrEngine:
    """The engine called ``name`` with these options, loaded once per process.

    Raises ``OcrUnavailable`` (with what to install) for an unknown name or a missing library
    or model, and pydantic's ``ValidationError`` for options the engine does not have.
    """
    cls = _engine_class(name)
    opts = engine_options(name, options)
    key = (name, opts.model_dump_json())
    with _cache_lock:
        engine = _cache.get(key)
        if engine is None:
            engine = _cache[key] = cls(opts)
    return engine


def clear_engine_cache() -> None:
    """Forget loaded engines (tests; freeing memory after a batch)."""
    with _cache_lock:
        _cache.clear()


def _engine_class(name: str) -> EngineClass:
    cls = ENGINES.get(name)
    if cls is None:
        known = ", ".join(sorted(ENGINES)) or "none"
        raise OcrUnavailable(f"no OCR engine called {name!r} (known: {known})")
    return cls


# ---------------------------------------------------------------- helpers shared by engines


def clean_line(text: str, kind: LineKind) -> str:
    """One recognised line tidied: whitespace runs become one space; numeric lines lose every
    space, because a value cell holds one number and engines split ``738. 26`` at the dot."""
    text = " ".join(text.split())
    return text.replace(" ", "") if kind == "numeric" else text


def summary(exc: BaseException) -> str:
    """The last non-empty line of an exception's message (onnxruntime puts a traceback first)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__
