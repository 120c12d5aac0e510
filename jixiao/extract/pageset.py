"""Page images of one document filed as separate files: form-p1.png, form-p2.png.

Scanners and archives often keep a multi-page form as one image per page. Image files in one
folder whose names differ only by a trailing page number counting up from 1 (``-p1``, ``_page2``,
``第3页``, ``(2)``, ``_02``) are read as one document. Its name is the first file's path followed by
the other files' names, each after a '+' (``scans/form-p1.png+form-p2.png``), so that every stage
that needs the pages again (report crops, the review app, the corpus) finds them from the name.

Whether a page continues the form before it or starts another is left to the form splitter, as
for any multi-page file: a page with its own title starts its own form.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})
_PAGE = re.compile(r"^(?P<stem>.*?\D)[\s_\-.]*(?:p|pg|page|第)?\s*[(（]?(?P<n>\d{1,3})[)）]?\s*页?$", re.IGNORECASE)
_JOIN = "+"


def group_pages(paths: Sequence[Path]) -> list[Path]:
    """``paths`` with each run of page images of one document replaced by its page-set name, at
    the place of its first page; everything else as it was."""
    runs: dict[tuple[Path, str], list[tuple[int, Path]]] = {}
    for path in paths:
        key = _key(path)
        if key is not None:
            runs.setdefault(key[0], []).append((key[1], path))
    sets: dict[Path, list[Path]] = {}
    for members in runs.values():
        numbers = sorted(n for n, _ in members)
        if len(members) >= 2 and numbers == list(range(1, len(members) + 1)):
            files = [p for _, p in sorted(members)]
            sets.update({p: files for p in files})
    out: list[Path] = []
    placed: set[str] = set()
    for path in paths:
        if path not in sets:
            out.append(path)
        elif (name := set_name(sets[path])) not in placed:
            placed.add(name)
            out.append(Path(name))
    return out


def _key(path: Path) -> tuple[tuple[Path, str], int] | None:
    # a name that is not a file is left alone, to be reported by itself (and not take the pages
    # it would have been grouped with down with it)
    if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
        return None
    m = _PAGE.match(path.stem)
    if m is None:
        return None
    return (path.parent, m["stem"].rstrip(" _-.").lower()), int(m["n"])


def set_name(files: Sequence[Path]) -> str:
    return str(files[0]) + "".join(_JOIN + f.name for f in files[1:])


def set_files(path: Path) -> list[Path] | None:
    """The page files a page-set name stands for, in page order; None for any other path (a
    real file whose name holds a '+' is that file)."""
    name = str(path)
    if _JOIN not in path.name or path.exists():
        return None
    first, *others = name.split(_JOIN)
    files = [Path(first), *(Path(first).parent / other for other in others)]
    if not all(f.suffix.lower() in IMAGE_SUFFIXES and "/" not in o for f, o in zip(files[1:], others)):
        return None
    return files


def members(path: Path) -> list[Path]:
    """The files a path stands for: the page files of a page set, or the path itself."""
    return set_files(path) or [path]
