"""The rule set as data: a TOML file validated into typed settings. A mistyped key fails at once."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jixiao.errors import RulesError

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tolerance(_Strict):
    score: float = 0.01
    money: float = 0.011
    rate_extra_pct: float = 0.0


class Weights(_Strict):
    total: float = 100
    standard: dict[str, float] = Field(
        default_factory=lambda: {"output": 50.0, "outcome": 30.0, "satisfaction": 10.0, "budget_execution": 10.0}
    )
    fixed: list[str] = Field(default_factory=lambda: ["budget_execution"])


class BudgetExecution(_Strict):
    cap: float = 1.0
    round: Literal["none", "integer"] = "none"
    # forms.md rule 3 takes the rate as B / A; a province that scores from the rate as printed
    # (rounded: 96% for 96.2%) can allow that here
    from_printed_rate: bool = False


class IndicatorRules(_Strict):
    positive: Literal["ratio"] = "ratio"
    negative: Literal["ratio", "deviation"] = "ratio"
    completion_percent: bool = True


class Qualitative(_Strict):
    achieved: tuple[float, float] = (0.8, 1.0)
    partial: tuple[float, float] = (0.5, 0.8)
    failed: tuple[float, float] = (0.0, 0.5)
    achieved_words: list[str] = Field(default_factory=list)
    partial_words: list[str] = Field(default_factory=list)
    failed_words: list[str] = Field(default_factory=list)
    achieved_min_pct: float = 100
    partial_min_pct: float = 50


class DeviationReason(_Strict):
    when_score_below_weight: bool = True
    when_execution_rate_below: float = 0
    when_actual_over_target_pct: float = 0


class FundsRules(_Strict):
    columns: list[str] = Field(default_factory=lambda: ["initial_budget", "annual_budget", "executed"])
    part_sets: list[list[str]] = Field(default_factory=list)


class Confidence(_Strict):
    low: float = 0.8
    label_margin: float = 8.0


class RuleSet(_Strict):
    name: str
    description: str = ""
    extends: str | None = None
    tolerance: Tolerance = Tolerance()
    weights: Weights = Weights()
    budget_execution: BudgetExecution = BudgetExecution()
    indicator: IndicatorRules = IndicatorRules()
    qualitative: Qualitative = Qualitative()
    grades: dict[str, float] = Field(default_factory=lambda: {"优": 90.0, "良": 80.0, "中": 60.0})
    deviation_reason: DeviationReason = DeviationReason()
    funds: FundsRules = FundsRules()
    confidence: Confidence = Confidence()

    def grade_for(self, total: float) -> str:
        for grade, floor in sorted(self.grades.items(), key=lambda kv: -kv[1]):
            if total >= floor - 1e-9:
                return grade
        return "差"


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path in seen:
        raise RulesError(f"{path}: rule sets extend each other in a loop")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RulesError(f"{path}: no such rule-set file") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: not a valid TOML rule set ({exc})") from exc
    parent = data.get("extends")
    if parent:
        base = _read(_locate(str(parent), path.parent), (*seen, path))
        data = _merge(base, data)
    return data


def _locate(name: str, near: Path) -> Path:
    for candidate in (near / name, near / f"{name}.toml", RULES_DIR / f"{name}.toml", Path(name)):
        if candidate.is_file():
            return candidate
    raise RulesError(f"rule set {name!r} not found (looked beside {near} and in {RULES_DIR})")


def load_rules(path: str | Path | None = None) -> RuleSet:
    """The rule set at ``path`` (a file, or the name of a shipped set); the default set if None."""
    target = RULES_DIR / "default.toml" if path is None else _locate(str(path), Path.cwd())
    data = _read(target)
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RulesError(f"{target}: {where}: {first['msg']}") from exc


@cache
def shipped_rules(name: str) -> RuleSet:
    """A rule set shipped with jixiao (a template family names one), read once per process: the
    files are package data, and a RuleSet is frozen, so one instance serves every form."""
    return load_rules(RULES_DIR / f"{name}.toml")


def shipped_rule_sets() -> list[str]:
    return sorted(p.stem for p in RULES_DIR.glob("*.toml"))
