"""The refusals the send-back, follow-up and account pages show, to a reader who chose Welsh (issue 25): each
class of refusal (a move the state does not allow, a move that is someone else's, a closed send back, a second
send back, a password Django's validators refuse) is triggered through the page as a person would, and the
page says it in Welsh with no English left; the same request in English shows the English words as before.

Each expectation is what the rule that refused says (its ``str()``, the English) and that message written in
Welsh, read from the catalogue; the test checks first that the two differ, so that it cannot pass by
comparing English with English.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from casereview.domain.errors import Refused
from casereview.domain.referrals import SecondSendBack
from casereview.web.core.phrases import refusal_words
from casereview.web.followup import services as followup
from casereview.web.followup.models import ActionPlan, Finding, Recommendation
from casereview.web.language.services import language_choose
from casereview.web.referrals.models import SendBack
from casereview.web.referrals.selectors import open_send_backs
from casereview.web.referrals.services import sendback_act, sendback_open
from casereview.web.reviews.views import second_send_back_words

from . import factories
from .conftest import verified_client
from .test_welsh_pages import english_pieces, english_sentences, visible_text

pytestmark = pytest.mark.django_db

#: A case: what it needs (the world), and from it who posts what where, and the refusal's English and Welsh.
Case = Callable[[dict[str, Any]], tuple[Any, str, dict[str, Any], str, str]]


@functools.cache
def catalogue_english() -> frozenset[str]:
    return frozenset(english_sentences())


def in_both(refused: Callable[[], object]) -> tuple[str, str]:
    """The English and the Welsh of the refusal ``refused`` raises (as a page writes it: ``refusal_words``)."""
    with pytest.raises(Refused) as caught:
        refused()
    with translation.override("cy"):
        welsh = refusal_words(caught.value)
    return str(caught.value), welsh


# --- Send backs --------------------------------------------------------------------------------------------


def _send_back(world: dict[str, Any], *moves: tuple[str, str, str]) -> SendBack:
    """The send back the review's yes opened, moved by ``moves`` (action, who, note) through the service."""
    made = SendBack.objects.get()
    for action, who, note in moves:
        made = sendback_act(
            send_back=made,
            action=action,
            actor=world[who],
            expected_version=made.version,
            note=note,
        )
    return made


def _acted(world: dict[str, Any], send_back: SendBack, who: str, action: str, note: str) -> Any:
    """A move posted on the send-back page, and the refusal it meets, in English and in Welsh."""
    english, welsh = in_both(
        lambda: sendback_act(
            send_back=send_back,
            action=action,
            actor=world[who],
            expected_version=send_back.version,
            note=note,
        )
    )
    data = {"action": action, "version": str(send_back.version), "note": note}
    return world[who], f"/send-backs/{send_back.pk}/", data, english, welsh


def closed_send_back(world: dict[str, Any]) -> Any:
    done = _send_back(world, ("respond", "liaison", "Gwnaed"), ("accept", "ina", ""))
    return _acted(world, done, "liaison", "respond", "Gwnaed eto")


def move_the_state_refuses(world: dict[str, Any]) -> Any:
    answered = _send_back(world, ("respond", "liaison", "Gwnaed"))
    return _acted(world, answered, "liaison", "acknowledge", "")


def the_inspectorates_move(world: dict[str, Any]) -> Any:
    answered = _send_back(world, ("respond", "liaison", "Gwnaed"))
    return _acted(world, answered, "liaison", "accept", "")


def the_bodys_move(world: dict[str, Any]) -> Any:
    return _acted(world, _send_back(world), "ina", "respond", "Gwnaed")


def second_send_back(world: dict[str, Any]) -> Any:
    first = SendBack.objects.get()
    case = world["assignment"].sampled_case
    with pytest.raises(SecondSendBack) as caught:
        sendback_open(sampled_case=case, reason="Eto", urgency="routine", actor=world["ina"])
    with translation.override("cy"):
        welsh = second_send_back_words(caught.value)
    assert f"send back {first.pk}" in str(caught.value) and open_send_backs(case)
    url = f"/send-backs/from-review/{world['assignment'].pk}/"
    return world["ina"], url, {"reason": "Eto", "urgency": "routine"}, str(caught.value), welsh


# --- Follow-up ---------------------------------------------------------------------------------------------


def finding_published_again(world: dict[str, Any]) -> Any:
    finding = Finding.objects.get(pk=world["findings"][0].pk)
    english, welsh = in_both(
        lambda: followup.finding_publish(
            finding=finding, actor=world["lead"], expected_version=finding.version
        )
    )
    url = f"/recommendations/inspections/{world['inspection'].pk}/findings/"
    data = {"do": "publish_finding", "finding": finding.pk, "version": finding.version}
    return world["lead"], url, data, english, welsh


def _plan_posted(world: dict[str, Any], who: str, do: str) -> Any:
    plan = ActionPlan.objects.get(pk=world["plan"].pk)
    service = followup.plan_submit if do == "submit" else followup.plan_accept
    english, welsh = in_both(
        lambda: service(plan=plan, actor=world[who], expected_version=plan.version)
    )
    data = {"do": do, "version": plan.version}
    return world[who], f"/recommendations/plans/{plan.pk}/", data, english, welsh


def plan_accepted_before_it_is_submitted(world: dict[str, Any]) -> Any:
    return _plan_posted(world, "lead", "accept")


def plan_submitted_by_the_lead(world: dict[str, Any]) -> Any:
    return _plan_posted(world, "lead", "submit")


def plan_accepted_by_the_body(world: dict[str, Any]) -> Any:
    return _plan_posted(world, "liaison", "accept")


# --- Accounts: Django's password validators ----------------------------------------------------------------


def _password(world: dict[str, Any], username: str, password: str) -> Any:
    def refused() -> None:
        try:
            validate_password(password, get_user_model()(username=username, email=""))
        except ValidationError as exc:
            raise Refused(" ".join(exc.messages)) from exc

    with translation.override("en-gb"):
        english, _ = in_both(refused)
    with translation.override("cy"):
        welsh, _ = in_both(refused)
    data = {"username": username, "role": "inspector", "password": password, "email": ""}
    return world["admin"], "/users/", data, english, welsh


def password_too_short(world: dict[str, Any]) -> Any:
    return _password(world, "newydd", "byr")


def password_too_common(world: dict[str, Any]) -> Any:
    return _password(world, "newydd", "password1234")


def password_like_the_username(world: dict[str, Any]) -> Any:
    return _password(world, "llewelyn", "llewelyn1234")


SEND_BACK_CASES = [
    closed_send_back,
    move_the_state_refuses,
    the_inspectorates_move,
    the_bodys_move,
    second_send_back,
]
FOLLOWUP_CASES = [
    finding_published_again,
    plan_accepted_before_it_is_submitted,
    plan_submitted_by_the_lead,
    plan_accepted_by_the_body,
]
ACCOUNT_CASES = [password_too_short, password_too_common, password_like_the_username]


def english_left(page: str) -> list[str]:
    """The English on a page: pieces that read as English, and the catalogue's sentences shown untranslated;
    not the findings' and recommendations' own words (the inspectorate wrote them in English here)."""
    typed = {*Finding.objects.values_list("text", flat=True)}
    typed |= {*Recommendation.objects.values_list("text", flat=True)}
    text = visible_text(page)
    pieces = [piece for piece in english_pieces(page) if piece not in typed]
    return pieces + sorted(s for s in catalogue_english() if s in text)


def _both_languages(world: dict[str, Any], case: Case) -> None:
    person, url, data, english, welsh = case(world)
    client = verified_client(person)
    in_english = client.post(url, data)
    assert in_english.status_code in (400, 409), in_english.status_code
    assert english in visible_text(in_english.content.decode())
    language_choose(user=person, language="cy")
    in_welsh = verified_client(person).post(url, data)  # a new session reads the stored choice
    assert in_welsh.status_code == in_english.status_code
    page = in_welsh.content.decode()
    assert '<html lang="cy"' in page
    words = visible_text(page)
    assert english not in words, f"{english!r} shown on the Welsh page"
    assert welsh in words, f"{welsh!r} not on the Welsh page"
    assert english_left(page) == []
    assert welsh != english  # so the checks above could not pass comparing English with English


@pytest.fixture
def send_back_world(body: Any, tmp_path: Path, welsh: Path) -> dict[str, Any]:
    made = factories.inspection_world(tmp_path, rows=100, size=4)
    factories.submitted(
        made["assignment"], "inadequate", send_back=True, reason="Pryder", urgency="priority"
    )
    return made


@pytest.fixture
def followup_world(tmp_path: Path, welsh: Path) -> dict[str, Any]:
    return factories.followup_world(tmp_path)


@pytest.fixture
def accounts_world(db: None, welsh: Path) -> dict[str, Any]:
    return {"admin": factories.user("administrator", "gweinyddwr")}


@pytest.mark.parametrize("case", SEND_BACK_CASES, ids=lambda c: c.__name__)
def test_a_send_back_refusal_is_said_in_welsh_on_a_welsh_page_and_as_before_in_english(
    send_back_world: dict[str, Any], case: Case
) -> None:
    _both_languages(send_back_world, case)


@pytest.mark.parametrize("case", FOLLOWUP_CASES, ids=lambda c: c.__name__)
def test_a_follow_up_refusal_is_said_in_welsh_on_a_welsh_page_and_as_before_in_english(
    followup_world: dict[str, Any], case: Case
) -> None:
    _both_languages(followup_world, case)


@pytest.mark.parametrize("case", ACCOUNT_CASES, ids=lambda c: c.__name__)
def test_a_refused_password_is_said_in_welsh_on_a_welsh_page_and_as_before_in_english(
    accounts_world: dict[str, Any], case: Case
) -> None:
    _both_languages(accounts_world, case)
