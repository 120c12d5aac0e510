"""The work per file, the same function whether it runs here, in a process pool or on Dask."""

from __future__ import annotations

import hashlib
import tempfile
import time
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jixiao.corpus.results import FileError, FileResult, FormResult
from jixiao.errors import InputError, JixiaoError
from jixiao.extract import ReadOptions
from jixiao.extract.open import digest_of
from jixiao.extract.pageset import group_pages
from jixiao.pipeline import process_file, read_options
from jixiao.score.rules import RuleSet, load_rules

SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".txt", ".md", ".html", ".htm",
            ".xlsx", ".xlsm", ".xls", ".et", ".docx", ".docm", ".doc", ".wps", ".ods", ".odt", ".rtf"}


@dataclass(frozen=True)
class Source:
    """A file to read: a path, or a member of a zip archive."""

    path: str
    member: str | None = None

    @property
    def name(self) -> str:
        return f"{self.path}!{self.member}" if self.member else self.path

    def read_bytes(self) -> bytes:
        if self.member is None:
            return Path(self.path).read_bytes()
        with zipfile.ZipFile(self.path) as zf:
            return zf.read(self.member)


def sha256_of(source: Source) -> tuple[str, int]:
    if source.member is not None:
        data = source.read_bytes()
        return hashlib.sha256(data).hexdigest(), len(data)
    return digest_of(Path(source.path))


@lru_cache(maxsize=4)
def _rules(path: str | None) -> RuleSet:
    return load_rules(path)


def read_source(source: Source, sha: str, size: int, rules_path: str | None = None,
                ocr: str = "rapidocr", threads: int | None = None) -> FileResult:
    """Extract, normalise and audit one file; failures come back as data, never raised."""
    start = time.perf_counter()
    try:
        if source.member is None:
            return _result(source, sha, size, Path(source.path), rules_path, start, read_options(ocr, threads))
        suffix = Path(source.member).suffix
        with tempfile.TemporaryDirectory(prefix="jixiao-") as tmp:
            local = Path(tmp) / f"member{suffix}"
            local.write_bytes(source.read_bytes())
            return _result(source, sha, size, local, rules_path, start, read_options(ocr, threads))
    except (OSError, zipfile.BadZipFile, JixiaoError) as exc:
        return FileResult(path=source.name, sha256=sha, size=size, seconds=time.perf_counter() - start,
                          error=FileError(kind="unreadable", reason=str(exc)))


def _result(source: Source, sha: str, size: int, local: Path, rules_path: str | None, start: float,
            options: ReadOptions) -> FileResult:
    outcome = process_file(local, _rules(rules_path), options)
    if outcome.error is not None:
        return FileResult(path=source.name, sha256=sha, size=size, seconds=time.perf_counter() - start,
                          error=_error(outcome.error))
    forms = []
    for r in outcome.results:
        record = r.record.model_copy(update={"source": r.record.source.model_copy(update={"file": source.name})})
        findings = [f.model_copy(update={"form": f.form.model_copy(update={"file": source.name})}) for f in r.findings]
        forms.append(FormResult(record=record, findings=findings, recomputed_total=r.recomputed_total,
                                recomputed_grade=r.recomputed_grade))
    doc = outcome.document
    sizes = [(p.number, p.width, p.height) for p in doc.pages] if doc else []
    return FileResult(path=source.name, sha256=sha, size=size, kind=doc.source.kind if doc else None,
                      n_pages=len(doc.pages) if doc else 0, seconds=time.perf_counter() - start, forms=forms,
                      page_sizes=sizes)


def _error(exc: InputError) -> FileError:
    return FileError(kind=exc.kind, reason=exc.reason)


def discover(paths: list[Path]) -> list[Source]:
    """Every readable file under the given paths, zip members included, in a stable order."""
    found: list[Source] = []
    for path in group_pages(paths):  # page images named one by one are grouped as in a folder
        files = group_pages(sorted(p for p in path.rglob("*") if p.is_file())) if path.is_dir() else [path]
        for f in files:
            found.extend(_expand(f, explicit=not path.is_dir()))
    return found


def _expand(path: Path, explicit: bool) -> list[Source]:
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                names = sorted(n for n in zf.namelist() if Path(n).suffix.lower() in SUFFIXES and not n.endswith("/"))
            return [Source(str(path), n) for n in names]
        except zipfile.BadZipFile:
            return [Source(str(path))]  # reported as unreadable by the reader
    if explicit or path.suffix.lower() in SUFFIXES:
        return [Source(str(path))]
    return []
