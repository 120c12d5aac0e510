"""Settings of the office readers and of the LibreOffice conversion they use for old formats."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class ConvertOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # seconds a conversion may take before LibreOffice is killed. A form converts in 1-3 s once
    # LibreOffice has started; its first start with a new profile takes about 10 s on a loaded
    # 2-core machine, so two minutes is far past any real conversion and still bounds a hang
    timeout: float = 120.0
    # the soffice executable; None looks for soffice / libreoffice on PATH
    soffice: str | None = None
    # LibreOffice's profile (-env:UserInstallation): jixiao's own, never the user's desktop one,
    # so that a running LibreOffice neither receives the job nor is disturbed. None: a folder
    # per user under the system's temporary directory
    profile: Path | None = None


class OfficeOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    convert: ConvertOptions = Field(default_factory=ConvertOptions)
    # an .xlsx or .docx is a zip: refuse one that unpacks past this (a zip bomb) before parsing
    max_unzipped_bytes: int = 512 * 1024 * 1024
    # cells a sheet may hold; a form has a few hundred, a data dump a million
    max_cells: int = 1_000_000
