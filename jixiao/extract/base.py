"""Types shared by the readers: limits, per-page status, and the "needs OCR" signal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from jixiao.errors import InputError, OcrUnavailable
from jixiao.grid import Page, SourceKind

FileKind = Literal["pdf", "png", "jpeg", "tiff", "transcript", "xlsx", "xls", "docx", "doc", "ods", "odt", "rtf"]

# text: read from the text layer; needs_ocr: no usable text layer (a scan, outlined text);
# blank: nothing drawn at all (separator pages in bound archives)
PageStatus = Literal["text", "needs_ocr", "blank"]


class ReadLimits(BaseModel):
    """What one file may cost, each checked before the work it bounds; a file past one is refused
    with the limit named. The fixture forms are far inside every one of them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_bytes: int = 200 * 1024 * 1024
    # pages of a PDF, frames of an image file, pages of a page set: a bound archive volume is
    # a few hundred; every page is read (a scan page OCRs in ~1.5 s, a text page in ~0.05 s)
    max_pages: int = 500
    # a page image, decoded or rendered for OCR: an A3 page at 600 dpi is 70 million pixels
    # (the largest fixture page, A4 at 300 dpi, is 8.7 million); RGB takes 3 bytes each, and
    # the scan path keeps a few grey copies
    max_page_pixels: int = 100_000_000
    # a side shorter than this cannot hold a form's rows of text (a character needs ~10 px;
    # the smallest fixture page is 1653 px wide)
    min_page_side: int = 200
    # a page longer than this many times its width (or wider) is a strip, not a page (a form
    # photographed on a phone in one long scrolling screenshot is under 10)
    max_page_aspect: float = 20.0
    # a transcript: the largest fixture (three forms in HTML) is 15 KB; the HTML and text
    # readers are pure Python, several seconds per MB on this machine
    max_transcript_bytes: int = 2 * 1024 * 1024
    # one transcript table: the largest fixture table has 338 cells; normalize matches every
    # row's labels against the lexicon (~0.6 ms a cell here: 20,000 cells ~12 s); a merged
    # cell's rowspan × colspan slots are all filled, so they are counted too
    max_table_cells: int = 20_000
    max_table_slots: int = 200_000
    # the time a file may take, per page (a hung or hostile file is stopped, the batch goes on);
    # a scan page takes ~1.5 s alone, several times that on a loaded machine
    seconds_per_page: float = 120.0


@dataclass(frozen=True)
class PageResult:
    page: Page
    status: PageStatus
    # why a page is not "text", in one short phrase
    reason: str = ""


@dataclass
class ReadResult:
    """What a reader returns: pages in order with their status, and the document's kind."""

    kind: SourceKind
    pages: list[PageResult] = field(default_factory=list)

    def needing_ocr(self) -> list[PageResult]:
        return [p for p in self.pages if p.status == "needs_ocr"]


class NeedsOcr(InputError, OcrUnavailable):
    """Pages (or a whole image file) that only OCR can read, and no OCR reader is registered.

    An InputError, so the CLI prints it as ``file: reason`` like any unreadable file, and an
    OcrUnavailable, so callers that treat missing OCR specially can catch it as such.
    """

    kind = "needs_ocr"

    def __init__(self, file: str | Path, reason: str, pages: list[int] | None = None) -> None:
        self.pages = pages or []
        super().__init__(file, reason)


def page_list(numbers: list[int]) -> str:
    """'3', '2, 5' or '1-4, 7': page numbers as a person writes them."""
    spans: list[list[int]] = []
    for n in sorted(numbers):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


# ---------------------------------------------------------------- how many pages are coming

PageListener = Callable[[int], None]
_listeners: list[PageListener] = []


def expect_pages(n: int) -> None:
    """Readers call this as soon as they know how many pages a file holds: the time a file may
    take is per page, so whoever keeps the clock (``jixiao.deadline``, a worker pool) extends it."""
    for listener in _listeners:
        listener(n)


@contextmanager
def listening_for_pages(listener: PageListener) -> Iterator[None]:
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)
