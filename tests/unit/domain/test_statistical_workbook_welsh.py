"""The statistical spreadsheet's words are written in the document's language (issue 25).

Every label the workbook makes (sheet names, titles, column headings, notes, the cover's headings and the
contents and notes sheets' words) goes through ``say``: written here with a "translation" that marks what
it wrote, so that a label made in English outside the catalogue shows up unmarked.  The document's own
words (grade labels, quarters, names) are data and are left out of the check.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from casereview.domain.language import WELSH, Phrase, speaking
from casereview.domain.publication import published
from casereview.domain.statistical_tables import (
    SHORTHAND,
    Table,
    Workbook,
    contents_table,
    notes_table,
)
from casereview.domain.statistical_workbook import workbook
from casereview.domain.tables import COLUMNS, flat_rows

from .test_statistical_tables import disproportionate, full_report

OPEN, CLOSE = "\u00ab", "\u00bb"


def marked(words: Phrase) -> str:
    """A stand-in for the Welsh catalogue: the English, marked as written through ``say``."""
    return f"{OPEN}{words.english()}{CLOSE}"


def documents() -> Iterator[tuple[str, dict[str, Any]]]:
    yield "full", full_report()
    yield "published", published(full_report())
    yield "design-weighted", disproportionate(True)


def data_words(document: dict[str, Any]) -> set[str]:
    """Headings that are the document's own words: its grades' labels and the register's quarters."""
    found = {str((g or {}).get("label")) for g in (document.get("grades") or {}).values()}
    found |= {str(q) for q in (document.get("volume") or {}).get("quarters") or []}
    return found | set(document.get("grades") or {})


def labels(book: Workbook, document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Every label the workbook made itself, by where it is."""
    data = data_words(document)
    tables: list[Table] = [contents_table(book), notes_table(book), *book.tables]
    yield "title", book.title
    for heading, _ in book.cover:
        yield "cover", heading
    for note in book.notes:
        if note.text != (document.get("control_chart") or {}).get("method"):  # the document's words
            yield f"note {note.number}", note.text
    for table in tables:
        yield f"{table.code} sheet", table.sheet
        yield f"{table.code} title", table.title
        yield f"{table.code} description", table.description[0]
        for column in table.columns:
            if column.heading not in data:
                yield f"{table.code} column", column.heading
    for key in ("subject", "keywords", "comments"):
        yield key, book.properties[key]


@pytest.mark.parametrize(("name", "document"), list(documents()), ids=lambda v: str(v)[:20])
def test_every_label_of_the_workbook_is_written_in_the_documents_language(
    name: str, document: dict[str, Any]
) -> None:
    with speaking(WELSH, marked):
        book = workbook(document)
        # The contents and notes sheets are made as they are laid out: inside, too.
        found = list(labels(book, document))
    unmarked = {where: text for where, text in found if OPEN not in text}
    assert unmarked == {}, name
    assert book.properties["language"] == "cy"


def test_sheets_keep_their_english_keys_and_stay_excel_names_in_any_language() -> None:
    document = full_report()
    english = workbook(document)
    with speaking(WELSH, lambda words: "Tabl ‘a’ [hir] iawn iawn: " + words.english() * 3):
        welsh = workbook(document)
    assert [t.code for t in welsh.tables] == [t.sheet for t in english.tables]
    names = [t.sheet for t in welsh.tables]
    # Unique, though every one starts the same.
    assert len({n.casefold() for n in names}) == len(names)
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\'") for n in names)


def test_words_in_tables_say_codes_in_the_documents_language_and_shorthand_stays() -> None:
    with speaking(WELSH, marked):
        full = workbook(full_report())
        book = workbook(published(full_report()))
    chart = next(t for t in full.tables if t.code == "Control_chart")
    outside = {row[0]: row[-2] for row in chart.rows}
    assert outside["Pilot"] == f"{OPEN}No{CLOSE}"
    assert outside["Q4 2023"] == f"{OPEN}Above{CLOSE}"
    cells = {c for t in book.tables for row in t.rows for c in row if isinstance(c, str)}
    assert set(SHORTHAND) & cells  # the shorthand is a code: never said
    assert not {f"{OPEN}{s}{CLOSE}" for s in SHORTHAND} & cells


def test_the_long_csv_rows_keep_their_codes_in_any_language() -> None:
    document = published(full_report())
    english = flat_rows(document)
    with speaking(WELSH, marked):
        welsh = flat_rows(document)
    assert COLUMNS == ("section", "row", "measure", "value")
    assert [r[:3] for r in welsh] == [r[:3] for r in english]
