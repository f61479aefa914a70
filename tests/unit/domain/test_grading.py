from __future__ import annotations

import datetime as dt

import pytest

from casereview.domain.grading import (
    TamperedReview,
    clean_answers,
    opens_send_back,
    problems_worded,
    rule_note,
    submission_problems,
)
from casereview.domain.referrals import OpenSendBack
from casereview.importing.frameworks import load_framework

F = load_framework("child-protection/1")
ALL_GOOD = {a.slug: "good" for a in F.areas}


def answers(**over: object):  # type: ignore[no-untyped-def]
    base: dict[str, object] = {
        "area_grades": ALL_GOOD,
        "area_weaknesses": {},
        "area_comments": {},
        "overall": "good",
        "departure_reason": "",
        "send_back": "no",
    }
    base.update(over)
    return clean_answers(F, **base)  # type: ignore[arg-type]


def test_a_complete_consistent_review_has_no_problems() -> None:
    assert submission_problems(F, answers()) == []


def test_missing_answers_are_listed_in_page_order() -> None:
    a = answers(area_grades={"initial_contact": "good"}, overall="", send_back="")
    fields = [p.field for p in submission_problems(F, a)]
    assert fields[0] == "grade_assessment_and_help" and fields[-2:] == ["overall", "send_back"]
    assert "grade_initial_contact" not in fields


def test_departing_from_the_rule_needs_a_reason_and_is_then_accepted() -> None:
    grades = {**ALL_GOOD, "initial_contact": "inadequate"}
    a = answers(area_grades=grades, overall="requires_improvement")
    assert [p.field for p in submission_problems(F, a)] == ["departure_reason"]
    assert "Initial contact" in str(rule_note(F, a))
    b = answers(
        area_grades=grades,
        overall="requires_improvement",
        departure_reason="Prompt safeguarding later",
    )
    assert submission_problems(F, b) == []


@pytest.mark.parametrize(
    "change",
    [
        {"area_grades": {**ALL_GOOD, "initial_contact": "excellent"}},
        {
            "area_grades": {**ALL_GOOD, "initial_contact": "not_applicable"}
        },  # not allowed for this area
        {"area_grades": {"made_up_area": "good"}},
        {"area_weaknesses": {"initial_contact": ["W99"]}},
        {"overall": "outstanding"},
        {"send_back": "maybe"},
    ],
)
def test_values_outside_the_framework_are_tampering(change: dict[str, object]) -> None:
    with pytest.raises(TamperedReview):
        answers(**change)


def test_not_applicable_is_accepted_where_the_framework_allows_it() -> None:
    a = answers(area_grades={**ALL_GOOD, "police_detention": "not_applicable"})
    assert a.area_grades["police_detention"] == "not_applicable" and submission_problems(F, a) == []


OPEN = OpenSendBack(id=7, urgency="priority", state="acknowledged", due_on=dt.date(2026, 12, 9))


def test_a_yes_needs_its_reason_and_urgency_to_be_submitted() -> None:
    fields = [p.field for p in submission_problems(F, answers(send_back="yes"))]
    assert fields == ["send_back_reason", "send_back_urgency"]
    assert [
        p.field for p in submission_problems(F, answers(send_back="yes", send_back_reason="  "))
    ] == fields
    done = answers(
        send_back="yes", send_back_reason=" Child at the address ", send_back_urgency="immediate"
    )
    assert submission_problems(F, done) == [] and done.send_back_reason == "Child at the address"
    assert opens_send_back(done, [])


def test_a_no_ignores_a_reason_typed_before_and_opens_nothing() -> None:
    a = answers(send_back="no", send_back_reason="typed", send_back_urgency="routine")
    assert submission_problems(F, a) == [] and not opens_send_back(a, [])


def test_an_open_send_back_covers_a_yes_unless_a_second_is_confirmed() -> None:
    covered = answers(send_back="yes", send_back_reason="typed", send_back_urgency="routine")
    assert not opens_send_back(covered, [OPEN]) and submission_problems(F, covered, [OPEN]) == []
    bare = answers(send_back="yes")
    assert (
        submission_problems(F, bare, [OPEN]) == []
    )  # the open send back covers it: nothing to ask
    second = answers(send_back="yes", send_back_another="yes")
    assert opens_send_back(second, [OPEN])
    assert [p.field for p in submission_problems(F, second, [OPEN])] == [
        "send_back_reason",
        "send_back_urgency",
    ]


@pytest.mark.parametrize(
    "field, value", [("send_back_urgency", "whenever"), ("send_back_another", "maybe")]
)
def test_a_send_back_value_no_form_offers_is_tampering(field: str, value: str) -> None:
    with pytest.raises(TamperedReview):
        answers(send_back="yes", **{field: value})


def test_the_problems_read_in_english_as_they_always_did() -> None:
    missing = answers(
        area_grades={**ALL_GOOD, "initial_contact": "", "police_detention": ""},
        overall="",
        send_back="",
    )
    assert [(p.field, str(p.message)) for p in submission_problems(F, missing)] == [
        ("grade_initial_contact", "Choose a grade for Initial contact"),
        ("grade_police_detention", "Choose a grade for Police detention, or Not applicable"),
        ("overall", "Choose the overall grade"),
        (
            "send_back",
            "Answer the question: Is a child still at risk, or must the case be reopened?",
        ),
    ]
    departs = answers(
        area_grades={**ALL_GOOD, "decision_making": "inadequate"}, overall="good", send_back="yes"
    )
    assert [str(p.message) for p in submission_problems(F, departs)] == [
        "Inadequate in Decision making: the rule allows an overall grade no better than Requires "
        "improvement. Give your reason for grading the case Good",
        "Say why the case is sent back (the body's liaison officer reads this)",
        "Choose how urgent the send back is: immediate, priority or routine",
    ]
    key = answers(area_grades={**ALL_GOOD, "initial_contact": "inadequate"}, overall="good")
    assert str(rule_note(F, key)) == (
        "Inadequate in Initial contact: the rule makes the overall grade Inadequate"
    )
    assert rule_note(F, answers()) == ""


def test_problems_are_worded_from_the_framework_the_page_shows_keeping_which_and_their_order() -> (
    None
):
    welsh = F.in_language("cy")
    a = answers(
        area_grades={**ALL_GOOD, "initial_contact": "", "decision_making": "inadequate"},
        overall="good",
        send_back="yes",
    )
    found = submission_problems(F, a)
    worded = problems_worded(welsh, a, found)
    assert [p.field for p in worded] == [p.field for p in found]
    assert worded[0].message.values == {"area": "Y cyswllt cyntaf"}
    rule = worded[1].message.values["rule"]
    assert "Gwneud penderfyniadau" in str(rule) and "Angen gwella" in str(rule)
    assert worded[1].message.values["grade"] == "Da"
    # Only the problems given are worded: with an open send back covering the yes, the service asked for no
    # reason or urgency, and none is added here.
    covered = submission_problems(F, a, [OPEN])
    assert [p.field for p in problems_worded(welsh, a, covered)] == [p.field for p in covered]
    assert "send_back_reason" not in [p.field for p in covered]
    assert problems_worded(welsh, a, []) == []
