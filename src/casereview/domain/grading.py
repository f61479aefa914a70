"""Checking a review against its pinned framework.

Two kinds of problem, kept apart on purpose:

* a value the framework does not have (a grade or weakness code a form never
  offered) means the request was tampered with or built by another program:
  ``TamperedReview``, refused whole, nothing saved;
* an answer missing or inconsistent when the inspector submits: a list of
  messages for the GOV.UK error summary, written for the inspector.

Drafts may be incomplete; only submission requires every answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .framework import Framework, check_overall


class TamperedReview(Exception):
    """A value no form of this framework could send."""


@dataclass(frozen=True)
class ReviewAnswers:
    area_grades: dict[str, str] = field(default_factory=dict)
    area_weaknesses: dict[str, list[str]] = field(default_factory=dict)
    area_comments: dict[str, str] = field(default_factory=dict)
    overall: str = ""
    departure_reason: str = ""
    send_back: bool | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "area_grades": self.area_grades,
            "area_weaknesses": self.area_weaknesses,
            "area_comments": self.area_comments,
            "overall": self.overall,
            "departure_reason": self.departure_reason,
            "send_back": self.send_back,
        }


def clean_answers(
    framework: Framework,
    *,
    area_grades: Mapping[str, str],
    area_weaknesses: Mapping[str, Sequence[str]],
    area_comments: Mapping[str, str],
    overall: str,
    departure_reason: str,
    send_back: str | bool | None,
) -> ReviewAnswers:
    """Normalise answers; raise ``TamperedReview`` for anything outside the framework."""
    slugs = {a.slug: a for a in framework.areas}
    allowed_grades = set(framework.grade_codes)
    grades: dict[str, str] = {}
    for slug, grade in area_grades.items():
        if slug not in slugs:
            raise TamperedReview(f"unknown area {slug!r}")
        if not grade:
            continue
        if grade == framework.not_applicable.code:
            if not slugs[slug].may_be_not_applicable:
                raise TamperedReview(f"area {slug!r} cannot be not applicable")
        elif grade not in allowed_grades:
            raise TamperedReview(f"grade {grade!r} is not in framework {framework.ref}")
        grades[slug] = grade
    codes = set(framework.weakness_codes)
    weaknesses: dict[str, list[str]] = {}
    for slug, chosen in area_weaknesses.items():
        if slug not in slugs:
            raise TamperedReview(f"unknown area {slug!r}")
        for code in chosen:
            if code not in codes:
                raise TamperedReview(f"weakness {code!r} is not in framework {framework.ref}")
        if chosen:
            weaknesses[slug] = sorted(set(chosen))
    comments = {}
    for slug, text in area_comments.items():
        if slug not in slugs:
            raise TamperedReview(f"unknown area {slug!r}")
        if text.strip():
            comments[slug] = text.strip()
    if overall and overall not in allowed_grades:
        raise TamperedReview(f"overall grade {overall!r} is not in framework {framework.ref}")
    if isinstance(send_back, str):
        if send_back not in ("", "yes", "no"):
            raise TamperedReview("the send-back answer must be yes or no")
        answer: bool | None = None if send_back == "" else send_back == "yes"
    else:
        answer = send_back
    return ReviewAnswers(grades, weaknesses, comments, overall, departure_reason.strip(), answer)


@dataclass(frozen=True)
class Problem:
    field: str  # the form field the message belongs to
    message: str


def submission_problems(framework: Framework, answers: ReviewAnswers) -> list[Problem]:
    """Everything missing or inconsistent, in page order, for the error summary."""
    problems: list[Problem] = []
    for area in framework.areas:
        if area.slug not in answers.area_grades:
            extra = ", or Not applicable" if area.may_be_not_applicable else ""
            problems.append(Problem(f"grade_{area.slug}", f"Choose a grade for {area.title}{extra}"))
    if not answers.overall:
        problems.append(Problem("overall", "Choose the overall grade"))
    else:
        check = check_overall(framework, answers.area_grades)
        if check.departs(answers.overall, framework) and not answers.departure_reason:
            problems.append(
                Problem(
                    "departure_reason",
                    f"{check.explanation}. Give your reason for grading the case "
                    f"{framework.label(answers.overall)}",
                )
            )
    if answers.send_back is None:
        problems.append(Problem("send_back", f"Answer the question: {framework.send_back_question}"))
    return problems


def rule_note(framework: Framework, answers: ReviewAnswers) -> str:
    """What the rule says about the overall grade as given, for the page (empty when it agrees)."""
    if not answers.overall:
        return ""
    check = check_overall(framework, answers.area_grades)
    return check.explanation if check.departs(answers.overall, framework) else ""
