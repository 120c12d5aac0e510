"""What reading one file yields, as plain data that crosses process and Dask boundaries."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from jixiao.errors import input_error
from jixiao.findings import Finding
from jixiao.pipeline import FileOutcome
from jixiao.record import FormRecord
from jixiao.score import AuditResult


class FormResult(BaseModel):
    record: FormRecord
    findings: list[Finding]
    recomputed_total: float | None = None
    recomputed_grade: str | None = None


class FileError(BaseModel):
    kind: str
    reason: str
    # the exception underneath (PSEOF, BadZipFile, DecompressionBombError, KeyError for a bug)
    error_type: str | None = None


class FileResult(BaseModel):
    path: str  # as given; 'archive.zip!inner/form.pdf' for a member of a zip
    sha256: str
    size: int
    kind: str | None = None
    n_pages: int = 0
    seconds: float = 0.0
    forms: list[FormResult] = Field(default_factory=list)
    # (page, width, height) in PDF points: where the review draws the boxes
    page_sizes: list[tuple[int, float, float]] = Field(default_factory=list)
    error: FileError | None = None
    # what reading it cost the process that read it: CPU seconds (every thread), and that
    # process's peak resident memory in MB (a worker's high-water mark, over all it has read)
    cpu_seconds: float = 0.0
    peak_mb: float = 0.0


def outcome_of(result: FileResult) -> FileOutcome:
    """A result come back from a worker as the outcome the reports take (``pipeline.process_file``'s),
    its failure the InputError of the same kind and reason."""
    path = Path(result.path)
    outcome = FileOutcome(path=path, seconds=result.seconds)
    if result.error is not None:
        e = result.error
        outcome.error = input_error(e.kind, path, e.reason, e.error_type)
        return outcome
    outcome.results = [AuditResult(f.record, f.findings, f.recomputed_total, f.recomputed_grade)
                       for f in result.forms]
    return outcome
