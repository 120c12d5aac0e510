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
    # an .xlsx, .docx, .ods or .odt is a zip: refuse one that unpacks past these (a zip bomb)
    # from its directory, before parsing. A form's largest member (a sheet or document.xml) is
    # 30-400 KB and packs 5-15:1; a workbook holding a data dump packs up to ~50:1, so 200:1 on
    # a member past 16 MB is no office program's output, and DEFLATE's ceiling is ~1032:1
    max_unzipped_bytes: int = 512 * 1024 * 1024
    max_member_bytes: int = 256 * 1024 * 1024
    max_zip_ratio: float = 200.0
    ratio_floor_bytes: int = 16 * 1024 * 1024
    # cells a sheet may hold; a form has a few hundred, a data dump a million
    max_cells: int = 1_000_000
    # a Word table's grid: the fixture forms use 8-12 grid columns and 20-60 rows, a real form
    # with a split header at most ~30 columns. A gridSpan or gridBefore past the column limit
    # (a hostile file: gridSpan="99999999") would have the reader fill millions of slots
    max_table_cols: int = 256
    max_table_rows: int = 10_000
