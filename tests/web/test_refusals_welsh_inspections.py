"""The inspection, sample-plan, assignment, API-token and report-release refusals in Welsh (issue 25).

Each refusal is triggered through its page, as a person would (a test client POST), once by someone who chose
Cymraeg and once by someone who chose English.  In Welsh the page shows the catalogue's Welsh for every sentence
the refusal is made of (``PlanError``, ``AssignmentError``, ``TokenError``, ``ReleaseRefused``, ``ReleaseError``)
and none of its English; in English it shows exactly the words it always showed.

The Welsh expected is read from the catalogue (each sentence checked to differ from its English first), so no
assertion can pass on an English page.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from casereview.domain.release import FIGURES_CHANGED, MOST_ATTEMPTS, WENT_WRONG
from casereview.web.language.services import language_choose
from casereview.web.registers.models import Body
from casereview.web.reports.models import ScheduledPublication
from casereview.web.reviews.services import conflict_declare

from . import factories
from .test_welsh_pages import english_pieces

pytestmark = pytest.mark.django_db(transaction=True)

_PLACEHOLDER = re.compile(r"%\(\w+\)s")


def text_of(response: Any) -> str:
    """The page's text, tags out, entities read and spaces joined."""
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split()))


def pieces(sentence: str) -> list[str]:
    """The words of a catalogue sentence between its placeholders (those with letters in them)."""
    return [p.strip(" :;,()") for p in _PLACEHOLDER.split(sentence) if re.search(r"[A-Za-z]", p)]


def welsh_of(english: str) -> str:
    with translation.override("cy"):
        said = gettext(english)
    assert said != english, f"no Welsh for {english!r} in the catalogue"
    return said


@dataclass(frozen=True)
class Refusal:
    """A refusal a page shows: how to trigger it (a POST by ``who``), the sentences (catalogue msgids) it is
    made of, the English the page has always shown, and Welsh words that are values (months)."""

    who: str
    post: Callable[[Any, dict[str, Any]], Any]
    sentences: tuple[str, ...]
    english: tuple[str, ...]
    welsh_values: tuple[str, ...] = ()


def _draw(form: dict[str, str]) -> Callable[[Any, dict[str, Any]], Any]:
    def post(client: Any, world: dict[str, Any]) -> Any:
        inspection = world["fresh"]
        data = {"register": world["register"].pk, "size": "4", "allocation": "proportional"}
        return client.post(f"/inspections/{inspection.pk}/draw/", {**data, **form})

    return post


def _assign(client: Any, world: dict[str, Any]) -> Any:
    inspection = world["fresh_drawn"]
    return client.post(
        f"/inspections/{inspection.pk}/assign/", {"inspectors": ["ben"], "kind": "first"}
    )


def _tokens(client: Any, world: dict[str, Any]) -> Any:
    return client.post("/users/tokens/", {"name": " ", "scopes": ["everything"], "days": "30"})


def _schedule(
    day: dt.date, time: str = "", access: str = "", inspection: str = "fresh_drawn"
) -> Callable[[Any, dict[str, Any]], Any]:
    def post(client: Any, world: dict[str, Any]) -> Any:
        form = {
            "release_day": str(day.day),
            "release_month": str(day.month),
            "release_year": str(day.year),
            "release_time": time,
            "pre_release_access": access,
        }
        return client.post(f"/reports/inspection/{world[inspection].pk}/schedule/", form)

    return post


def _clocks_forward(after: dt.date) -> dt.date:
    """The last Sunday of March after ``after``: 01:30 that day does not happen in the UK."""
    year = after.year + 1
    day = dt.date(year, 3, 31)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


TODAY = timezone.localdate()
SPRING = _clocks_forward(TODAY)

REFUSALS: dict[str, Refusal] = {
    "a sample plan's headline comparisons (PlanError)": Refusal(
        "lead",
        _draw({"headline": "area:x\ncategory:nope", "action": "draw"}),
        (
            "The sample plan has problems: %(problems)s",
            "headline names %(item)s; each must be kind:name, the kind one of %(kinds)s",
            "headline names %(item)s: %(name)s is not a category",
        ),
        (
            "The sample plan has problems: headline names 'area:x'; each must be kind:name, the kind "
            "one of category, unit, weakness; headline names 'category:nope': 'nope' is not a category",
        ),
    ),
    "a frame that would end before it starts (PlanError, with dates)": Refusal(
        "lead",
        _draw({"reported_from": "01/05/2024", "action": "preview"}),
        (
            "the frame would run from %(first)s to %(last)s: give both dates, or neither to use the "
            "inspection's period",
        ),
        (
            "the frame would run from 1 May 2024 to 31 March 2024: give both dates, or neither to use "
            "the inspection's period",
        ),
        ("1 Mai 2024", "31 Mawrth 2024"),
    ),
    "a frame with no case of the register in it (PlanError from the draw)": Refusal(
        "lead",
        _draw({"reported_from": "01/01/2030", "reported_to": "02/01/2030", "action": "draw"}),
        ("no case of the register is in the plan's frame",),
        ("no case of the register is in the plan's frame",),
    ),
    "cases no chosen inspector may take (AssignmentError)": Refusal(
        "lead",
        _assign,
        (
            "No chosen inspector may take %(cases)s (declared conflicts, or they reviewed it first); "
            "add another inspector",
            "case %(case)s (unit %(unit)s)",
        ),
        ("No chosen inspector may take case ", "add another inspector"),
    ),
    "an API token without a name or a known scope (TokenError)": Refusal(
        "lead",
        _tokens,
        ("%(scope)s is not a scope; use %(scopes)s", "Give the token a name (what will use it)"),
        (
            "'everything' is not a scope; use read, register_upload, send_back_response; "
            "Give the token a name (what will use it)",
        ),
    ),
    "a release in the past and a list without roles (the release rules)": Refusal(
        "lead",
        _schedule(TODAY - dt.timedelta(days=2), "09:30", "Sam Patel"),
        (
            "The release date and time must be in the future",
            "Line %(n)s: give the name, a comma, then the role and organisation, like "
            "“Sam Patel, Head of Statistics, Ministry of Justice”",
        ),
        (
            "The release date and time must be in the future",
            "Line 1: give the name, a comma, then the role and organisation, like "
            "“Sam Patel, Head of Statistics, Ministry of Justice”",
        ),
    ),
    "a time the clocks skip (ReleaseRefused, with a date)": Refusal(
        "lead",
        _schedule(SPRING, "01:30"),
        ("%(when)s does not happen in the UK: the clocks go forward",),
        (
            f"01:30 on {SPRING.day} March {SPRING.year} does not happen in the UK: the clocks go forward",
        ),
        (f"{SPRING.day} Mawrth {SPRING.year}",),
    ),
    "scheduling a report that is not ready (ReleaseError)": Refusal(
        "lead",
        _schedule(TODAY + dt.timedelta(days=10), "09:30"),
        (
            "The report must be ready to publish before it is scheduled, so that the people given "
            "pre-release access see the final figures: %(problems)s",
        ),
        (
            "The report must be ready to publish before it is scheduled, so that the people given "
            "pre-release access see the final figures: 4 of 4 sampled cases have no submitted review",
        ),
    ),
}


@pytest.fixture
def world(body: Body, tmp_path: Path, welsh: Path) -> dict[str, Any]:
    """A lead with an inspection not yet drawn (``fresh``, with a register to draw from) and one whose sample
    of 4 is drawn and not yet assigned (``fresh_drawn``), every unit of its register declared a conflict by
    the inspector ben.  Welsh is offered (``welsh``: the committed catalogue compiled)."""
    lead = factories.user("lead_inspector", "lead")
    ben = factories.user("inspector", "ben")
    fresh = factories.inspection(lead=lead, name="Q1")
    drawn = factories.inspection(lead=lead, name="Q2")
    register = factories.register(tmp_path, rows=60, seed=1)  # after both seeds were committed
    factories.sample(drawn, register, size=4)
    for unit in {c.unit for c in register.cases.all()}:
        conflict_declare(inspector=ben, body=body, unit=unit)
    return {"lead": lead, "ben": ben, "register": register, "fresh": fresh, "fresh_drawn": drawn}


def _client(person: Any, language: str) -> Any:
    language_choose(user=person, language=language)
    return factories.verified_client(person)  # the stored choice is read at sign-in


@pytest.mark.parametrize("refusal", REFUSALS.values(), ids=list(REFUSALS))
def test_a_refusal_on_an_inspection_plan_assignment_token_or_release_page_is_in_welsh(
    world: dict[str, Any], refusal: Refusal
) -> None:
    page = refusal.post(_client(world[refusal.who], "cy"), world)
    assert page.status_code in (400, 409, 200)
    said = text_of(page)
    for sentence in refusal.sentences:
        for english in pieces(sentence):
            if len(english.split()) >= 2:
                assert english not in said, f"English left on the Welsh page: {english!r}"
        for welsh in pieces(welsh_of(sentence)):
            assert welsh in said, f"{welsh!r} (the Welsh of {sentence!r}) is not on the page"
    for words in refusal.welsh_values:
        assert words in said
    assert english_pieces(page.content.decode()) == []


@pytest.mark.parametrize("refusal", REFUSALS.values(), ids=list(REFUSALS))
def test_the_same_refusal_in_english_reads_as_it_always_did(
    world: dict[str, Any], refusal: Refusal
) -> None:
    page = refusal.post(_client(world[refusal.who], "en-gb"), world)
    assert page.status_code in (400, 409, 200)
    said = text_of(page)
    for english in refusal.english:
        assert english in said


def _failed_reasons(world: dict[str, Any], language: str) -> str:
    """The draft page's list of why the last scheduled publication did not go out, as text, for a lead who
    chose ``language``; the row is stored as ``publish_due`` stores one (and as rows stored before were)."""
    now = timezone.now()
    inspection = world["fresh_drawn"]
    ScheduledPublication.objects.create(
        inspection=inspection,
        release_at=now - dt.timedelta(hours=1),
        scheduled_by=world["lead"],
        scheduled_at=now - dt.timedelta(days=1),
        state=ScheduledPublication.State.FAILED,
        finished_at=now,
        failure_reasons=[FIGURES_CHANGED, WENT_WRONG],
    )
    page = _client(world["lead"], language).get(f"/reports/inspection/{inspection.pk}/")
    assert page.status_code == 200
    found = re.search(r'id="schedule-failed".*?(<ul .*?</ul>)', page.content.decode(), re.DOTALL)
    assert found is not None
    return text_of(SimpleNamespace(content=found.group(1).encode()))


def test_why_a_scheduled_publication_did_not_go_out_is_in_welsh_old_rows_too(
    world: dict[str, Any],
) -> None:
    said = _failed_reasons(world, "cy")
    assert (
        welsh_of(
            "The figures changed after pre-release access was given: check the report and schedule it "
            "again"
        )
        in said
    )
    went_wrong = welsh_of(
        "casereview could not publish it: something went wrong %(times)s times. Ask the service's "
        "administrator to look at its log, then schedule it again"
    )
    assert went_wrong % {"times": MOST_ATTEMPTS} in said
    assert FIGURES_CHANGED not in said and "went wrong" not in said
    assert english_pieces(said) == []


def test_why_a_scheduled_publication_did_not_go_out_reads_as_stored_in_english(
    world: dict[str, Any],
) -> None:
    said = _failed_reasons(world, "en-gb")
    assert f"{FIGURES_CHANGED} {WENT_WRONG}" == said
