"""The form record of forms.md section 5: what normalize produces and score reads.

Values stay plain (numbers, strings) under the contract's keys so that the JSON reads as the
form does; where each value came from lives beside it in ``prov``, keyed by field name.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from jixiao.grid import Box

SCHEMA_VERSION = "1.0"

FormType = Literal["department_overall", "project"]
# ">" / "<" are strict bounds (小于5次, >95%): kept as printed, scored as their non-strict counterparts
Op = Literal[">=", "<=", "=", ">", "<"]
Level1 = Literal["output", "outcome", "satisfaction", "budget_execution"]
Level2 = Literal[
    "quantity",
    "quality",
    "timeliness",
    "cost",
    "economic",
    "social",
    "ecological",
    "sustainability",
    "service_satisfaction",
]
FundsItem = Literal[
    "total", "basic", "project", "other", "fiscal", "carryover", "special_account", "unit_funds",
    # a block split by the level of government that gave the money (中央财政 / 省级财政, then 合计)
    "central", "provincial",
    # 其中:中央、省、市补助县级资金: the higher levels' grants within 财政拨款, a part of a part
    # (no part set sums it with the rows beside it)
    "transfers",
]


class Prov(BaseModel):
    """Where one value was read: page and box for PDFs and images, line and column for text."""

    page: int | None = None
    box: Box | None = None
    raw: str = ""
    confidence: float = 1.0
    line: int | None = None
    column: int | None = None
    # office files: the cell the value is in, as its program names it (Sheet1!F14)
    location: str | None = None
    # how a label was mapped: the canonical choice, its score and the runner-up's margin
    match_score: float | None = None
    match_margin: float | None = None
    # set when a person corrected the value: what was read stays in ``raw``
    corrected: bool = False
    # why the reading this value came from may not hold together (列对齐可疑, ...): a finding
    # resting on it is a review item, not an accusation
    doubt: str | None = None
    # read where a seal's disc meets the cell (scans) and not confirmed by a second engine: a sure
    # read may still hold its strokes
    sealed: bool = False
    # scans: the leading run of a partly sealed cell's text read clear of the seal, and how surely
    # (``Cell.clear``)
    clear: tuple[str, float] | None = None
    # scans: what a second read of the cell saw where it differed from the first (``Cell.reread``):
    # a rival reading the form's own sums may choose, never one put in the first's place unasked
    reread: str | None = None


class Quantity(BaseModel):
    """A target or actual value: the printed text and its parsed form."""

    text: str
    op: Op | None = None
    value: float | None = None
    unit: str | None = None


class FundsRow(BaseModel):
    item: FundsItem
    label: str
    initial_budget: float | None = None
    annual_budget: float | None = None
    executed: float | None = None
    weight: float | None = None
    execution_rate: float | None = None  # percent as printed: 100 for 100%
    score: float | None = None
    prov: dict[str, Prov] = Field(default_factory=dict)


class Goals(BaseModel):
    planned: str | None = None
    actual: str | None = None
    prov: dict[str, Prov] = Field(default_factory=dict)


class Indicator(BaseModel):
    id: str
    parent: str | None = None  # id of the subtotal row this component sums into
    level1: Level1 | None = None
    level2: Level2 | None = None
    name: str
    target: Quantity | None = None
    actual: Quantity | None = None
    weight: float | None = None
    score: float | None = None
    reason: str | None = None
    is_subtotal: bool = False
    children: list[str] = Field(default_factory=list)
    level1_label: str | None = None
    level2_label: str | None = None
    prov: dict[str, Prov] = Field(default_factory=dict)


class Total(BaseModel):
    weight: float | None = None
    score: float | None = None
    prov: dict[str, Prov] = Field(default_factory=dict)


class Contact(BaseModel):
    name: str | None = None
    phone: str | None = None
    prov: dict[str, Prov] = Field(default_factory=dict)


class LabelDecision(BaseModel):
    """How one printed label was mapped: for `jixiao explain` and for LOW_CONFIDENCE findings."""

    kind: str  # funds.column, indicators.column, funds.row, level1, level2, key, ...
    raw: str
    canonical: str | None
    score: float
    runner_up: str | None = None
    runner_score: float = 0.0
    page: int | None = None
    box: Box | None = None
    line: int | None = None
    column: int | None = None

    @property
    def margin(self) -> float:
        return self.score - self.runner_score


class TemplateChoice(BaseModel):
    """Which template family the form was recognised as (jixiao/families/*.toml), how surely, and
    the columns it actually printed and filled: the rules check only what these support."""

    family: str  # "unknown" when no family fits well enough
    confidence: float
    runner_up: str | None = None
    runner_score: float = 0.0
    funds_columns: list[str] = Field(default_factory=list)
    indicator_columns: list[str] = Field(default_factory=list)
    funds_rows: list[str] = Field(default_factory=list)
    # columns whose header is printed but which no row fills ('indicators.score': a form left unfilled)
    empty_columns: list[str] = Field(default_factory=list)
    # what the funds block's money is printed in; every funds number in the record is in this unit
    money_unit: Literal["万元", "元"] = "万元"


class FormSource(BaseModel):
    file: str
    sha256: str
    pages: list[int]
    index: int = 0  # position of this form among the forms of its file


class FormRecord(BaseModel):
    schema_version: str = SCHEMA_VERSION
    source: FormSource
    form_type: FormType | None = None
    template: TemplateChoice | None = None
    title: str | None = None
    year: int | None = None
    unit: str | None = None
    department: str | None = None
    project_name: str | None = None
    fill_date: str | None = None  # ISO date
    funds: list[FundsRow] = Field(default_factory=list)
    goals: Goals = Field(default_factory=Goals)
    indicators: list[Indicator] = Field(default_factory=list)
    total: Total = Field(default_factory=Total)
    grade: Literal["优", "良", "中", "差"] | None = None
    conclusion: str | None = None
    contact: Contact = Field(default_factory=Contact)
    # weights printed beside level-1 labels, e.g. 产出指标(50分)
    level1_declared: dict[str, float] = Field(default_factory=dict)
    # provincial extras: 存在问题, 改进措施 and the like, by their printed label
    extra: dict[str, str] = Field(default_factory=dict)
    prov: dict[str, Prov] = Field(default_factory=dict)
    # how the reader decided things a person may want to check (repairs, unread labels...)
    notes: list[str] = Field(default_factory=list)
    # every label the reader mapped to the canonical schema, with its score and runner-up
    labels: list[LabelDecision] = Field(default_factory=list)
    # doubts about the reading as a whole, by what they bear on ("indicators": a row may be
    # missing, "budget": the budget-execution weight was not read, "funds": a row of numbers in the
    # funds block was read as no funds row): the checks that rest on it
    # report a review item instead of an error
    doubts: dict[str, str] = Field(default_factory=dict)

    def indicator(self, ident: str) -> Indicator | None:
        return next((i for i in self.indicators if i.id == ident), None)

    def funds_row(self, item: str) -> FundsRow | None:
        return next((f for f in self.funds if f.item == item), None)

    def counted(self) -> list[Indicator]:
        """The indicator rows that add up to the total: not subtotal components, and not a
        budget-execution row when the funds block already carries that weight."""
        budget = self.funds_row("total")
        funds_has_budget = budget is not None and budget.weight is not None
        return [i for i in self.indicators
                if i.parent is None and not (funds_has_budget and i.level1 == "budget_execution")]
