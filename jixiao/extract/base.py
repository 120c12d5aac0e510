"""Types shared by the readers: limits, per-page status, and the "needs OCR" signal."""

from __future__ import annotations

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
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_bytes: int = 200 * 1024 * 1024
    max_pages: int = 500


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
