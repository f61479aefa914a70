"""The register import's row problems and file refusals are Phrases (issue 25).

Each ``RowError`` keeps its English ``reason`` (the command line, the API and the error report's CSV read it,
unchanged) and carries the same sentence as a Phrase (``words``/``said``) that a page writes in its reader's
language; a file refusal's message is a Phrase whose ``str()`` is the English it always was.  Every value put
into them is a number, a code, a date, a file or column name, a value the person typed, or itself a Phrase:
never English words glued in.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest

from casereview.domain.errors import Refused
from casereview.domain.language import Phrase
from casereview.domain.register_rows import (
    DateRange,
    duplicate_ref_errors,
    validate_batch,
)
from casereview.domain.registers import (
    LINE,
    ErrorReport,
    RowError,
    map_headers,
    parse_profile,
    row_problem,
    source_key,
)
from casereview.importing.limits import Limits, cell_limit_message, human
from casereview.importing.sources import inspect_file

PROFILE = parse_profile("", name="test")
HEADERS = ["case_ref", "category", "reported_on", "unit", "child_age", "risk_level", "closed_on"]
_ENGLISH = frozenset(["the", "and", "of", "to", "is", "not", "a", "be", "must", "one", "from"])


def frame(rows: list[list[str | None]]) -> pl.DataFrame:
    data: dict[str, list[str | None] | list[int]] = {
        source_key(i): [r[i] for r in rows] for i in range(len(HEADERS))
    }
    data[LINE] = list(range(2, 2 + len(rows)))
    return pl.DataFrame(
        data, schema={**{source_key(i): pl.String for i in range(len(HEADERS))}, LINE: pl.Int64}
    )


def plain(value: object) -> bool:
    """A value a Phrase may hold: a Phrase, or text without two English words (numbers, codes, names)."""
    if isinstance(value, Phrase):
        return all(plain(v) for v in value.values.values())
    return len(set(re.findall(r"[a-z]+", str(value).lower())) & _ENGLISH) < 2


def test_every_row_problem_is_a_phrase_whose_english_is_the_reason_it_always_had() -> None:
    dates = DateRange.for_import(dt.date(2026, 6, 1))
    checked = validate_batch(
        frame(
            [
                ["R1", "burglary", "31/02/2024", "North", "40", "severe", None],
                ["R2", "neglect", "01/01/1980", None, "5", "high", None],
                ["R3", "neglect", "05/05/2024", "North", "5", "high", "01/01/2024"],
            ]
        ),
        map_headers(HEADERS, PROFILE),
        PROFILE,
        dates=dates,
    )
    assert sorted(e.reason for e in checked.errors) == sorted(
        [
            "not a known category; use one of child_sexual_exploitation, child_sexual_abuse, "
            "missing_child, domestic_abuse, online_abuse, physical_abuse, neglect, "
            "child_criminal_exploitation, honour_based_abuse_fgm, children_in_custody, other or a "
            "label in the profile",
            "not a real date in dd/mm/yyyy, dd/mm/yy or yyyy-mm-dd form",
            "must be a whole number from 0 to 17",
            "must be one of standard, medium, high",
            "unit is required",
            "outside the plausible range of dates: must be from 01/01/1990 to 01/06/2027",
            "is before reported_on",
        ]
    )
    for error in checked.errors:
        assert isinstance(error.words, Phrase) and error.said is error.words
        assert str(error.words) == error.reason
        assert plain(error.words)


def test_a_row_problem_compares_and_hashes_by_its_english_alone() -> None:
    said = row_problem(3, "unit", "", Phrase("%(column)s is required", {"column": "unit"}))
    old = RowError(3, "unit", "", "unit is required")
    assert said == old and hash(said) == hash(old) and {said, old} == {old}
    assert old.said == "unit is required" and said.said == said.words


def test_the_count_of_more_problems_like_one_says_the_problem_as_a_phrase() -> None:
    report = ErrorReport(per_kind=1)
    first = row_problem(2, "unit", "", Phrase("%(column)s is required", {"column": "unit"}))
    report.add([first, RowError(3, "unit", "", first.reason, first.words)])
    report.add_omitted("unit", first.said, 1_232)
    more = report.rows()[-1]
    assert more.line == 0 and more.reason == "and 1,233 more like this: unit is required"
    assert isinstance(more.words, Phrase) and more.words.values["reason"] is first.words
    assert more.words.number == 1_233 and plain(more.words)


def test_header_and_duplicate_problems_are_phrases() -> None:
    mapping = map_headers(["case_ref", "Case Ref", "category", "reported_on"], PROFILE)
    assert [e.reason for e in mapping.errors] == [
        "both 'case_ref' and 'Case Ref' map to case_ref",
        "required column unit is missing",
    ]
    refs = pl.DataFrame({"case_ref": ["A", "A"], LINE: [2, 5]})
    (dupe,) = duplicate_ref_errors(refs)
    assert dupe.reason == "duplicate case_ref; first on line 2"
    for error in (*mapping.errors, dupe):
        assert isinstance(error.words, Phrase) and str(error.words) == error.reason
        assert plain(error.words)


def test_sizes_and_the_cell_limit_are_phrases_with_the_english_they_always_had() -> None:
    assert str(human(512)) == "512 bytes" and isinstance(human(512), Phrase)
    assert str(human(512 * 1024)) == "512.0 KB"
    limits = Limits(max_bytes=10, max_xlsx_uncompressed_bytes=0, max_xlsx_entries=0)
    said = cell_limit_message("r.csv", "line", limits, line="1,002")
    assert str(said) == (
        "r.csv: line 1,002 holds a value that is longer than the 100,000 characters a value may have "
        "(CASEREVIEW_MAX_CELL_CHARS)"
    )
    assert str(cell_limit_message("r.csv", "named header", limits, header="'HHH'")) == (
        "r.csv: a header ('HHH') is longer than the 100,000 characters a value may have "
        "(CASEREVIEW_MAX_CELL_CHARS)"
    )


def test_a_file_refusal_is_a_phrase_whose_english_is_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"case_ref\n" * 300)
    limits = Limits(max_bytes=100, max_xlsx_uncompressed_bytes=0, max_xlsx_entries=0)
    with pytest.raises(Refused) as caught:
        inspect_file(path, limits=limits)
    words = caught.value.args[0]
    assert isinstance(words, Phrase) and plain(words)
    assert str(caught.value) == (
        "big.csv is 2.0 KB, over the limit of 100 bytes; split the register or ask an administrator "
        "to raise CASEREVIEW_MAX_REGISTER_BYTES"
    )
