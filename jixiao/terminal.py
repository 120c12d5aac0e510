"""Printing data to the terminal as text, never as rich markup.

File names, reasons, SQL results and what a form says are data: a folder named ``dir[``, a
pdfminer message holding ``[/'Author', …]`` or a unit named ``[bold]`` must print as written, not
be parsed as markup (which raises ``MarkupError`` or silently eats the brackets). Control
characters (an escape sequence in a file name, a newline in a reason) are shown as escapes, so
that one failure stays one line and nothing a file holds can drive the terminal.
"""

from __future__ import annotations

import contextlib
import logging
import unicodedata

from rich.console import Console
from rich.table import Table
from rich.text import Text

# bidirectional overrides and isolates can make a name read backwards on screen
_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _escaped(ch: str) -> str:
    if ch == "\t":
        return " "
    if ch in _BIDI or unicodedata.category(ch) in ("Cc", "Cs"):
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return ch


def plain(value: object) -> str:
    """``value`` as one printable line: control characters as escapes."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(_escaped(ch) for ch in text)


def text(value: object, style: str = "") -> Text:
    """A rich Text of ``value`` that no markup in it can change."""
    return Text(plain(value), style=style)


def line(*parts: object) -> Text:
    """One line from pieces: ``(value, style)`` pairs are styled, anything else is plain text."""
    out = Text()
    for part in parts:
        if isinstance(part, tuple):
            out.append(plain(part[0]), style=part[1])
        else:
            out.append(plain(part))
    return out


def stdout() -> Console:
    """A console for stdout, made when used so that it sees the terminal width of the call."""
    return Console(highlight=False)


def stderr() -> Console:
    return Console(stderr=True, highlight=False)


def error_line(message: object) -> Text:
    return line(("jixiao:", "red"), " ", message)


def say_error(message: object, console: Console | None = None) -> None:
    """``jixiao: message`` on stderr, one line whatever the message holds."""
    (console or stderr()).print(error_line(message), soft_wrap=True)


def data_table(columns: list[str], rows: list[tuple[object, ...]], title: str | None = None) -> Table:
    """A table of data: headers and cells are text, None is empty."""
    table = Table(title=text(title) if title is not None else None)
    for column in columns:
        table.add_column(text(column))
    for row in rows:
        table.add_row(*(text("" if v is None else v) for v in row))
    return table


def _errors_only(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.ERROR


class _ToLog(logging.Handler):
    """What libraries log (PIL's "More samples per pixel than can be decoded", pdfminer's
    complaints) and Python warnings: into jixiao's log file, not onto the terminal, where the
    file's one line already says what went wrong."""

    def emit(self, record: logging.LogRecord) -> None:
        from jixiao.crashlog import write_entry

        with contextlib.suppress(Exception):  # logging must never be what stops a batch
            write_entry(f"--- {record.name} {record.levelname}: {self.format(record)}\n")


def quiet_libraries() -> None:
    """Keep libraries off the terminal: a batch prints one line per file that failed, nothing
    else. Their log records and warnings go to the log file; RapidOCR, which has a handler of its
    own (a coloured warning for every blank page), is kept to errors by a filter (a level would
    not do: it sets its logger's level when it is imported)."""
    root = logging.getLogger()
    if not any(isinstance(h, _ToLog) for h in root.handlers):
        handler = _ToLog(logging.WARNING)
        root.addHandler(handler)
    logging.captureWarnings(True)
    for name in ("RapidOCR",):
        logger = logging.getLogger(name)
        if _errors_only not in logger.filters:
            logger.addFilter(_errors_only)
