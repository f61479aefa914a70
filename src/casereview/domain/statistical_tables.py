"""A report's tables as official statistics publish them: one description for the ODS, the XLSX and the CSVs.

``statistical_workbook.workbook(document)`` reads a report's JSON document (a full report's ``Report.to_json()``, or a
published or preview document as stored) and describes the statistical spreadsheet once, following the
Government Analysis Function's *Releasing statistics in spreadsheets*: a cover (title, body, period,
status, contact, the disclosure rule, the reproducibility digests), numbered notes referred to as
"[note 1]" in table titles (never symbols), and one table per sheet, each with a title for cell A1,
a descriptive sheet name (at most 31 characters, unique, without the characters Excel refuses), one
header row and typed values.  The writers (``casereview.web.reports.spreadsheets``) add the contents and
notes sheets (``contents_table``, ``notes_table``) and only lay the description out.

Values: counts are whole numbers; shares and intervals are fractions from 0 to 1 rounded as the report
prints them (0.1 of a percentage point), formatted as percentages; kappas and other figures are
rounded to the places the report prints; dates are dates.  A cell is never empty: a hidden value is
``[c]``, a value the report does not have ``[x]``, one that does not apply (a share of no cases) ``[z]``,
a p value under 0.001 ``[low]``; each such shorthand is the only text allowed in a number column, and a
table holding one refers in its title to the note that explains it.  Pure: no Django, no files.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeGuard

from casereview.domain import report_words
from casereview.domain.language import Phrase, gettext_lazy, gettext_noop, say, say_word
from casereview.domain.linked import MARK
from casereview.domain.tables import is_withheld

__all__ = [
    "ABSENT",
    "CONTACT",
    "HIDDEN",
    "LOW",
    "NOT_APPLICABLE",
    "NOT_AVAILABLE",
    "SHORTHAND",
    "Column",
    "ColumnKind",
    "Note",
    "Table",
    "Workbook",
    "contents_table",
    "notes_table",
    "sheet_name",
    "Builder",
    "Value",
    "Values",
    "at",
    "is_number",
    "percent",
    "text",
    "to_date",
    "note_reference",
    "yes_no",
    "COVER_SHEET",
    "CONTENTS_SHEET",
    "NOTES_SHEET",
]

HIDDEN = MARK  # "[c]": the one marker of a hidden value (domain.linked)
NOT_AVAILABLE = "[x]"
NOT_APPLICABLE = "[z]"
LOW = "[low]"
SHORTHAND = (HIDDEN, NOT_AVAILABLE, NOT_APPLICABLE, LOW)
#: The contact printed when the document names none: the team that answers for the published figures
#: (``say_word(CONTACT)`` in the document's language).
CONTACT = gettext_noop(
    "The inspectorate's statistics team, through the contact details published with this report"
)
CREATOR = "casereview"
#: A description line's length at most, in characters (about the table's width, within these bounds): a
#: longer one is split across rows, so that a printed sheet (fitted to one page wide) is not shrunk to
#: fit it.
DESCRIPTION_WIDTH = 140
MIN_DESCRIPTION = 70
LANGUAGE = "en-GB"  # an English workbook's; a workbook says the language it is written in (``tag(saying())``)
_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\'"})

Value = str | int | float | dt.date


class ColumnKind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    PERCENT = "percent"
    NUMBER = "number"
    DATE = "date"


@dataclass(frozen=True)
class Column:
    heading: str
    kind: ColumnKind = ColumnKind.TEXT
    places: int = 0  # a NUMBER column's decimal places (a PERCENT column's are always 1)


@dataclass(frozen=True)
class Table:
    sheet: str  # the sheet's name, in the workbook's language
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...]
    description: tuple[str, ...] = ()
    #: The first column names the workbook's sheets, each a link to its sheet (the contents).
    links: bool = False
    #: The sheet's name in English, the same in every language: what a script finds the table by (the
    #: zipped CSVs' file names, the XLSX table's and the ODS range's names).  The sheet's own name when "".
    key: str = ""

    @property
    def code(self) -> str:
        return self.key or self.sheet


@dataclass(frozen=True)
class Note:
    number: int
    text: str

    @property
    def reference(self) -> str:
        return note_reference(self.number)


def note_reference(number: int) -> str:
    """ "[note 1]" ("[nodyn 1]" in a Welsh workbook): how a table's title refers to a note."""
    return say(gettext_lazy("[note %(number)s]", number=number))


@dataclass(frozen=True)
class Workbook:
    title: str
    cover: tuple[tuple[str, str], ...]  # (heading, text) in order
    notes: tuple[Note, ...]
    tables: tuple[Table, ...]
    properties: Mapping[str, str] = field(
        default_factory=dict
    )  # title, subject, creator, language, keywords


# ---------------------------------------------------------------------------------------------------
# Values as the report prints them


def is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def percent(value: Any) -> float:
    """A share rounded as the report prints it (``report_words.percent``: 0.2875 → "28.7%" → 0.287)."""
    return round(float(report_words.percent(float(value))[:-1]) / 100, 6)


#: The markers a document hides a value with: ``[c]``, and an older document's "<5".
HIDDEN_MARKERS = (HIDDEN, "<5")


class _Absent:
    """A key the document does not have (``at``): not available, never hidden."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


def at(holder: Mapping[str, Any] | None, key: str) -> Any:
    """``holder[key]``, or ``ABSENT`` when the document has no such key (a null is ``None``)."""
    return (holder or {}).get(key, ABSENT)


class Values:
    """A document's values as cells.  A null is hidden ([c]) in a published document unless its base is
    empty ([z]) — the domain's one rule, ``tables.is_withheld`` — else not available ([x]); a key the
    document does not have (``ABSENT``, see ``at``) is not available ([x]).  Only a marker is hidden:
    any other text where a number belongs is an error, and a count is never truncated."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.published = bool(document.get("published"))

    def missing(self, value: Any = None, *, empty: bool = False) -> str:
        if value is ABSENT:
            return NOT_AVAILABLE
        if empty:
            return NOT_APPLICABLE
        return HIDDEN if is_withheld(value, self.published) else NOT_AVAILABLE

    @staticmethod
    def _marker(value: Any) -> str | None:
        if isinstance(value, str):
            if value in HIDDEN_MARKERS:
                return HIDDEN
            raise ValueError(f"text {value[:40]!r} where the document should have a number")
        return None

    def count(self, value: Any, *, empty: bool = False) -> Value:
        marker = self._marker(value)
        if marker:
            return marker
        if not is_number(value):
            return self.missing(value, empty=empty)
        if float(value) != int(value):
            raise ValueError(f"{value} is not a whole number of cases (use a number column)")
        return int(value)

    def share(self, value: Any, *, empty: bool = False) -> Value:
        marker = self._marker(value)
        if marker:
            return marker
        return percent(value) if is_number(value) else self.missing(value, empty=empty)

    def figure(self, value: Any, places: int, *, empty: bool = False) -> Value:
        marker = self._marker(value)
        if marker:
            return marker
        if not is_number(value):
            return self.missing(value, empty=empty)
        return round(float(value), places) if places else int(round(value))

    def p_value(self, value: Any) -> Value:
        marker = self._marker(value)
        if marker:
            return marker
        if not is_number(value):
            return self.missing(value)
        return LOW if value < 0.001 else round(float(value), 3)


def to_date(value: Any) -> Value:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value) if value else NOT_AVAILABLE


def text(value: Any, default: str = NOT_AVAILABLE) -> str:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return yes_no(value)
    return str(value)


def yes_no(value: object) -> str:
    """ "Yes" or "No", in the workbook's language."""
    return say(gettext_lazy("Yes")) if value else say(gettext_lazy("No"))


# ---------------------------------------------------------------------------------------------------
# Sheet names and notes


def sheet_name(wanted: str, taken: Iterable[str] = ()) -> str:
    """A descriptive sheet name Excel accepts: no []:*?/\\', at most 31 characters, unique (any case)."""
    base = "_".join(wanted.translate(_SHEET_FORBIDDEN).split())[:31] or "Table"
    used = {t.casefold() for t in taken}
    name, n = base, 2
    while name.casefold() in used or name.casefold() == "history":
        suffix = f"_{n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    return name


def _description_width(columns: Sequence[Column], body: Sequence[Sequence[Value]]) -> int:
    """About how many characters wide the table prints (each column as wide as its longest value or its
    heading, which wraps, as the writers make it), within ``MIN_DESCRIPTION``..``DESCRIPTION_WIDTH``."""
    total = 0
    for i, column in enumerate(columns):
        longest = max((len(str(row[i])) for row in body), default=0)
        total += max(8, min(60, max(longest + 2, min(len(column.heading) + 2, 24))))
    return max(MIN_DESCRIPTION, min(DESCRIPTION_WIDTH, total))


class _Notes:
    """Notes numbered in the order tables first refer to them."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}
        self.order: list[str] = []

    def define(self, key: str, text: str) -> None:
        self.texts[key] = text

    def number(self, key: str) -> int:
        if key not in self.order:
            self.order.append(key)
        return self.order.index(key) + 1

    def ref(self, key: str) -> str:
        return note_reference(self.number(key))

    def notes(self) -> tuple[Note, ...]:
        return tuple(Note(i, self.texts[key]) for i, key in enumerate(self.order, start=1))


class Builder:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.doc = document
        self.v = Values(document)
        self.notes = _Notes()
        self.tables: list[Table] = []
        self.grade_labels = {
            code: str((g or {}).get("label") or code.replace("_", " ").capitalize())
            for code, g in (document.get("grades") or {}).items()
        }

    def add(
        self,
        sheet: str | Phrase,
        title: str,
        columns: Sequence[Column],
        rows: Iterable[Sequence[Value]],
        description: Iterable[str] = (),
        notes: Iterable[str] = (),
    ) -> None:
        body = tuple(tuple(row) for row in rows)
        if not body:
            return
        keys = list(notes)
        cells = {c for row in body for c in row if isinstance(c, str)}
        for marker, key in (
            (HIDDEN, "c"),
            (NOT_AVAILABLE, "x"),
            (NOT_APPLICABLE, "z"),
            (LOW, "low"),
        ):
            if marker in cells:
                keys.append(key)
        numbers = sorted({self.notes.number(k) for k in keys})  # "[note 1] [note 3]": ascending
        refs = " ".join(note_reference(n) for n in numbers)
        # A sheet named by a Phrase is named in the workbook's language; its key stays the English name.
        name = sheet_name(
            say(sheet) if isinstance(sheet, Phrase) else sheet, (t.sheet for t in self.tables)
        )
        key = sheet_name(str(sheet), (t.code for t in self.tables))
        self.tables.append(
            Table(
                name,
                f"{title} {refs}".strip(),
                tuple(columns),
                body,
                (
                    say(gettext_lazy("This worksheet contains one table.")),
                    *(
                        line
                        for d in description
                        if d
                        for line in textwrap.wrap(
                            d, _description_width(columns, body), break_long_words=False
                        )
                    ),
                ),
                key=key,
            )
        )


# ---------------------------------------------------------------------------------------------------
# Contents and notes, as tables of their own

#: The three sheets every workbook has besides its tables, by their English names (their keys).
COVER_SHEET = gettext_noop("Cover")
CONTENTS_SHEET = gettext_noop("Contents")
NOTES_SHEET = gettext_noop("Notes")


def contents_table(book: Workbook) -> Table:
    notes = say_word(NOTES_SHEET)
    return Table(
        say_word(CONTENTS_SHEET),
        say_word(CONTENTS_SHEET),
        (Column(say(gettext_lazy("Worksheet"))), Column(say(gettext_lazy("Table title")))),
        (
            *(
                ((notes, say(gettext_lazy("Notes referred to in the tables"))),)
                if book.notes
                else ()
            ),
            *((t.sheet, t.title) for t in book.tables),
        ),
        (
            say(
                gettext_lazy(
                    "This worksheet contains one table. Each worksheet's name links to it."
                )
            ),
        ),
        links=True,
        key=CONTENTS_SHEET,
    )


def notes_table(book: Workbook) -> Table:
    return Table(
        say_word(NOTES_SHEET),
        say_word(NOTES_SHEET),
        (Column(say(gettext_lazy("Note number"))), Column(say(gettext_lazy("Note text")))),
        tuple((say(gettext_lazy("note %(number)s", number=n.number)), n.text) for n in book.notes),
        (
            say(
                gettext_lazy(
                    "This worksheet contains one table. The tables refer to these notes as "
                    "%(reference)s and so on.",
                    reference=note_reference(1),
                )
            ),
        ),
        key=NOTES_SHEET,
    )
