"""The statistical spreadsheets and CSV files of a report written in Welsh (issue 25).

The words are Welsh (sheet names, titles, headings, notes, the cover, the printed footer, dates); what a
script reads a file by is not: the XLSX tables' and ODS ranges' names, the zipped CSVs' file names and the
long CSV's header and code columns are the same in both languages.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from odf import teletype
from odf.namespaces import TABLENS
from odf.opendocument import load as load_ods
from odf.table import NamedRange, Table
from odf.text import P
from openpyxl import load_workbook

from casereview.domain.language import ENGLISH, WELSH
from casereview.domain.publication import published
from casereview.web.reports import rendering
from tests.unit.domain.test_statistical_tables import full_report


@pytest.fixture
def document(welsh: Path) -> dict[str, Any]:
    return published(full_report())


def both(document: dict[str, Any], fmt: str) -> tuple[bytes, bytes]:
    return (
        rendering.render(document, fmt, ENGLISH).content,
        rendering.render(document, fmt, WELSH).content,
    )


def test_the_welsh_xlsx_names_its_sheets_in_welsh_and_its_tables_as_the_english_one_does(
    document: dict[str, Any],
) -> None:
    english, welsh = (load_workbook(io.BytesIO(c)) for c in both(document, "xlsx"))
    names = welsh.sheetnames
    assert names[:3] == ["Clawr", "Cynnwys", "Nodiadau"]
    assert english.sheetnames[:3] == ["Cover", "Contents", "Notes"]
    assert len(names) == len(english.sheetnames)
    assert len({n.casefold() for n in names}) == len(names)
    assert all(len(n) <= 31 for n in names)
    assert "Graddau_cyffredinol" in names and "Overall_grades" in english.sheetnames
    # Each contents entry links to a sheet that is there.
    contents = welsh["Cynnwys"]
    targets = [c.hyperlink.location for row in contents.iter_rows() for c in row if c.hyperlink]
    assert targets and all(t.split("!")[0].strip("'") in names for t in targets)
    # The tables keep their English names: a script finds Table_Overall_grades in either language.
    tables = sorted(t for s in welsh.worksheets for t in s.tables)
    assert tables == sorted(t for s in english.worksheets for t in s.tables)
    assert "Table_Overall_grades" in tables
    grades = welsh["Graddau_cyffredinol"]
    assert str(grades["A1"].value).startswith("Gradd gyffredinol derfynol pob achos")
    assert grades.oddFooter.right.text == "Tudalen &P o &N"
    assert english["Overall_grades"].oddFooter.right.text == "Page &P of &N"
    assert welsh.custom_doc_props["Language"].value == "cy"


def test_the_welsh_ods_writes_its_dates_footer_and_notes_in_welsh(document: dict[str, Any]) -> None:
    english, welsh = (load_ods(io.BytesIO(c)) for c in both(document, "ods"))
    sheets = [t.getAttrNS(TABLENS, "name") for t in welsh.getElementsByType(Table)]
    assert sheets[:3] == ["Clawr", "Cynnwys", "Nodiadau"]
    ranges = [r.getAttrNS(TABLENS, "name") for r in welsh.getElementsByType(NamedRange)]
    assert ranges == [r.getAttrNS(TABLENS, "name") for r in english.getElementsByType(NamedRange)]
    text = [teletype.extractText(p) for p in welsh.getElementsByType(P)]
    assert "31 Mawrth 2024" in text  # a date cell, with the month's Welsh name
    footer = [teletype.extractText(p) for p in welsh.masterstyles.getElementsByType(P)]
    assert any("Tudalen" in t for t in footer)  # the printed footer
    assert any(t.startswith("Mae [c] yn nodi gwerth a guddiwyd") for t in text)
    assert not any(t.startswith("[c] marks a value") for t in text)


def test_the_welsh_csv_tables_have_the_english_file_names_and_welsh_headings(
    document: dict[str, Any],
) -> None:
    english, welsh = (zipfile.ZipFile(io.BytesIO(c)) for c in both(document, "tables"))
    assert welsh.namelist() == english.namelist()
    assert "00-Cover.csv" in welsh.namelist()
    cover = list(csv.reader(io.StringIO(welsh.read("00-Cover.csv").decode("utf-8-sig"))))
    assert cover[0] == ["Eitem", "Testun"] and cover[1][0] == "Teitl"
    grades = next(n for n in welsh.namelist() if n.endswith("-Overall_grades.csv"))
    heading = next(csv.reader(io.StringIO(welsh.read(grades).decode("utf-8-sig"))))
    assert heading[:3] == ["Gradd", "Achosion", "Achosion wedi'u graddio"]


def test_the_welsh_long_csv_keeps_its_header_and_codes(document: dict[str, Any]) -> None:
    english, welsh = (
        list(csv.reader(io.StringIO(c.decode("utf-8-sig")))) for c in both(document, "csv")
    )
    assert welsh[0] == english[0] == ["section", "row", "measure", "value"]
    assert [r[:3] for r in welsh] == [r[:3] for r in english]
