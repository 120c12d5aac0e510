"""Template families as data: what columns, funds rows and weight scheme each published template
has, and which rule set applies to it (jixiao/families/*.toml). Normalize recognises a form's
family from its headers and funds block; score checks only what the form's columns support."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jixiao.errors import RulesError

FAMILIES_DIR = Path(__file__).resolve().parent / "families"
UNKNOWN = "unknown"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FamilyColumns(_Strict):
    funds: list[str] = Field(default_factory=list)
    indicators: list[str] = Field(default_factory=list)


class FamilyFunds(_Strict):
    rows: list[str] = Field(default_factory=list)
    money_unit: Literal["万元", "元"] = "万元"
    # groups of rows of which the form must print one each for its rows to fit the family
    requires: list[list[str]] = Field(default_factory=list)


class FamilyWeights(_Strict):
    budget_execution: float = 10
    indicators: float = 90


class Family(_Strict):
    name: str
    description: str = ""
    rules: str = "default"
    form_type: Literal["department_overall", "project"] | None = None
    weight_before_values: bool = False
    columns: FamilyColumns = FamilyColumns()
    funds: FamilyFunds = FamilyFunds()
    weights: FamilyWeights = FamilyWeights()


def _load(path: Path) -> Family:
    try:
        return Family.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: not a valid TOML template family ({exc})") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        raise RulesError(f"{path}: {'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from exc


@lru_cache(maxsize=4)
def families(directory: Path = FAMILIES_DIR) -> tuple[Family, ...]:
    return tuple(_load(p) for p in sorted(directory.glob("*.toml")))


def family(name: str | None) -> Family | None:
    return next((f for f in families() if f.name == name), None)
