"""The register import's row problems and file refusals in Welsh (issue 25).

A malformed synthetic register (``casereview.synthetic``, with rows spoilt on purpose) and hostile files
(``casereview.importing.hostile``) are uploaded through the upload page, as a lead inspector would, once by
someone who chose Cymraeg and once by someone who chose English.  In Welsh every listed problem is the
catalogue's Welsh (with the values the person typed, and the file's name, as they are) and the page holds no
English; in English the page shows exactly the words it always showed.

The Welsh expected is read from the catalogue (each sentence checked to differ from its English first), so no
assertion can pass on an English page.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from casereview.domain.register_rows import DateRange
from casereview.importing import hostile
from casereview.synthetic import write_register_file
from casereview.web.language.services import language_choose
from casereview.web.registers.models import Body, Register

from . import factories
from .test_welsh_pages import english_pieces

pytestmark = pytest.mark.django_db(transaction=True)

_PLACEHOLDER = re.compile(r"%\(\w+\)s")
_ROW = re.compile(r'<tr class="govuk-table__row">(.*?)</tr>', re.DOTALL)
_CELL = re.compile(r'<td class="govuk-table__cell[^"]*">(.*?)</td>', re.DOTALL)


def welsh_of(english: str, /, **values: object) -> str:
    """The catalogue's Welsh for a sentence, values put in; it must differ from the English."""
    with translation.override("cy"):
        said = gettext(english)
    assert said != english, f"no Welsh for {english!r} in the catalogue"
    return said % values if values else said


def welsh_plural_of(english: str, plural: str, n: int, /, **values: object) -> str:
    """The catalogue's Welsh for a sentence with a plural, for ``n``, values put in."""
    with translation.override("cy"):
        said = ngettext(english, plural, n)
    assert said != (english if n == 1 else plural), f"no Welsh for {english!r} in the catalogue"
    return said % values


def text_of(response: Any) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split()))


def problems_listed(response: Any) -> list[str]:
    """The Problem column of the page's table of row problems, in order."""
    page = response.content.decode()
    body = page.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    return [html.unescape(" ".join(_CELL.findall(row)[3].split())) for row in _ROW.findall(body)]


def _client(language: str) -> Any:
    lead = factories.user("lead_inspector", f"lead-{language}")
    language_choose(user=lead, language=language)
    return factories.verified_client(lead)  # the stored choice is read at sign-in


def upload(client: Any, path: Path, **form: str) -> Any:
    with path.open("rb") as fh:
        return client.post(
            "/registers/upload/",
            {"body": "SYN", "file": fh, "profile": "default", **form},
        )


def spoilt_register(path: Path) -> Path:
    """The synthetic register of 14 cases with a problem of each kind put in on purpose (lines 3 to 14)."""
    write_register_file(path, rows=14, seed=1)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    column = {name: i for i, name in enumerate(rows[0])}

    def spoil(line: int, **values: str) -> None:
        for name, value in values.items():
            rows[line - 1][column[name]] = value

    spoil(3, category="burglary")
    spoil(4, reported_on="31/02/2024")
    spoil(5, child_age="40")
    spoil(6, risk_level="severe")
    spoil(7, status="pending")
    spoil(8, reported_on="01/01/1980", closed_on="")
    spoil(9, reported_on="05/05/2024", closed_on="01/01/2024")
    spoil(10, unit="")
    spoil(11, case_ref=rows[1][column["case_ref"]])
    spoil(12, location_ref="L" * 201)
    spoil(13, category="theft")
    spoil(14, category="arson")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def clients(body: Body, welsh: Path) -> dict[str, Any]:
    """A lead inspector who chose Cymraeg and one who chose English (Welsh offered: ``welsh``)."""
    return {"cy": _client("cy"), "en-gb": _client("en-gb")}


@override_settings(CASEREVIEW_MAX_ERRORS_PER_KIND=1)
def test_every_row_problem_of_a_spoilt_register_is_listed_in_welsh_and_in_the_old_english(
    clients: dict[str, Any], tmp_path: Path
) -> None:
    dates = DateRange.for_import(
        timezone.localdate(),
        earliest=settings.CASEREVIEW_EARLIEST_DATE,
        years_after=settings.CASEREVIEW_LATEST_DATE_YEARS,
    )
    earliest, latest = f"{dates.earliest:%d/%m/%Y}", f"{dates.latest:%d/%m/%Y}"
    categories = (
        "child_sexual_exploitation, child_sexual_abuse, missing_child, domestic_abuse, online_abuse, "
        "physical_abuse, neglect, child_criminal_exploitation, honour_based_abuse_fgm, "
        "children_in_custody, other"
    )
    category = f"not a known category; use one of {categories} or a label in the profile"
    english = [
        category,
        "not a real date in dd/mm/yyyy, dd/mm/yy or yyyy-mm-dd form",
        "must be a whole number from 0 to 17",
        "must be one of standard, medium, high",
        "must be one of open, closed",
        f"outside the plausible range of dates: must be from {earliest} to {latest}",
        "is before reported_on",
        "unit is required",
        "duplicate case_ref; first on line 2",
        "longer than 200 characters",
        f"and 2 more like this: {category}",
    ]
    category_cy = welsh_of(
        "not a known category; use one of %(codes)s or a label in the profile", codes=categories
    )
    more = "and %(shown)s more like this: %(reason)s"
    welsh = [
        category_cy,
        welsh_of("not a real date in dd/mm/yyyy, dd/mm/yy or yyyy-mm-dd form"),
        welsh_of("must be a whole number from 0 to %(most)s", most=17),
        welsh_of("must be one of %(codes)s", codes="standard, medium, high"),
        welsh_of("must be one of %(codes)s", codes="open, closed"),
        welsh_of(
            "outside the plausible range of dates: must be from %(earliest)s to %(latest)s",
            earliest=earliest,
            latest=latest,
        ),
        welsh_of("is before reported_on"),
        welsh_of("%(column)s is required", column="unit"),
        welsh_of("duplicate case_ref; first on line %(first)s", first=2),
        welsh_of("longer than %(most)s characters", most=200),
        welsh_plural_of(more, more, 2, shown="2", reason=category_cy),
    ]
    path = spoilt_register(tmp_path / "spoilt.csv")

    page = upload(clients["cy"], path)
    assert page.status_code == 422 and not Register.objects.exists()
    assert problems_listed(page) == welsh
    assert english_pieces(page.content.decode()) == []
    for sentence in english:
        assert sentence not in text_of(page)

    page = upload(clients["en-gb"], path)
    assert page.status_code == 422
    assert problems_listed(page) == english
    assert "spoilt.csv was not imported: 12 problems found." in text_of(page)


def test_a_header_that_lacks_a_required_column_or_names_one_twice_is_a_problem_in_welsh(
    clients: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "headers.csv"
    path.write_text("case_ref,category,reported_on,Case Ref\nR1,neglect,01/02/2024,R1\n")
    english = [
        "required column unit is missing",
        "both 'case_ref' and 'Case Ref' map to case_ref",
    ]
    welsh = [
        welsh_of("required column %(column)s is missing", column="unit"),
        welsh_of(
            "both %(first)s and %(second)s map to %(column)s",
            first="'case_ref'",
            second="'Case Ref'",
            column="case_ref",
        ),
    ]
    page = upload(clients["cy"], path)
    assert problems_listed(page) == welsh
    assert english_pieces(page.content.decode()) == []
    assert problems_listed(upload(clients["en-gb"], path)) == english


@dataclass(frozen=True)
class Refused:
    """A file the upload page refuses: how it is made, the form's other answers, the settings lowered so
    that a small file crosses a limit, the sentence (catalogue msgid and values) and its old English."""

    make: Callable[[Path], Path]
    sentence: str
    values: dict[str, object]
    english: str
    form: dict[str, str] | None = None
    limits: dict[str, int] | None = None
    #: the sentence is a row problem (listed in the table) rather than the refusal of the whole file
    listed: bool = False


def _named(name: str, content: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content)
        return path

    return make


def _good_csv(name: str = "good.csv", rows: int = 5) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        write_register_file(path, rows=rows, seed=1)
        return path

    return make


def _ragged(folder: Path) -> Path:
    path = folder / "ragged.csv"
    path.write_text("case_ref,category,reported_on,unit\nR1,neglect,01/02/2024,North,extra\n")
    return path


_CELL_LIMIT = "(CASEREVIEW_MAX_CELL_CHARS)"
REFUSED: dict[str, Refused] = {
    "the old Excel format": Refused(
        _named("old.xls", b"\xd0\xcf\x11\xe0 old workbook"),
        "%(file)s: the old Excel .xls format is not accepted; save it as .xlsx or CSV",
        {"file": "old.xls"},
        "old.xls: the old Excel .xls format is not accepted; save it as .xlsx or CSV",
    ),
    "a file over the size limit": Refused(
        _named("big.csv", b"case_ref,category,reported_on,unit\n" * 64),
        "%(file)s is %(size)s, over the limit of %(most)s; split the register or ask an "
        "administrator to raise CASEREVIEW_MAX_REGISTER_BYTES",
        {"file": "big.csv", "size": "2.0 KB", "most": "%(size)s bytes"},
        "big.csv is 2.0 KB, over the limit of 100 bytes; split the register or ask an administrator "
        "to raise CASEREVIEW_MAX_REGISTER_BYTES",
        limits={"CASEREVIEW_MAX_REGISTER_BYTES": 100},
    ),
    "too many rows": Refused(
        _good_csv("rows.csv", rows=1200),
        "%(file)s has more than %(most)s rows, the most an import may have "
        "(CASEREVIEW_MAX_IMPORT_ROWS)",
        {"file": "rows.csv", "most": "1,000"},
        "rows.csv has more than 1,000 rows, the most an import may have (CASEREVIEW_MAX_IMPORT_ROWS)",
        limits={"CASEREVIEW_MAX_IMPORT_ROWS": 1000},
    ),
    "a zip bomb of a workbook": Refused(
        lambda folder: hostile.xlsx_expanding_sheet(folder / "bomb.xlsx", 600_000),
        "%(file)s: its part %(part)s expands to more than %(most)s, the limit for one part of a "
        "workbook (CASEREVIEW_MAX_XLSX_PART_BYTES); save the register as CSV",
        {"file": "bomb.xlsx", "part": "xl/worksheets/sheet1.xml", "most": "488.0 KB"},
        "bomb.xlsx: its part xl/worksheets/sheet1.xml expands to more than 488.0 KB, the limit for "
        "one part of a workbook (CASEREVIEW_MAX_XLSX_PART_BYTES); save the register as CSV",
        limits={"CASEREVIEW_MAX_XLSX_PART_BYTES": 500_000},
    ),
    "a header over the cell limit": Refused(
        lambda folder: hostile.csv_long_header(folder / "h.csv", 131_073),
        "%(file)s: a header is longer than the %(most)s characters a value may have "
        "(CASEREVIEW_MAX_CELL_CHARS)",
        {"file": "h.csv", "most": "100,000"},
        f"h.csv: a header is longer than the 100,000 characters a value may have {_CELL_LIMIT}",
    ),
    "a NUL byte": Refused(
        lambda folder: hostile.csv_late_nul(folder / "nul.csv", rows=1000),
        "%(file)s: line %(line)s holds a NUL byte (\\x00), which text never does; save the "
        "register as CSV again from the program that made it",
        {"file": "nul.csv", "line": "1,002"},
        "nul.csv: line 1,002 holds a NUL byte (\\x00), which text never does; save the register as "
        "CSV again from the program that made it",
    ),
    "two encodings in one file": Refused(
        lambda folder: hostile.csv_mixed_encoding(folder / "mixed.csv"),
        "%(file)s mixes encodings: some lines are UTF-8 text and line %(line)s is not; save the "
        "whole file as CSV UTF-8 from Excel",
        {"file": "mixed.csv", "line": "3"},
        "mixed.csv mixes encodings: some lines are UTF-8 text and line 3 is not; save the whole "
        "file as CSV UTF-8 from Excel",
    ),
    "a sheet name for a CSV file": Refused(
        _good_csv("sheet.csv"),
        "--sheet applies to Excel workbooks only",
        {},
        "--sheet applies to Excel workbooks only",
        form={"sheet": "Cases"},
    ),
    "a row with more fields than the header": Refused(
        _ragged,
        "%(fields)s fields, but the header has %(width)s",
        {"fields": 5, "width": 4},
        "5 fields, but the header has 4",
        listed=True,
    ),
    "formula cells without saved values": Refused(
        lambda folder: hostile.xlsx_formulas_without_values(folder / "formulas.xlsx", rows=1),
        "a formula without a saved value; open the workbook in Excel, let it calculate, and save it",
        {},
        "a formula without a saved value; open the workbook in Excel, let it calculate, and save it",
        listed=True,
    ),
}


@pytest.mark.parametrize("refused", REFUSED.values(), ids=list(REFUSED))
def test_a_refused_file_is_refused_in_welsh_and_in_the_old_english(
    clients: dict[str, Any], tmp_path: Path, refused: Refused
) -> None:
    path = refused.make(tmp_path)
    values = {
        name: welsh_of(value, size="100") if value == "%(size)s bytes" else value
        for name, value in refused.values.items()
    }
    expected = welsh_of(refused.sentence, **values)
    with override_settings(**(refused.limits or {})):
        page = upload(clients["cy"], path, **(refused.form or {}))
        assert page.status_code == 422 and not Register.objects.exists()
        if refused.listed:
            assert expected in problems_listed(page)
        else:
            assert expected in text_of(page)
        assert refused.english not in text_of(page)
        for piece in _PLACEHOLDER.split(refused.sentence):
            if len(piece.split()) >= 3:
                assert piece.strip() not in text_of(page), f"English left: {piece!r}"
        assert english_pieces(page.content.decode()) == []

        page = upload(clients["en-gb"], path, **(refused.form or {}))
        assert page.status_code == 422
        if refused.listed:
            assert refused.english in problems_listed(page)
        else:
            assert refused.english in text_of(page)
