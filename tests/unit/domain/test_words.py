"""Words for codes: every code a page can show has words written out; dates, numbers and plurals the UK way."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casereview.domain import words as w
from casereview.domain.journal import JournalAction
from casereview.domain.plans import STRATUM_SEPARATOR, Allocation
from casereview.domain.referrals import STATE_WORDS, OpenSendBack, State, Urgency
from casereview.domain.registers import RISK_LEVELS, Category
from casereview.domain.roles import ROLE_WORDS, Role
from casereview.domain.sampling import ALGORITHM
from casereview.domain.sign_in import LockKind
from casereview.domain.tokens import Scope

#: Every enum words.py names, with the kind whose table must cover it (listed here, not read from words.py,
#: so that a kind dropped from ``CODES`` is caught too).
ENUMS = [
    (w.Kind.CATEGORY, Category),
    (w.Kind.SEND_BACK_STATE, State),
    (w.Kind.URGENCY, Urgency),
    (w.Kind.ROLE, Role),
    (w.Kind.SCOPE, Scope),
    (w.Kind.ALLOCATION, Allocation),
    (w.Kind.LOCK_KIND, LockKind),
    (w.Kind.JOURNAL_ACTION, JournalAction),
]


@pytest.mark.parametrize(("kind", "enum"), ENUMS, ids=[k.value for k, _ in ENUMS])
def test_every_member_of_every_enum_has_its_own_words(kind: w.Kind, enum: type) -> None:
    table = w.TABLES[kind]
    missing = [m.value for m in enum if m.value not in table]
    assert not missing, f"{kind}: no words for {missing} (add them to domain/words.py)"
    for member in enum:
        said = w.words(kind, member.value)
        assert said == table[member.value]
        assert "_" not in said and said.strip() == said and said[:1].isupper(), (member, said)


@pytest.mark.parametrize("kind", list(w.CODES), ids=[k.value for k in w.CODES])
def test_each_table_covers_exactly_its_codes_in_words(kind: w.Kind) -> None:
    codes, table = set(w.CODES[kind]), w.TABLES[kind]
    assert codes == set(table), kind
    for code in codes:
        if kind in (w.Kind.DIRECTION, w.Kind.TEST):
            continue  # the report's codes are English words already: the table is there to translate them
        assert "_" not in table[code] and table[code] != code


def test_every_kind_of_words_is_reachable_and_the_tables_are_one_each() -> None:
    assert set(w.TABLES) | {w.Kind.FRAMEWORK, w.Kind.STRATUM} == set(w.Kind)
    assert set(w.CODES) == set(w.TABLES)
    # The send back's states have one table, kept where the state machine's messages use it.
    assert w.SEND_BACK_STATE_WORDS is STATE_WORDS
    assert w.ROLE_WORDS is ROLE_WORDS and all(r.label == w.words("role", r) for r in Role)
    assert len(set(w.words("category", c) for c in Category)) == len(Category)  # no two alike


def test_the_codes_people_were_shown_now_read_as_words() -> None:
    assert w.words("category", "child_criminal_exploitation") == "Child criminal exploitation"
    assert w.words("category", "honour_based_abuse_fgm") == "Honour-based abuse and FGM"
    assert w.words("category", "missing_child") == "Missing child"
    assert w.words("journal_action", "second_factor_passed") == "Second factor passed"
    assert w.words("scope", "register_upload") == "Send registers"
    assert w.words("send_back_state", "response_submitted") == "Response submitted"
    assert w.words("algorithm", ALGORITHM) == "Keyed-hash ranking (HMAC-SHA256), version 1"
    assert w.words(w.Kind.RISK_LEVEL, "high") == "High"
    assert [w.words("risk_level", r) for r in RISK_LEVELS] == ["Standard", "Medium", "High"]
    assert w.words("review_state", "not_started") == "Not started"


def test_a_review_state_as_stored_by_the_reviews_app_has_words() -> None:
    # The reviews app's model states are Django choices; the domain lists the same codes.
    from casereview.web.reviews.models import Review

    assert set(Review.State.values) <= set(w.CODES[w.Kind.REVIEW_STATE])


def test_frameworks_read_as_name_and_version() -> None:
    assert w.words("framework", "child-protection/1") == "Child protection framework, version 1"
    assert w.words("framework", "missing-children/12") == "Missing children framework, version 12"
    assert w.words("framework", "custody") == "Custody framework"
    assert w.words("framework", '=HYPERLINK("http://x")') == '=HYPERLINK("http://x")'  # not an id


def test_strata_put_each_category_in_words_and_keep_other_parts() -> None:
    label = STRATUM_SEPARATOR.join(["honour_based_abuse_fgm", "North"])
    assert w.words("stratum", label) == "Honour-based abuse and FGM / North"
    assert w.words("stratum", "missing_child") == "Missing child"
    assert w.words("stratum", "") == "All cases"
    assert w.words("stratum", STRATUM_SEPARATOR.join(["neglect", ""])) == "Neglect / (blank)"


def test_an_unknown_code_falls_back_to_plain_words_not_an_error() -> None:
    assert w.words("category", "very_old_category") == "Very old category"
    assert w.words("journal_action", "something_new") == "Something new"
    assert w.words("urgency", None) == ""
    with pytest.raises(ValueError):
        w.words("no_such_kind", "x")


@given(st.from_regex(r"[a-z][a-z0-9_]{0,30}", fullmatch=True))
def test_the_fallback_never_shows_an_underscore(code: str) -> None:
    for kind in w.TABLES:
        said = w.words(kind, code)
        assert "_" not in said and said.replace(" ", "").lower() == code.replace("_", "")


def test_a_send_back_named_in_a_sentence_has_its_state_in_lower_case_words() -> None:
    today = dt.date(2026, 10, 22)
    named = OpenSendBack(12, "immediate", State.RETURNED.value, today).describe(today)
    assert named == "send back 12 (immediate, returned to the body, due today 17:00)"


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_numbers_have_thousands_separators(n: int) -> None:
    text = w.number(n)
    assert int(text.replace(",", "")) == n
    assert re.fullmatch(r"-?\d{1,3}(,\d{3})*", text)


def test_numbers_that_are_whole_floats_read_as_counts() -> None:
    assert w.number(1234) == "1,234"
    assert w.number(1234.0) == "1,234"
    assert w.number(1234.5) == "1,234.5"
    assert w.number(0) == "0"


@given(st.integers(min_value=0, max_value=10**9))
def test_counts_are_singular_only_for_one(n: int) -> None:
    text = w.count(n, "case")
    assert text == (f"{w.number(n)} case" if n == 1 else f"{w.number(n)} cases")
    assert "(s)" not in text


def test_counts_take_an_irregular_plural() -> None:
    assert w.count(1, "inspection") == "1 inspection"
    assert w.count(2, "send back") == "2 send backs"
    assert w.count(1, "body", "bodies") == "1 body"
    assert w.count(1200, "body", "bodies") == "1,200 bodies"
    assert w.count(0, "case") == "0 cases"


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)))
def test_uk_dates_read_day_month_year(day: dt.date) -> None:
    text = w.uk_date(day)
    assert dt.datetime.strptime(text + " +0000", "%d %B %Y %z").date() == day
    assert not text.startswith("0")
    assert w.uk_date(day.isoformat()) == text  # a JSON document's date reads the same


def test_uk_dates_of_datetimes_text_and_nothing() -> None:
    assert w.uk_date(dt.date(2026, 10, 2)) == "2 October 2026"
    assert w.uk_date(dt.datetime(2026, 10, 22, 9, 30)) == "22 October 2026"
    assert w.uk_date("2026-10-22T09:30:00+01:00") == "22 October 2026"
    assert w.uk_date(None) == "" and w.uk_date("") == ""
    assert w.uk_date("not a date") == "not a date"


def test_percentage_points_say_a_share_as_points() -> None:
    assert w.percentage_points(0.125) == "12.5 percentage points"
    assert w.percentage_points(0.1) == "10 percentage points"
    assert w.percentage_points(0.01) == "1 percentage point"
    assert w.percentage_points(0.12345, 2) == "12.35 percentage points"


def test_the_comparison_words_cover_every_direction_and_test_the_statistics_write() -> None:
    from casereview.domain import statistics
    from casereview.domain.words import DIRECTION_WORDS, TEST_WORDS

    directions = {
        statistics.direction_of(p, rose, higher_is_worse=True)
        for p in (0.01, 0.5)
        for rose in (True, False)
    }
    assert directions == set(DIRECTION_WORDS)
    tests = {statistics.WALD_TEST} | {
        statistics.compare(a, 40, b, 40).test for a, b in ((1, 2), (20, 20))
    }
    assert tests == set(TEST_WORDS)
