"""The work per file, the same function whether it runs here, in a worker process or on Dask; and
finding the files (zip members too, zips inside zips to a depth) and their digests.

Nothing here raises for what a file or an archive holds: a member that cannot be read, a bomb,
a password, a duplicate name or a zip nested too deep comes back as that source's failure, with
the reason, and the batch goes on.
"""

from __future__ import annotations

import hashlib
import re
import resource
import shutil
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO

from pydantic import BaseModel, ConfigDict

from jixiao.corpus.results import FileError, FileResult, FormResult
from jixiao.crashlog import internal_error
from jixiao.errors import (
    CorruptFile,
    EmptyFile,
    EncryptedFile,
    InputError,
    JixiaoError,
    Skipped,
    TooLarge,
    UnsupportedFile,
)
from jixiao.extract import ReadOptions
from jixiao.extract.base import ReadLimits
from jixiao.extract.office.archive import check_member
from jixiao.extract.open import digest_of
from jixiao.extract.pageset import group_pages
from jixiao.pipeline import process_file, read_options
from jixiao.score.rules import RuleSet, load_rules

SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".txt", ".md", ".html", ".htm",
            ".xlsx", ".xlsm", ".xls", ".et", ".docx", ".docm", ".doc", ".wps", ".ods", ".odt", ".rtf"}
ARCHIVE_SUFFIXES = {".zip"}
_BLOCK = 1 << 20


class ZipLimits(BaseModel):
    """What a zip archive may ask of the machine. Members are inflated as they are read, never
    whole in memory, and checked on their declared size before a byte is inflated (a member
    cannot inflate past it: the reader stops there and the CRC fails)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # a member larger than a file may be (ReadLimits.max_bytes) is refused as a file would be
    max_member_bytes: int = ReadLimits().max_bytes
    # a member of over ``ratio_floor`` bytes that inflates more than this many times is a bomb:
    # PDFs and images hardly compress (1-1.3×), transcripts ~5×, a blank uncompressed TIFF ~100×
    max_ratio: float = 200.0
    ratio_floor: int = 10 * 1024 * 1024
    # an archive's members (its central directory is read whole, in this process)
    max_members: int = 100_000
    # zips inside zips: an archive of archives is read; past this many levels, not
    max_depth: int = 3


ZIP_LIMITS = ZipLimits()


@dataclass(frozen=True)
class Source:
    """A file to read: a path, or a member of a zip archive (``member``), or a member of a zip
    that is itself a member (``inner``: the members' names, outermost first)."""

    path: str
    member: str | None = None
    inner: tuple[str, ...] = ()

    @property
    def chain(self) -> tuple[str, ...]:
        return (self.member, *self.inner) if self.member is not None else ()

    @property
    def name(self) -> str:
        return "!".join((self.path, *self.chain))

    @property
    def suffix(self) -> str:
        """The suffix the reader sees (a member's, sanitised: names in zips are data)."""
        last = self.chain[-1] if self.chain else self.path
        suffix = Path(last).suffix.lower()
        return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""

    @contextmanager
    def open(self, limits: ZipLimits = ZIP_LIMITS, seekable: bool = False) -> Iterator[IO[bytes]]:
        """The bytes as a stream: a member inflated as it is read. A zip inside a zip is spilled
        to a temporary file (its size checked first) so that its directory can be read; with
        ``seekable``, the member itself too."""
        if not self.chain:
            with open(self.path, "rb") as f:
                yield f
            return
        with ExitStack() as stack, zip_errors(self.name):
            archive: str | IO[bytes] = self.path
            for depth, name in enumerate(self.chain):
                zf = stack.enter_context(zipfile.ZipFile(archive))
                info = member_info(zf, name, self.name, limits)
                stream = stack.enter_context(zf.open(info))
                if depth == len(self.chain) - 1 and not seekable:
                    yield stream
                    return
                spill = stack.enter_context(tempfile.TemporaryFile(prefix="jixiao-zip-"))
                shutil.copyfileobj(stream, spill, _BLOCK)
                spill.seek(0)
                archive = spill
            yield spill

    def read_bytes(self) -> bytes:
        with self.open() as f:
            return f.read()


def member_info(zf: zipfile.ZipFile, name: str, shown: str, limits: ZipLimits = ZIP_LIMITS) -> zipfile.ZipInfo:
    """The member ``name``, refused before any inflating if it is encrypted or a bomb."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise CorruptFile(shown, "no such member in the zip archive") from None
    check_member(info, shown, limits.max_member_bytes, limits.max_ratio, limits.ratio_floor,
                 ("ZipLimits.max_member_bytes", "ZipLimits.max_ratio"))
    return info


@contextmanager
def zip_errors(shown: str) -> Iterator[None]:
    """What zipfile and zlib raise on a damaged or odd archive, as jixiao's errors."""
    try:
        yield
    except InputError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise CorruptFile(shown, f"damaged zip archive ({type(exc).__name__}: {exc})") from exc
    except NotImplementedError as exc:  # compression method 99 (AES), deflate64, strong encryption
        raise UnsupportedFile(shown, f"a zip member stored in a way that cannot be read ({exc})") from exc
    except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required"
        raise EncryptedFile(shown, f"a password-protected zip member: not read ({exc})") from exc
    except MemoryError as exc:
        raise TooLarge(shown, "the zip archive is too large to read: out of memory") from exc
    except OSError as exc:
        raise InputError(shown, f"cannot be read ({exc.strerror or exc})") from exc


def sha256_of(source: Source) -> tuple[str, int]:
    """sha256 and size of the source's bytes, streamed (a zip member inflated once, in blocks)."""
    if not source.chain:
        return digest_of(Path(source.path))
    digest, size = hashlib.sha256(), 0
    with source.open() as f, zip_errors(source.name):
        for block in iter(lambda: f.read(_BLOCK), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def failure_key(name: str) -> str:
    """The key of a failure found before the content could be hashed: stable, so that a rerun
    counts it as failed before (and skips it) instead of failing it again."""
    return "unread-" + hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:57]


def failed(name: str, sha: str, size: int, error: InputError, seconds: float = 0.0) -> FileResult:
    return FileResult(path=name, sha256=sha, size=size, seconds=seconds, error=file_error(error))


def file_error(exc: InputError) -> FileError:
    return FileError(kind=exc.kind, reason=exc.reason, error_type=exc.error_type)


@lru_cache(maxsize=4)
def _rules(path: str | None) -> RuleSet:
    return load_rules(path)


def read_source(source: Source, sha: str, size: int, rules_path: str | None = None,
                ocr: str = "rapidocr", threads: int | None = None,
                seconds_per_page: float | None = None) -> FileResult:
    """Extract, normalise and audit one file; failures come back as data, never raised. The
    result says what the reading cost the process that ran it (CPU of all its threads, and its
    peak memory so far): a pool's workers are not the ingest's children, so only they can say."""
    before = _cpu_seconds()
    result = _read_source(source, sha, size, rules_path, ocr, threads, seconds_per_page)
    result.cpu_seconds = _cpu_seconds() - before
    result.peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    return result


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _read_source(source: Source, sha: str, size: int, rules_path: str | None, ocr: str,
                 threads: int | None, seconds_per_page: float | None) -> FileResult:
    start = time.perf_counter()
    try:
        options = read_options(ocr, threads, seconds_per_page)
        if not source.chain:
            return _result(source, sha, size, Path(source.path), rules_path, start, options)
        with tempfile.TemporaryDirectory(prefix="jixiao-") as tmp:
            local = Path(tmp) / f"member{source.suffix}"
            with source.open() as src, local.open("wb") as dst, zip_errors(source.name):
                shutil.copyfileobj(src, dst, _BLOCK)
            return _result(source, sha, size, local, rules_path, start, options)
    except InputError as exc:
        error = exc
    except JixiaoError as exc:  # a rule set that does not load: still this file's one line
        error = InputError(source.name, str(exc))
    except OSError as exc:
        error = InputError(source.name, f"cannot be read ({exc.strerror or exc})")
    except Exception as exc:  # noqa: BLE001 - a bug of jixiao's, said so, traceback logged
        error = internal_error(source.name, exc)
    return failed(source.name, sha, size, error, time.perf_counter() - start)


def _result(source: Source, sha: str, size: int, local: Path, rules_path: str | None, start: float,
            options: ReadOptions) -> FileResult:
    outcome = process_file(local, _rules(rules_path), options)
    if outcome.error is not None:
        error = outcome.error
        if str(local) != source.name:  # the reason names the source, never the temporary copy
            error.file = source.name
        return failed(source.name, sha, size, error, time.perf_counter() - start)
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


# ---------------------------------------------------------------- finding the files


@dataclass
class Found:
    """What discovery found: the sources to read, and what it could not open or left out (a
    damaged archive, an encrypted member, a duplicate name, a zip nested too deep)."""

    sources: list[Source] = field(default_factory=list)
    refused: list[FileResult] = field(default_factory=list)


def discover(paths: list[Path], limits: ZipLimits = ZIP_LIMITS) -> list[Source]:
    """Every readable file under the given paths, zip members included, in a stable order."""
    return find_sources(paths, limits).sources


def find_sources(paths: list[Path], limits: ZipLimits = ZIP_LIMITS) -> Found:
    """``discover``, with what could not be opened or was left out, each as its failure."""
    found = Found()
    for path in group_pages(paths):  # page images named one by one are grouped as in a folder
        files = group_pages(sorted(p for p in path.rglob("*") if p.is_file())) if path.is_dir() else [path]
        for f in files:
            if f.suffix.lower() in ARCHIVE_SUFFIXES and f.is_file():
                _expand(Source(str(f)), found, limits)
            elif not path.is_dir() or f.suffix.lower() in SUFFIXES:
                found.sources.append(Source(str(f)))
    return found


def _expand(archive: Source, found: Found, limits: ZipLimits) -> None:
    """The members of a zip (``archive`` a file, or a zip member itself) into ``found``."""
    try:
        with archive.open(limits, seekable=True) as stream, zip_errors(archive.name), \
                zipfile.ZipFile(stream) as zf:
            infos = zf.infolist()
            if len(infos) > limits.max_members:
                raise TooLarge(archive.name, f"a zip archive of {len(infos)} members, over the limit of "
                                             f"{limits.max_members}")
            members = _members(archive, infos, found)
    except InputError as exc:
        found.refused.append(failed(archive.name, failure_key(archive.name), 0, exc))
        return
    if not members:  # said, not passed over in silence: an archive given to be read held nothing
        what = (f"no PDF, image, transcript or zip among its {len(infos)} member(s)" if infos
                else "an empty zip archive (no members)")
        error = EmptyFile(archive.name, what) if not infos else UnsupportedFile(archive.name, what)
        found.refused.append(failed(archive.name, failure_key(archive.name), 0, error))
    for member in sorted(members, key=lambda m: m.name):
        if member.suffix in ARCHIVE_SUFFIXES:
            if len(member.chain) > limits.max_depth:
                skip = Skipped(member.name, f"a zip inside zips {len(member.chain)} levels deep: not opened "
                                            f"(the limit is {limits.max_depth})")
                found.refused.append(failed(member.name, failure_key(member.name), 0, skip))
            else:
                _expand(member, found, limits)
        else:
            found.sources.append(member)


def _members(archive: Source, infos: list[zipfile.ZipInfo], found: Found) -> list[Source]:
    """The members worth reading; a name that occurs twice is read once (the last, which is what
    zipfile and unzip give), and the earlier one is reported as skipped."""
    def child(name: str) -> Source:
        if not archive.chain:
            return Source(archive.path, name)
        return Source(archive.path, archive.chain[0], (*archive.chain[1:], name))

    seen: dict[str, int] = {}
    for info in infos:
        seen[info.filename] = seen.get(info.filename, 0) + 1
    out: list[Source] = []
    for name, count in seen.items():
        source = child(name)
        if name.endswith("/") or source.suffix not in SUFFIXES | ARCHIVE_SUFFIXES:
            continue
        if count > 1:
            skip = Skipped(source.name, f"{count - 1} earlier member(s) of the same name in the zip: "
                                        "only the last is read")
            found.refused.append(failed(source.name, failure_key(source.name + "#dup"), 0, skip))
        out.append(source)
    return out
