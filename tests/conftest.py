"""Shared fixtures: the rendered fixture set (built on demand from the truth files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.build import build_pdf
from fixtures.truth_model import TruthDoc, all_truth

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "fixtures" / "out"


@pytest.fixture(scope="session")
def truth_docs() -> list[TruthDoc]:
    return all_truth()


@pytest.fixture(scope="session")
def text_pdfs(truth_docs: list[TruthDoc]) -> dict[str, Path]:
    """name -> rendered text PDF, building any that are missing or stale."""
    return {doc.name: build_pdf(doc, OUT) for doc in truth_docs}


@pytest.fixture(scope="session")
def transcripts(truth_docs: list[TruthDoc]) -> dict[str, dict[str, Path]]:
    """name -> {"html": path, "txt": path}: the generated transcripts of every truth document."""
    from fixtures.transcribe import write_transcripts

    out: dict[str, dict[str, Path]] = {}
    for doc in truth_docs:
        paths = write_transcripts(doc, OUT)
        out[doc.name] = {p.suffix.lstrip("."): p for p in paths}
    return out

