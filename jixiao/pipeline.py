"""File to findings, one file at a time: the function every front end (CLI, corpus, review) calls.

A file that cannot be read comes back as an outcome carrying its InputError, never as a raised
exception, so a batch goes on with the rest. That holds for any exception: what jixiao does not
expect is a bug of its own, reported as such with the traceback in the log (``crashlog``).
Reading runs under the per-page time limit of ``ReadLimits`` (``deadline``).
"""

from __future__ import annotations

import resource
import time
from dataclasses import dataclass, field
from pathlib import Path

from jixiao.crashlog import internal_error
from jixiao.deadline import Expired, time_limit
from jixiao.errors import InputError, JixiaoError, NoFormFound, OutOfTime, TooLarge
from jixiao.extract import ExtractResult, ReadLimits, ReadOptions, extract_document
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


def read_options(ocr: str = "rapidocr", threads: int | None = None,
                 seconds_per_page: float | None = None) -> ReadOptions:
    """Reading options with the chosen OCR engine for scans (the other breaks ties on numbers)
    and, if given, the time limit per page (0: none)."""
    other = "tesseract" if ocr == "rapidocr" else "rapidocr"
    limits = ReadLimits() if seconds_per_page is None else ReadLimits(seconds_per_page=seconds_per_page)
    return ReadOptions(scan=ScanReadOptions(engine=ocr, tie_breaker=other, threads=threads), limits=limits)


def read_forms(path: Path, options: ReadOptions | None = None) -> tuple[Document, list[FormRecord]]:
    """The document and every form in it. Raises InputError (NoFormFound if there is none)."""
    extracted = extract_document(path, options)
    doc = extracted.document
    records = [r for r in normalize(doc) if r.funds or r.indicators]
    if not records:
        raise NoFormFound(path, _no_form_reason(extracted))
    return doc, records


def _no_form_reason(extracted: ExtractResult) -> str:
    doc = extracted.document
    grids = sum(len(p.grids) for p in doc.pages)
    if grids:
        return f"{grids} table(s) found, but none has the blocks of a 绩效自评表 (funds or indicators)"
    # a page left out on purpose (too small to be a form page) says why
    why = sorted({r for r, s in zip(extracted.reasons, extracted.status) if s == "blank" and r
                  and r != "nothing on the page"})
    because = f" ({'; '.join(why)})" if why else ""
    return f"no ruled table found on its {len(doc.pages)} page(s): not a 绩效自评表{because}"


def process_file(path: Path, rules: RuleSet, options: ReadOptions | None = None) -> FileOutcome:
    """Read and audit one file. Never raises for anything the file does (KeyboardInterrupt and
    SystemExit pass through): the failure is ``outcome.error``."""
    options = options or ReadOptions()
    start = time.perf_counter()
    outcome = FileOutcome(path=path)
    clock = None
    try:
        with time_limit(options.limits.seconds_per_page) as clock:
            outcome.document, records = read_forms(path, options)
            outcome.results = [audit(r, rules) for r in records]
    except Expired:
        outcome.error = OutOfTime(path, clock.reason() if clock else "timed out")
    except InputError as exc:
        outcome.error = exc
    except JixiaoError as exc:  # e.g. an OCR engine missing: still one line about this file
        if _memory_limit() and any(s in str(exc) for s in _OUT_OF_MEMORY):  # onnxruntime, under --memory
            outcome.error = _wrapped(TooLarge(path, f"{OUT_OF_MEMORY_REASON}{_memory_limit()}"), exc)
        else:
            outcome.error = _wrapped(InputError(path, str(exc)), exc)
    except MemoryError as exc:
        outcome.error = _wrapped(TooLarge(path, f"{OUT_OF_MEMORY_REASON}{_memory_limit()}"), exc)
    except OSError as exc:
        outcome.error = _wrapped(InputError(path, f"cannot be read ({exc.__class__.__name__}: {exc})"), exc)
    except Exception as exc:  # noqa: BLE001 - anything else is a bug of jixiao's: said so, traceback logged
        outcome.error = internal_error(path, exc)
    if outcome.error is not None:
        outcome.document, outcome.results = None, []
    outcome.seconds = time.perf_counter() - start
    return outcome


# the start of the reason for a file that ran out of memory (the corpus pool retires the worker)
OUT_OF_MEMORY_REASON = "ran out of memory while reading it"
# what C++ libraries say when an allocation fails (they raise their own errors, not MemoryError)
_OUT_OF_MEMORY = ("Cannot allocate memory", "bad_alloc", "out of memory", "Failed to allocate")


def _memory_limit() -> str:
    """The address-space limit this process runs under, if any (a corpus worker's ``--memory``)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return ""
    return f" (this process may use {soft / 2**20:.0f} MB: see --memory)"


def _wrapped(error: InputError, cause: BaseException) -> InputError:
    error.__cause__ = cause
    return error
