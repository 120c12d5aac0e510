"""File to findings, one file at a time: the function every front end (CLI, corpus, review) calls.

A file that cannot be read comes back as an outcome carrying its InputError, never as a raised
exception, so a batch goes on with the rest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from jixiao.errors import InputError, JixiaoError, NoFormFound
from jixiao.extract import ReadOptions, read_document
from jixiao.extract.scanned import ScanReadOptions
from jixiao.grid import Document
from jixiao.normalize import normalize
from jixiao.record import FormRecord
from jixiao.score import AuditResult, audit
from jixiao.score.rules import RuleSet


@dataclass
class FileOutcome:
    path: Path
    results: list[AuditResult] = field(default_factory=list)
    error: InputError | None = None
    document: Document | None = None
    seconds: float = 0.0

    @property
    def records(self) -> list[FormRecord]:
        return [r.record for r in self.results]

    @property
    def ok(self) -> bool:
        return self.error is None


def read_options(ocr: str = "rapidocr", threads: int | None = None) -> ReadOptions:
    """Reading options with the chosen OCR engine for scans (the other breaks ties on numbers)."""
    other = "tesseract" if ocr == "rapidocr" else "rapidocr"
    return ReadOptions(scan=ScanReadOptions(engine=ocr, tie_breaker=other, threads=threads))


def read_forms(path: Path, options: ReadOptions | None = None) -> tuple[Document, list[FormRecord]]:
    """The document and every form in it. Raises InputError (NoFormFound if there is none)."""
    doc = read_document(path, options)
    records = [r for r in normalize(doc) if r.funds or r.indicators]
    if not records:
        raise NoFormFound(path, _no_form_reason(doc))
    return doc, records


def _no_form_reason(doc: Document) -> str:
    grids = sum(len(p.grids) for p in doc.pages)
    if grids == 0:
        return f"no ruled table found on its {len(doc.pages)} page(s): not a 绩效自评表"
    return f"{grids} table(s) found, but none has the blocks of a 绩效自评表 (funds or indicators)"


def process_file(path: Path, rules: RuleSet, options: ReadOptions | None = None) -> FileOutcome:
    start = time.perf_counter()
    outcome = FileOutcome(path=path)
    try:
        outcome.document, records = read_forms(path, options)
        outcome.results = [audit(r, rules) for r in records]
    except InputError as exc:
        outcome.error = exc
    except JixiaoError as exc:  # e.g. an OCR engine missing: still one line about this file
        outcome.error = InputError(path, str(exc))
    except (OSError, MemoryError) as exc:
        outcome.error = InputError(path, f"cannot be read ({exc.__class__.__name__}: {exc})")
    outcome.seconds = time.perf_counter() - start
    return outcome
