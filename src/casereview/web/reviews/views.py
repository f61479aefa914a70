from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from casereview.domain.grading import (
    ReviewAnswers,
    TamperedReview,
    clean_answers,
    rule_note,
)
from casereview.domain.journal import Operation
from casereview.domain.roles import Role
from casereview.importing.frameworks import load_framework
from casereview.web.accounts.kept import kept_answers_take
from casereview.web.core.access import role_required
from casereview.web.inspections.links import case_links, case_links_record, link_weakness
from casereview.web.journal.services import Record, journal_append, journal_record
from casereview.web.referrals.selectors import send_back_context, submitted_message

from . import selectors
from .services import Incomplete, ReviewError, StaleVersion, review_for, review_reopen, review_save


@role_required(Role.INSPECTOR, Role.LEAD_INSPECTOR)
def mine(request: HttpRequest) -> HttpResponse:
    return render(
        request, "reviews/mine.html", {"assignments": selectors.assignments_of(request.user)}
    )


def _answers_from(request: HttpRequest, framework: Any) -> ReviewAnswers:
    post = request.POST
    slugs = [a.slug for a in framework.areas]
    extra = {k.removeprefix("grade_") for k in post if k.startswith("grade_")} - set(slugs)
    return clean_answers(
        framework,
        area_grades={
            **{s: post.get(f"grade_{s}", "") for s in slugs},
            **{e: post.get(f"grade_{e}", "") for e in extra},
        },
        area_weaknesses={s: post.getlist(f"weaknesses_{s}") for s in slugs},
        area_comments={s: post.get(f"comment_{s}", "")[:10_000] for s in slugs},
        overall=post.get("overall", ""),
        departure_reason=post.get("departure_reason", "")[:10_000],
        send_back=post.get("send_back", ""),
        send_back_reason=post.get("send_back_reason", "")[:10_000],
        send_back_urgency=post.get("send_back_urgency", ""),
        send_back_another=post.get("send_back_another", ""),
    )


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", "-1"))
    except ValueError:
        return -1


def _page(
    request: HttpRequest,
    assignment: Any,
    editable: bool,
    review: Any,
    *,
    problems: list[Any] | None = None,
    answers: ReviewAnswers | None = None,
    status: int = 200,
) -> HttpResponse:
    framework = load_framework(review.framework)
    case = selectors.case_details(assignment)
    links = case_links(assignment.sampled_case)
    # one lock, one insert and one commit for both entries; the reads above stay outside the journal's lock
    consult = Record(
        operation=Operation.CONSULTATION,
        action="case_consult",
        object_type="sampled_case",
        object_id=assignment.sampled_case_id,
        reason="case_review",
    )
    journal_append(
        actor=request.user,
        records=[consult] if links is None else [consult, case_links_record(links)],
    )
    shown = answers or ReviewAnswers(
        area_grades=review.area_grades,
        area_weaknesses=review.area_weaknesses,
        area_comments=review.area_comments,
        overall=review.overall,
        departure_reason=review.departure_reason,
        send_back=review.send_back,
        send_back_reason=review.send_back_reason,
        send_back_urgency=review.send_back_urgency,
    )
    # The related-cases panel offers its weakness (W15) itself, recorded under one area; that area's own
    # list then leaves it out, so the form never holds the same box twice.
    code, area_slug = link_weakness()
    offer = None
    if (
        links
        and links["any"]
        and code in framework.weakness_codes
        and area_slug in {a.slug for a in framework.areas}
    ):
        offer = {
            "code": code,
            "text": next(w.text for w in framework.weaknesses if w.code == code),
            "area": area_slug,
            "area_title": next(a.title for a in framework.areas if a.slug == area_slug),
            "checked": code in shown.area_weaknesses.get(area_slug, []),
        }
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
            "error": next((p.message for p in problems or [] if p.field == f"grade_{a.slug}"), ""),
        }
        for a in framework.areas
    ]
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
            "problems": problems or [],
            "rule_note": rule_note(framework, shown),
            "errors_by_field": {p.field: p.message for p in problems or []},
            "first_review": selectors.first_review_after_moderation(assignment, review),
            "links": links,
            "links_weakness": offer,
            **send_back_context(request.user, assignment, review),
        },
        status=status,
    )


@role_required(Role.INSPECTOR, Role.LEAD_INSPECTOR)
def review(request: HttpRequest, assignment_id: int) -> HttpResponse:
    found = selectors.assignment_for(request.user, assignment_id)
    if found is None:
        raise Http404
    assignment, editable = found
    current = review_for(assignment)
    if request.method != "POST":
        # Answers posted after the session had ended come back once, unsaved (accounts/kept.py).
        kept = kept_answers_take(request) if editable and current.state == "draft" else None
        if kept is not None:
            restored = copy.copy(request)
            restored.POST = kept  # type: ignore[assignment]
            try:
                return _page(
                    request,
                    assignment,
                    editable,
                    current,
                    answers=_answers_from(restored, load_framework(current.framework)),
                )
            except TamperedReview:
                pass  # the framework changed since: the stored answers are shown
        return _page(request, assignment, editable, current)
    if not editable:
        raise Http404
    framework = load_framework(current.framework)
    try:
        answers = _answers_from(request, framework)
    except TamperedReview:
        journal_record(
            actor=request.user,
            operation=Operation.ACCESS,
            action="review_tampered",
            object_type="review",
            object_id=current.pk,
        )
        return HttpResponse(
            "Bad request: a value this framework does not have.",
            status=400,
            content_type="text/plain",
        )
    try:
        saved = review_save(
            review=current,
            answers=answers,
            base_version=_version(request),
            submit=request.POST.get("action") == "submit",
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
                "framework": framework,
                "mine": answers,
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
            {"message": str(exc), "assignment": assignment},
            status=409,
        )
    if saved.state == "submitted":
        messages.success(request, submitted_message(saved, assignment.sampled_case))
        return redirect("reviews:mine")
    return redirect("reviews:review", assignment_id=assignment.pk)


@role_required(Role.INSPECTOR, Role.LEAD_INSPECTOR)
def autosave(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """Progressive enhancement: the page saves the draft when it is hidden or left."""
    found = selectors.assignment_for(request.user, assignment_id)
    if found is None or not found[1] or request.method != "POST":
        raise Http404
    current = review_for(found[0])
    try:
        answers = _answers_from(request, load_framework(current.framework))
        saved = review_save(
            review=current,
            answers=answers,
            base_version=_version(request),
            submit=False,
            actor=request.user,
        )
    except TamperedReview:
        return JsonResponse({"error": "tampered"}, status=400)
    except StaleVersion as stale:
        return JsonResponse({"error": "conflict", "version": stale.review.version}, status=409)
    except ReviewError as exc:
        return JsonResponse({"error": str(exc)}, status=409)
    return JsonResponse({"version": saved.version})


@role_required(Role.LEAD_INSPECTOR)
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
            {"message": str(exc), "assignment": assignment},
            status=409,
        )
    return redirect("reviews:review", assignment_id=assignment.pk)
