from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext

from casereview.domain.framework import Framework
from casereview.domain.grading import Problem, ReviewAnswers, problems_worded, rule_note
from casereview.domain.referrals import SECOND_SEND_BACK, SecondSendBack
from casereview.domain.roles import GRADING_ROLES, LEADING_ROLES, Role
from casereview.domain.words import uk_date
from casereview.importing.frameworks import load_framework
from casereview.web.core.access import role_required
from casereview.web.core.kept import take_kept_answers
from casereview.web.core.phrases import active_language, refusal_words, translated
from casereview.web.inspections.links import link_weakness, links_refresh
from casereview.web.referrals.selectors import sent_back_words
from casereview.web.referrals.services import SendBackError, sendback_open

from . import my_cases, selectors
from .forms import MyCasesForm, ReviewForm, SendBackOpenForm
from .services import (
    Incomplete,
    ReviewError,
    StaleVersion,
    review_reopen,
    review_save,
    review_start,
    review_tampered_record,
)


@role_required(*GRADING_ROLES)
def mine(request: HttpRequest) -> HttpResponse:
    form = MyCasesForm(request.GET)
    cases = my_cases.my_cases(request.user, **form.values())
    return render(
        request,
        "reviews/mine.html",
        {"form": form, "cases": cases, "state_choices": my_cases.MY_CASES_STATES},
    )


def saved_at(review: Any) -> str:
    """ "Saved at 14:32" (UK local time): when the review was last saved; its day too when not today."""
    when = timezone.localtime(review.updated_at)
    if when.date() == timezone.localdate():
        return gettext("Saved at %(time)s") % {"time": f"{when:%H:%M}"}
    return gettext("Saved on %(day)s at %(time)s") % {
        "day": uk_date(when, active_language()),
        "time": f"{when:%H:%M}",
    }


def second_send_back_words(exc: SecondSendBack) -> str:
    """The refusal of a second send back in the page's language: its open send backs' words hold dates
    written in that language, so the sentence is written again here (``str(exc)`` is the same in English)."""
    names = "; ".join(selectors.open_send_back_words(one, exc.today) for one in exc.existing)
    return gettext(SECOND_SEND_BACK) % {"case": exc.case_ref, "names": names}


def _framework(ref: str) -> Framework:
    """The review's framework in the reader's language (docs/frameworks.md): only its words change, so the
    page's form takes the same answers in English or Welsh and what is stored is codes."""
    return load_framework(ref).in_language(active_language())


def _grade_words(framework: Any) -> dict[str, str]:
    """Each grade code of the framework (and "not applicable") to its label."""
    return {g.code: g.label for g in (*framework.grades, framework.not_applicable)}


def _answers_in_words(framework: Any, answers: Any) -> dict[str, Any]:
    """A review's grades as people read them: each area's title and grade label, and the overall grade."""
    labels = _grade_words(framework)
    grades = dict(answers.area_grades or {})
    return {
        "areas": [
            {
                "title": a.title,
                "grade": labels.get(grades.get(a.slug, ""), grades.get(a.slug, "")),
            }
            for a in framework.areas
        ],
        "overall": labels.get(answers.overall or "", answers.overall or ""),
    }


def _stored(review: Any) -> ReviewAnswers:
    """The answers a review holds, as the page shows them."""
    return ReviewAnswers(
        area_grades=review.area_grades,
        area_weaknesses=review.area_weaknesses,
        area_comments=review.area_comments,
        overall=review.overall,
        departure_reason=review.departure_reason,
        send_back=review.send_back,
        send_back_reason=review.send_back_reason,
        send_back_urgency=review.send_back_urgency,
    )


def _links_offer(framework: Any, links: Any, shown: ReviewAnswers) -> dict[str, Any] | None:
    """The weakness (W15) the related-cases panel offers itself, when the case has links and the framework
    has that weakness and its area; recorded under that one area, whose own list then leaves it out, so the
    form never holds the same box twice."""
    code, area_slug = link_weakness()
    if not (
        links
        and links["any"]
        and code in framework.weakness_codes
        and area_slug in {a.slug for a in framework.areas}
    ):
        return None
    return {
        "code": code,
        "text": next(w.text for w in framework.weaknesses if w.code == code),
        "area": area_slug,
        "area_title": next(a.title for a in framework.areas if a.slug == area_slug),
        "checked": code in shown.area_weaknesses.get(area_slug, []),
    }


def _kept(request: HttpRequest, current: Any, editable: bool) -> ReviewAnswers | None:
    """Answers posted after the session had ended, back once, unsaved (accounts/kept.py); None when there
    are none, or when the framework no longer takes them (it changed since: the stored answers are shown)."""
    kept = take_kept_answers(request) if editable and current.state == "draft" else None
    if kept is None:
        return None
    restored = ReviewForm(kept, framework=_framework(current.framework))
    return restored.answers if restored.is_valid() else None


def _page(
    request: HttpRequest,
    assignment: Any,
    editable: bool,
    review: Any,
    *,
    problems: list[Problem] | None = None,
    answers: ReviewAnswers | None = None,
    status: int = 200,
    send_back_form: SendBackOpenForm | None = None,
) -> HttpResponse:
    framework = _framework(review.framework)
    # A sample drawn before links existed gets them now, before the read below shows them.
    links_refresh(sample=assignment.sampled_case.sample)
    case, links = selectors.case_consulted(assignment=assignment, actor=request.user)
    shown = answers or _stored(review)
    # The problems the submission had (the service checked them against the framework's English), worded
    # from the page's framework: its area titles, grades and question in the reader's language, then the
    # sentences translated.
    said = [
        {"field": p.field, "message": translated(p.message)}
        for p in problems_worded(framework, shown, problems or [])
    ]
    offer = _links_offer(framework, links, shown)
    areas = [
        {
            "area": a,
            "grade": shown.area_grades.get(a.slug, ""),
            "weaknesses": shown.area_weaknesses.get(a.slug, []),
            "offered": [
                w
                for w in framework.weaknesses
                if not (offer and a.slug == offer["area"] and w.code == offer["code"])
            ],
            "comment": shown.area_comments.get(a.slug, ""),
            "error": next((p["message"] for p in said if p["field"] == f"grade_{a.slug}"), ""),
        }
        for a in framework.areas
    ]
    first = selectors.first_review_after_moderation(assignment, review)
    send_backs = selectors.send_back_context(request.user, assignment, review)
    if send_back_form is not None:  # a refused send back: its answers stay as typed
        send_backs["unsent_reason"] = send_back_form.data.get("reason", "")
        send_backs["unsent_urgency"] = send_back_form.data.get("urgency", "")
    return render(
        request,
        "reviews/review.html",
        {
            "assignment": assignment,
            "editable": editable and review.state == "draft",
            "review": review,
            "case": case,
            "framework": framework,
            "areas": areas,
            "answers": shown,
            "problems": said,
            "rule_note": translated(rule_note(framework, shown)),
            "errors_by_field": {p["field"]: p["message"] for p in said},
            "first_review": first,
            "first_review_words": _answers_in_words(framework, first) if first else None,
            "links": links,
            "links_weakness": offer,
            "position": my_cases.case_position(request.user, assignment),
            "saved_at": saved_at(review) if review.version else "",
            "send_back_form": send_back_form,
            "send_back_errors": send_back_form.errors if send_back_form is not None else {},
            "send_back_problems": _send_back_problems(send_back_form),
            **send_backs,
        },
        status=status,
    )


@role_required(*GRADING_ROLES)
def review(request: HttpRequest, assignment_id: int) -> HttpResponse:
    found = selectors.assignment_for(request.user, assignment_id)
    if found is None:
        raise Http404
    assignment, editable = found
    current = review_start(assignment=assignment)
    if request.method != "POST":
        return _page(
            request, assignment, editable, current, answers=_kept(request, current, editable)
        )
    if not editable:
        raise Http404
    framework = _framework(current.framework)
    form = ReviewForm(request.POST, framework=framework)
    if not form.is_valid() or form.answers is None:
        review_tampered_record(review=current, actor=request.user)
        return HttpResponse(
            gettext("Bad request: a value this framework does not have."),
            status=400,
            content_type="text/plain",
        )
    answers = form.answers
    try:
        saved = review_save(
            review=current,
            answers=answers,
            base_version=form.cleaned_data["version"],
            submit=form.submit,
            actor=request.user,
        )
    except StaleVersion as stale:
        return render(
            request,
            "reviews/conflict.html",
            {
                "assignment": assignment,
                "review": stale.review,
                "conflict": stale.conflict,
                "rows": _conflict_rows(framework, stale.review, answers),
            },
            status=409,
        )
    except Incomplete as incomplete:
        return _page(
            request,
            assignment,
            editable,
            incomplete.review,
            problems=incomplete.problems,
            answers=answers,
            status=400,
        )
    except ReviewError as exc:
        return render(
            request,
            "reviews/refused.html",
            {"message": refusal_words(exc), "assignment": assignment},
            status=409,
        )
    if saved.state == "submitted":
        # My cases shows the banner and, under it, the next case to do.
        messages.success(request, selectors.submitted_message(saved, assignment.sampled_case))
        return redirect("reviews:mine")
    messages.success(
        request,
        gettext("%(saved)s. You can carry on, or come back to this case later")
        % {"saved": saved_at(saved)},
    )
    return redirect("reviews:review", assignment_id=assignment.pk)


def _send_back_problems(form: SendBackOpenForm | None) -> list[dict[str, str]]:
    """The refused send back's problems for the error summary, each linked to its question."""
    if form is None:
        return []
    at = {"reason": "id_reason", "urgency": "urgency-immediate", "__all__": "send-back-again"}
    return [
        {"field": at.get(field, "send-back-again"), "message": str(message)}
        for field, messages_of in form.errors.items()
        for message in messages_of
    ]


def _conflict_rows(framework: Any, saved: Any, mine: ReviewAnswers) -> list[tuple[str, str, str]]:
    """The conflict page's table: each question, the saved answer and the one that was not applied, in words."""
    theirs, ours = _answers_in_words(framework, saved), _answers_in_words(framework, mine)
    yes_no = {True: gettext("Yes"), False: gettext("No"), None: gettext("Not answered")}
    return [
        *(
            (area["title"], area["grade"], other["grade"])
            for area, other in zip(theirs["areas"], ours["areas"], strict=True)
        ),
        (gettext("Overall"), theirs["overall"], ours["overall"]),
        (gettext("Send back"), yes_no[saved.send_back], yes_no[mine.send_back]),
    ]


@role_required(*GRADING_ROLES)
def autosave(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """Progressive enhancement: the page saves the draft when it is hidden or left."""
    found = selectors.assignment_for(request.user, assignment_id)
    if found is None or not found[1] or request.method != "POST":
        raise Http404
    current = review_start(assignment=found[0])
    form = ReviewForm(request.POST, framework=_framework(current.framework))
    if not form.is_valid() or form.answers is None:
        return JsonResponse({"error": "tampered"}, status=400)
    try:
        saved = review_save(
            review=current,
            answers=form.answers,
            base_version=form.cleaned_data["version"],
            submit=False,
            actor=request.user,
        )
    except StaleVersion as stale:
        return JsonResponse({"error": "conflict", "version": stale.review.version}, status=409)
    except ReviewError as exc:
        return JsonResponse({"error": str(exc)}, status=409)
    return JsonResponse({"version": saved.version, "saved": saved_at(saved)})


@role_required(*LEADING_ROLES)
def reopen(request: HttpRequest, assignment_id: int) -> HttpResponse:
    found = selectors.assignment_for(request.user, assignment_id)
    if found is None or request.method != "POST":
        raise Http404
    assignment, _ = found
    if assignment.sampled_case.sample.inspection.lead_id != request.user.pk:
        raise Http404
    existing = selectors.review_of(assignment)
    if existing is None:
        raise Http404
    try:
        review_reopen(review=existing, actor=request.user)
    except ReviewError as exc:
        return render(
            request,
            "reviews/refused.html",
            {"message": refusal_words(exc), "assignment": assignment},
            status=409,
        )
    return redirect("reviews:review", assignment_id=assignment.pk)


@role_required(Role.INSPECTOR, Role.LEAD_INSPECTOR)
def open_from_review(request: HttpRequest, assignment_id: int) -> HttpResponse:
    # Its URL is in the send-backs namespace ("referrals:open"): see web/urls.py.
    found = selectors.assignment_for(request.user, assignment_id)
    if found is None or request.method != "POST":
        raise Http404
    assignment, _ = found
    # Only a submitted review that answered yes opens a send back from here (a draft's yes opens one on submit).
    review = selectors.review_of(assignment)
    if review is None or review.state != review.State.SUBMITTED or review.send_back is not True:
        return render(
            request,
            "reviews/refused.html",
            {
                "message": gettext(
                    "Only a submitted review that says the case should be sent back can send it back. "
                    "Submit the review first."
                ),
                "assignment": assignment,
            },
            status=400,
        )
    form = SendBackOpenForm(request.POST)
    if not form.is_valid():  # every missing answer at once, beside its question, the others kept
        return _page(request, assignment, found[1], review, send_back_form=form, status=400)
    try:
        send_back = sendback_open(
            sampled_case=assignment.sampled_case,
            reason=form.cleaned_data["reason"],
            urgency=form.cleaned_data["urgency"],
            actor=request.user,
            confirm_another=form.cleaned_data["confirm_another"],
        )
    except SecondSendBack as exc:
        form.add_error(None, second_send_back_words(exc))
        return _page(request, assignment, found[1], review, send_back_form=form, status=400)
    except SendBackError as exc:
        form.add_error(None, refusal_words(exc))
        return _page(request, assignment, found[1], review, send_back_form=form, status=400)
    messages.success(request, sent_back_words(send_back, assignment.sampled_case.case_ref))
    return redirect("referrals:detail", send_back_id=send_back.pk)
