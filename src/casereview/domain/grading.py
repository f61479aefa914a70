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

from casereview.domain.errors import Refused

from .framework import Area, Framework, check_overall
from .language import Phrase, gettext_lazy
from .referrals import OpenSendBack, Urgency


class TamperedReview(Refused):
    """A value no form of this framework could send."""


@dataclass(frozen=True)
class ReviewAnswers:
    area_grades: dict[str, str] = field(default_factory=dict)
    area_weaknesses: dict[str, list[str]] = field(default_factory=dict)
    area_comments: dict[str, str] = field(default_factory=dict)
    overall: str = ""
    departure_reason: str = ""
    send_back: bool | None = None
    #: With a yes: why and how urgently the case goes back (the send back is opened on submission).
    send_back_reason: str = ""
    send_back_urgency: str = ""
    #: With a yes on a case that already has an open send back: open a second one (never implied).
    send_back_another: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "area_grades": self.area_grades,
            "area_weaknesses": self.area_weaknesses,
            "area_comments": self.area_comments,
            "overall": self.overall,
            "departure_reason": self.departure_reason,
            "send_back": self.send_back,
            "send_back_reason": self.send_back_reason,
            "send_back_urgency": self.send_back_urgency,
            "send_back_another": self.send_back_another,
        }


def _clean_grades(
    framework: Framework, slugs: Mapping[str, Area], area_grades: Mapping[str, str]
) -> dict[str, str]:
    """The areas' grades given (an empty one is no grade); an area or grade outside the framework is tampering."""
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
    return grades


def _clean_weaknesses(
    framework: Framework, slugs: Mapping[str, Area], area_weaknesses: Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    """Each area's weaknesses, sorted and once each; a code outside the framework is tampering."""
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
    return weaknesses


def clean_answers(
    framework: Framework,
    *,
    area_grades: Mapping[str, str],
    area_weaknesses: Mapping[str, Sequence[str]],
    area_comments: Mapping[str, str],
    overall: str,
    departure_reason: str,
    send_back: str | bool | None,
    send_back_reason: str = "",
    send_back_urgency: str = "",
    send_back_another: str | bool = False,
) -> ReviewAnswers:
    """Normalise answers; raise ``TamperedReview`` for anything outside the framework."""
    slugs = {a.slug: a for a in framework.areas}
    allowed_grades = set(framework.grade_codes)
    grades = _clean_grades(framework, slugs, area_grades)
    weaknesses = _clean_weaknesses(framework, slugs, area_weaknesses)
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
    if send_back_urgency and send_back_urgency not in {u.value for u in Urgency}:
        raise TamperedReview("the urgency must be immediate, priority or routine")
    if isinstance(send_back_another, str):
        if send_back_another not in ("", "yes"):
            raise TamperedReview("the second send-back confirmation must be yes or absent")
        another = send_back_another == "yes"
    else:
        another = send_back_another
    return ReviewAnswers(
        grades,
        weaknesses,
        comments,
        overall,
        departure_reason.strip(),
        answer,
        send_back_reason=send_back_reason.strip(),
        send_back_urgency=send_back_urgency,
        send_back_another=another,
    )


def opens_send_back(answers: ReviewAnswers, open_send_backs: Sequence[OpenSendBack]) -> bool:
    """Whether submitting these answers opens a send back.

    A yes opens one, unless the case already has an open send back: then only an
    explicit confirmation (``send_back_another``) opens a second, and otherwise the
    open one covers the case (the page names it).
    """
    return answers.send_back is True and (not open_send_backs or answers.send_back_another)


@dataclass(frozen=True)
class Problem:
    field: str  # the form field the message belongs to
    #: for the inspector: ``str()`` is the English, a page shows it in the reader's language (a Phrase)
    message: Phrase


def submission_problems(
    framework: Framework, answers: ReviewAnswers, open_send_backs: Sequence[OpenSendBack] = ()
) -> list[Problem]:
    """Everything missing or inconsistent, in page order, for the error summary.

    ``open_send_backs`` are the case's send backs not yet closed *as the person
    answering can see them* (none, for a blind second marker): a yes that would
    open a send back needs its reason and urgency like any other answer.
    """
    problems: list[Problem] = []
    for area in framework.areas:
        if area.slug not in answers.area_grades:
            # Two sentences, not one with ", or Not applicable" put in: a translation words each whole.
            message = (
                gettext_lazy("Choose a grade for %(area)s, or Not applicable", area=area.title)
                if area.may_be_not_applicable
                else gettext_lazy("Choose a grade for %(area)s", area=area.title)
            )
            problems.append(Problem(f"grade_{area.slug}", message))
    if not answers.overall:
        problems.append(Problem("overall", gettext_lazy("Choose the overall grade")))
    else:
        check = check_overall(framework, answers.area_grades)
        if check.departs(answers.overall, framework) and not answers.departure_reason:
            problems.append(
                Problem(
                    "departure_reason",
                    gettext_lazy(
                        "%(rule)s. Give your reason for grading the case %(grade)s",
                        rule=check.explanation,
                        grade=framework.label(answers.overall),
                    ),
                )
            )
    if answers.send_back is None:
        problems.append(
            Problem(
                "send_back",
                gettext_lazy(
                    "Answer the question: %(question)s", question=framework.send_back_question
                ),
            )
        )
    elif opens_send_back(answers, open_send_backs):
        if not answers.send_back_reason:
            problems.append(
                Problem(
                    "send_back_reason",
                    gettext_lazy(
                        "Say why the case is sent back (the body's liaison officer reads this)"
                    ),
                )
            )
        if not answers.send_back_urgency:
            problems.append(
                Problem(
                    "send_back_urgency",
                    gettext_lazy(
                        "Choose how urgent the send back is: immediate, priority or routine"
                    ),
                )
            )
    return problems


def problems_worded(
    framework: Framework, answers: ReviewAnswers, problems: Sequence[Problem]
) -> list[Problem]:
    """The same problems (which ones is ``submission_problems``' answer, given earlier), each worded from
    ``framework``: the one the page shows, in the reader's language, so the area titles, grades and question
    inside the messages are in that language too.

    A problem's words depend only on the framework and the answers, never on the open send backs (those only
    decide whether the reason and urgency are asked for), so they are worded here as if none were open and
    only the problems given are kept, in their order; a problem the framework does not word stays as it was.
    """
    if not problems:
        return []
    worded = {p.field: p for p in submission_problems(framework, answers)}
    return [worded.get(p.field, p) for p in problems]


def rule_note(framework: Framework, answers: ReviewAnswers) -> Phrase | str:
    """What the rule says about the overall grade as given, for the page (empty when it agrees)."""
    if not answers.overall:
        return ""
    check = check_overall(framework, answers.area_grades)
    return check.explanation if check.departs(answers.overall, framework) else ""


# --- Reviews kept in spreadsheets ---------------------------------------------

KINDS = ("first", "moderation")
#: Weaknesses a spreadsheet gives for the whole case, not an area, are kept under this key.
CASE_WEAKNESSES = "_case"


@dataclass(frozen=True)
class ImportedReview:
    line: int
    case_ref: str
    reviewer: str
    kind: str
    answers: ReviewAnswers


def _row_grades(
    framework: Framework,
    row: Mapping[str, str | None],
    line: int,
    problems: list[tuple[int, str, str, str]],
) -> dict[str, str]:
    """The row's ``area:<slug>`` columns as area grades; a problem for each that is not one."""
    grades: dict[str, str] = {}
    areas = {a.slug: a for a in framework.areas}
    for column in row:
        if column.startswith("area:"):
            slug, text = column.removeprefix("area:"), (row.get(column) or "").strip()
            if slug not in areas:
                problems.append((line, column, "", f"{slug!r} is not an area of {framework.ref}"))
                continue
            if not text:
                continue
            code = framework.grade_code(text)
            if code is None or (
                code == framework.not_applicable.code and not areas[slug].may_be_not_applicable
            ):
                problems.append((line, column, text, f"not a grade {areas[slug].title} can have"))
            else:
                grades[slug] = code
    return grades


def parse_review_row(
    framework: Framework, row: Mapping[str, str | None], line: int
) -> tuple[ImportedReview | None, list[tuple[int, str, str, str]]]:
    """One spreadsheet row (normalised headers) as a review, or its problems (line, column, value, reason)."""
    problems: list[tuple[int, str, str, str]] = []

    def value(column: str) -> str:
        return (row.get(column) or "").strip()

    case_ref, reviewer = value("case_ref"), value("reviewer")
    if not case_ref:
        problems.append((line, "case_ref", "", "case_ref is required"))
    if not reviewer:
        problems.append((line, "reviewer", "", "reviewer is required"))
    kind = value("kind").lower() or "first"
    if kind not in KINDS:
        problems.append((line, "kind", value("kind"), "kind must be first or moderation"))
    overall_text = value("overall")
    overall = framework.grade_code(overall_text) if overall_text else None
    if overall is None or overall == framework.not_applicable.code:
        problems.append(
            (
                line,
                "overall",
                overall_text,
                "overall must be " + ", ".join(g.label for g in framework.grades),
            )
        )
    grades = _row_grades(framework, row, line, problems)
    weaknesses = [
        w.strip().upper() for w in value("weaknesses").replace(",", ";").split(";") if w.strip()
    ]
    for code in weaknesses:
        if code not in framework.weakness_codes:
            problems.append((line, "weaknesses", code, f"not a weakness code of {framework.ref}"))
    send_back_text = value("send_back").lower()
    if send_back_text not in ("", "yes", "no", "y", "n", "true", "false"):
        problems.append((line, "send_back", value("send_back"), "send_back must be yes or no"))
    if problems:
        return None, problems
    answers = ReviewAnswers(
        area_grades=grades,
        area_weaknesses={CASE_WEAKNESSES: sorted(set(weaknesses))} if weaknesses else {},
        overall=overall or "",
        send_back=None if not send_back_text else send_back_text in ("yes", "y", "true"),
    )
    return ImportedReview(line, case_ref, reviewer, kind, answers), []
