"""A review done entirely in Welsh (issue 25): the problems of an incomplete submission, the rule's note, the
banner after submitting and My cases are in the reader's language, the framework's words inside them too; an
English reader sees exactly the English as before.

The expected Welsh is read from the catalogue (``gettext`` under ``translation.override("cy")``) and from the
framework's own Welsh (``Framework.in_language``), each checked to differ from its English first, so that no
assertion can pass on an English page.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from casereview.domain.referrals import due_words
from casereview.importing.frameworks import load_framework
from casereview.web.language.services import language_choose
from casereview.web.referrals.models import SendBack
from casereview.web.reviews.models import Assignment, Review

from . import factories

pytestmark = pytest.mark.django_db(transaction=True)
F = load_framework("child-protection/1")
CY = F.in_language("cy")


def welsh_of(english: str) -> str:
    with translation.override("cy"):
        said = gettext(english)
    assert said != english, f"no Welsh for {english!r}"
    return said


def cy_title(slug: str) -> str:
    title = next(a.title for a in CY.areas if a.slug == slug)
    assert title != next(a.title for a in F.areas if a.slug == slug)
    return title


def client_of(person: Any, *, welsh: bool) -> Any:
    if welsh:
        language_choose(user=person, language="cy")
    return factories.verified_client(person)  # the stored choice is read at sign-in


def text_of(response: Any) -> str:
    """The page's text, tags out, entities read and spaces joined."""
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split()))


def post(client: Any, assignment: Assignment, **answers: str) -> Any:
    """The review page opened (it makes the draft), then ``answers`` submitted against its version."""
    assert client.get(f"/reviews/{assignment.pk}/").status_code == 200
    version = Review.objects.get(assignment=assignment).version
    data = {f"grade_{a.slug}": "good" for a in F.areas}
    data.update({"overall": "good", "send_back": "no", "action": "submit"})
    data.update(answers, version=str(version))
    return client.post(f"/reviews/{assignment.pk}/", {k: v for k, v in data.items() if v})


#: Initial contact not graded, Decision making inadequate under an overall Good with no reason, and the
#: send-back question not answered: three problems, each naming the framework's words.
INCOMPLETE = {"grade_initial_contact": "", "grade_decision_making": "inadequate", "send_back": ""}


def test_a_welsh_inspector_reads_the_problems_the_rule_and_the_banner_in_welsh(
    world: dict[str, Any], welsh: Path
) -> None:
    client = client_of(world["ina"], welsh=True)
    page = post(client, world["assignment"], **INCOMPLETE)
    assert page.status_code == 400
    said = text_of(page)
    rule = welsh_of(
        "%(grade)s in %(areas)s: the rule allows an overall grade no better than %(overall)s"
    ) % {
        "grade": CY.label("inadequate"),
        "areas": cy_title("decision_making"),
        "overall": CY.label("requires_improvement"),
    }
    assert CY.label("requires_improvement") != F.label("requires_improvement")
    assert CY.send_back_question != F.send_back_question
    for words in (
        welsh_of("Choose a grade for %(area)s") % {"area": cy_title("initial_contact")},
        welsh_of("%(rule)s. Give your reason for grading the case %(grade)s")
        % {"rule": rule, "grade": CY.label("good")},
        welsh_of("Answer the question: %(question)s") % {"question": CY.send_back_question},
        f"{rule}.",  # the rule's note beside the reason
        welsh_of("First review"),  # the assignment's kind, above the heading
        welsh_of("Immediate – the same working day"),  # the send back's urgency choices
    ):
        assert words in said, words
    for english in (
        "Choose a grade for",
        "Give your reason",
        "the rule allows",
        "Answer the question",
    ):
        assert english not in said, english

    submitted = post(client, world["assignment"])
    assert submitted.status_code == 302 and submitted.url == "/reviews/"
    mine = text_of(client.get(submitted.url))
    assert welsh_of("Review submitted") in mine  # the banner
    assert welsh_of("To do (not started or draft)") in mine  # My cases' state filter
    assert "Review submitted" not in mine and "To do (not started or draft)" not in mine


def test_a_welsh_inspectors_yes_is_sent_back_with_a_welsh_banner(
    world: dict[str, Any], welsh: Path
) -> None:
    client = client_of(world["ina"], welsh=True)
    submitted = post(
        client,
        world["assignment"],
        send_back="yes",
        send_back_reason="Plentyn yn y cyfeiriad",
        send_back_urgency="immediate",
    )
    assert submitted.status_code == 302
    sent = SendBack.objects.get(sampled_case=world["assignment"].sampled_case)
    mine = text_of(client.get(submitted.url))
    urgency = welsh_of("Immediate (same working day)")
    banner = welsh_of("Case %(ref)s sent back to %(body)s, %(urgency)s, due %(due)s") % {
        "ref": sent.sampled_case.case_ref,
        "body": sent.body.name,
        "urgency": urgency[:1].lower() + urgency[1:],
        "due": due_words(sent.due_on, timezone.localdate(), language="cy"),
    }
    assert banner in mine
    assert "sent back to" not in mine


def test_an_english_inspector_reads_exactly_the_english_as_before(world: dict[str, Any]) -> None:
    client = client_of(world["ina"], welsh=False)
    said = text_of(post(client, world["assignment"], **INCOMPLETE))
    rule = (
        "Inadequate in Decision making: the rule allows an overall grade no better than "
        "Requires improvement"
    )
    for words in (
        "Choose a grade for Initial contact",
        f"{rule}. Give your reason for grading the case Good",
        "Answer the question: Is a child still at risk, or must the case be reopened?",
        f"{rule}.",
        "First review",
        "Immediate – the same working day",
    ):
        assert words in said, words
    submitted = post(
        client,
        world["assignment"],
        send_back="yes",
        send_back_reason="Child at the address",
        send_back_urgency="immediate",
    )
    sent = SendBack.objects.get(sampled_case=world["assignment"].sampled_case)
    mine = text_of(client.get(submitted.url))
    due = due_words(sent.due_on, timezone.localdate())
    assert (
        f"Case {sent.sampled_case.case_ref} sent back to {sent.body.name}, immediate (same working "
        f"day), due {due}"
    ) in mine
    assert "To do (not started or draft)" in mine
