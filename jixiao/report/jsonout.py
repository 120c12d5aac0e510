"""Machine outputs: form records as JSON Lines, findings as a JSON array."""

from __future__ import annotations

import json
from pathlib import Path

from jixiao.pipeline import FileOutcome
from jixiao.report.io import write_atomic


def records_jsonl(outcomes: list[FileOutcome]) -> str:
    lines = [r.model_dump_json(exclude_none=False) for o in outcomes for r in o.records]
    return "".join(line + "\n" for line in lines)


def findings_json(outcomes: list[FileOutcome]) -> str:
    findings = [f.model_dump(mode="json") for o in outcomes for r in o.results for f in r.findings]
    return json.dumps(findings, ensure_ascii=False, indent=1) + "\n"


def write_records(outcomes: list[FileOutcome], out: Path) -> None:
    write_atomic(out, records_jsonl(outcomes).encode("utf-8"))


def write_findings(outcomes: list[FileOutcome], out: Path) -> None:
    write_atomic(out, findings_json(outcomes).encode("utf-8"))
