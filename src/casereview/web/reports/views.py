"""Report pages: the lead inspector's full report, publishing, and published reports for their readers."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from casereview.domain import release as release_rules
from casereview.domain.errors import Refused
from casereview.domain.file_names import in_language
from casereview.domain.language import ENGLISH, LANGUAGES, tag
from casereview.domain.roles import LEADING_ROLES, Role
from casereview.domain.words import uk_date
from casereview.web.core.access import has_any_role, role_required
from casereview.web.core.paging import matched_words, page_number, paged
from casereview.web.core.phrases import active_language, refusal_words, translated
from casereview.web.inspections.selectors import inspection_led_or_404
from casereview.web.language.selectors import languages_offered

from . import rendering
from .charts import funnel_chart, responsive
from .forms import CancelForm, ScheduleForm
from .publication_selectors import (
    PublicationFilters,
    publication_choices,
    publication_in,
    publication_languages,
    publications_filtered,
)
from .release import publication_cancel, publication_reschedule, publication_schedule
from .release_selectors import (
    announcement_words,
    pre_announcements,
    publication_schedule_failed,
    publication_scheduled,
    publications_upcoming,
)
from .selectors import (
    body_names,
    grading_progress,
    publication_problems,
    publications_visible,
    report_document,
)
from .services import (
    PublishError,
    report_disclosed,
    report_links_refresh,
    report_publish,
)
from .trend_selectors import TREND_READERS, national_trend_disclosed


def _download(
    request: HttpRequest,
    report: Mapping[
        str, Any
    ],  # the JSON document: full, published now, or as stored, in ``language``
    *,
    inspection_id: int,
    language: str,
    publication: int | None = None,
) -> HttpResponse:
    fmt = request.GET.get("format", "json")
    if fmt not in rendering.FORMATS:
        raise Http404
    made = rendering.render(report, fmt, language)
    report_disclosed(
        actor=request.user,
        inspection_id=inspection_id,
        fmt=fmt,
        published=bool(report.get("published")),
        figures_sha256=report["reproducibility"]["figures_sha256"],
        publication=publication,
        language=language,
    )
    response = HttpResponse(made.content, content_type=made.content_type)
    return _attachment(response, made.filename, language)


def _attachment(response: HttpResponse, filename: str, language: str) -> HttpResponse:
    """``response`` as a file to save, named ``filename``, in ``language`` (Content-Language, as every page
    says its own; none while the service is English only)."""
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if settings.CASEREVIEW_WELSH:
        response["Content-Language"] = tag(language)
    return response


def _asked_language(request: HttpRequest) -> str:
    """The language a download is asked for (``?language=cy``): English without one; an unknown one, or Welsh
    while it is not offered (CASEREVIEW_WELSH), is no such file."""
    asked = request.GET.get("language", ENGLISH)
    if asked in languages_offered():
        return asked
    raise Http404


def _download_languages(languages: Sequence[str]) -> list[dict[str, Any]]:
    """Each language the files are offered in, for ``_downloads.html``: its code and BCP 47 tag, its name in
    itself (marked with its language, as a switch writes it), and the query that asks for it."""
    named = {
        code: format_html('<span lang="{}">{}</span>', tag(code), LANGUAGES[code])
        for code in languages
    }
    return [
        {
            "code": code,
            "tag": tag(code),
            "named": named[code],
            "query": "" if code == ENGLISH else f"&language={code}",
            # Each link's name says its language to a screen reader's list of links ("PDF (Cymraeg)"), where
            # the heading above it is not read; nothing while the files are in one language only.
            "in_link": format_html(' <span class="govuk-visually-hidden">({})</span>', named[code])
            if len(languages) > 1
            else "",
        }
        for code in languages
    ]


def _led(request: HttpRequest, inspection_id: int) -> Any:
    return inspection_led_or_404(request.user, inspection_id)


def _announced(scheduled: Any, publication: Any = None) -> dict[str, str]:
    """A scheduled publication's moment, pre-release access list, changes and lateness, in words."""
    return announcement_words(scheduled, publication)


def _release_context(inspection: Any) -> dict[str, Any]:
    """The draft page's release part: the announced publication (with Change and Cancel) or the form that
    schedules one, and the last one that did not go out, with its reasons."""
    scheduled = publication_scheduled(inspection)
    failed = publication_schedule_failed(inspection)
    return {
        "scheduled": scheduled,
        "announced": _announced(scheduled) if scheduled else None,
        "schedule_form": ScheduleForm.starting(None, now=timezone.now()) if not scheduled else None,
        "schedule_failed": failed,
        "failed_reasons": [
            translated(release_rules.failure_words(r)) for r in failed.failure_reasons
        ]
        if failed
        else [],
        "failed_when": translated(release_rules.release_phrase(failed.release_at))
        if failed
        else "",
    }


@role_required(*LEADING_ROLES)
def draft(request: HttpRequest, inspection_id: int) -> HttpResponse:
    """The full report, for the lead inspector who leads the inspection; ?published=1 previews the suppressed one."""
    inspection = _led(request, inspection_id)
    preview = request.GET.get("published") == "1"
    report_links_refresh(inspection=inspection)
    progress = grading_progress(inspection)
    report = report_document(
        inspection, language=active_language(), preview=preview, progress=progress
    )
    report_disclosed(
        actor=request.user,
        inspection_id=inspection.pk,
        fmt="page",
        published=preview,
        figures_sha256=report["reproducibility"]["figures_sha256"],
    )
    return render(
        request,
        "reports/draft.html",
        {
            **rendering.context(report),
            "inspection": inspection,
            "preview": preview,
            "problems": publication_problems(inspection, progress=progress),
            "publications": inspection.publications.all(),
            "download_languages": _download_languages(languages_offered()),
            **_release_context(inspection),
        },
    )


@role_required(*LEADING_ROLES)
def draft_download(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = _led(request, inspection_id)
    language = _asked_language(request)
    report_links_refresh(inspection=inspection)
    preview = request.GET.get("published") == "1"
    report = report_document(inspection, language=language, preview=preview)
    return _download(request, report, inspection_id=inspection.pk, language=language)


@role_required(Role.LEAD_INSPECTOR)
def publish(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = _led(request, inspection_id)
    if request.method != "POST":
        return redirect("reports:draft", inspection_id=inspection.pk)
    announced = publication_scheduled(inspection)
    if announced is not None:  # releasing before the announced time would break the announcement
        messages.warning(
            request,
            gettext(
                "%(name)s is scheduled for publication at %(when)s: change or cancel that first. "
                "Nothing was published"
            )
            % {
                "name": inspection.name,
                "when": translated(release_rules.release_phrase(announced.release_at)),
            },
        )
        return redirect("reports:draft", inspection_id=inspection.pk)
    try:
        made = report_publish(inspection=inspection, actor=request.user)
    except PublishError as exc:
        report_links_refresh(inspection=inspection)
        report = report_document(inspection, language=active_language())
        return render(
            request,
            "reports/draft.html",
            {
                **rendering.context(report),
                "inspection": inspection,
                "preview": False,
                "problems": [translated(problem) for problem in exc.problems],
                "publish_refused": True,
                "publications": inspection.publications.all(),
                "download_languages": _download_languages(languages_offered()),
                **_release_context(inspection),
            },
            status=409,
        )
    messages.success(
        request,
        gettext(
            "%(name)s is published, as of %(day)s: analysts and %(body)s's liaison officers can now "
            "read it"
        )
        % {"name": inspection.name, "day": uk_date(made.as_of), "body": inspection.body.name},
    )
    return redirect("reports:published", publication_id=made.pk)


@role_required(Role.LEAD_INSPECTOR)
def schedule(request: HttpRequest, inspection_id: int) -> HttpResponse:
    """Schedule the publication for a pre-announced moment with its pre-release access list, or change the
    one announced (the form names it, so a change never adds a second)."""
    inspection = _led(request, inspection_id)
    now = timezone.now()
    scheduled = publication_scheduled(inspection)
    if request.method != "POST":
        form = ScheduleForm.starting(scheduled, now=now)
        return _schedule_page(request, inspection, form, scheduled)
    form = ScheduleForm(request.POST, now=now)
    if not form.is_valid():
        return _schedule_page(request, inspection, form, scheduled, status=400)
    data = form.cleaned_data
    asked = data.get("scheduled")
    try:
        if asked is None:
            made = publication_schedule(
                inspection=inspection,
                actor=request.user,
                release_at=data["release_at"],
                pre_release_access=data["people"],
                now=now,
            )
            said = gettext(
                "%(name)s is scheduled for publication at %(when)s; pre-release access: %(access)s"
            )
        else:
            if scheduled is None or scheduled.pk != asked:
                raise release_rules.ReleaseMoved(
                    gettext(
                        "The publication you were changing has been published or cancelled since "
                        "you opened it: nothing was changed"
                    )
                )
            made = publication_reschedule(
                scheduled=scheduled,
                actor=request.user,
                release_at=data["release_at"],
                reason=data["reason"],
                pre_release_access=data["people"],
                now=now,
            )
            said = gettext(
                "%(name)s is now scheduled for publication at %(when)s; pre-release access: "
                "%(access)s"
            )
    except Refused as exc:
        return _schedule_page(
            request, inspection, form, scheduled, status=409, refusal=refusal_words(exc)
        )
    messages.success(
        request,
        said
        % {
            "name": inspection.name,
            "when": translated(release_rules.release_phrase(made.release_at)),
            "access": _announced(made)[
                "access"
            ],  # the page's language (pre_release_words: English)
        },
    )
    return redirect("reports:draft", inspection_id=inspection.pk)


def _schedule_page(
    request: HttpRequest,
    inspection: Any,
    form: ScheduleForm,
    scheduled: Any,
    *,
    status: int = 200,
    refusal: str = "",
    cancel_form: CancelForm | None = None,
) -> HttpResponse:
    if cancel_form is None and scheduled is not None:
        cancel_form = CancelForm(initial={"scheduled": scheduled.pk})
    return render(
        request,
        "reports/schedule.html",
        {
            "inspection": inspection,
            "form": form,
            "cancel_form": cancel_form,
            "scheduled": scheduled,
            "announced": _announced(scheduled) if scheduled else None,
            "problems": [] if scheduled else publication_problems(inspection),
            "refusal": refusal,
        },
        status=status,
    )


@role_required(Role.LEAD_INSPECTOR)
def schedule_cancel(request: HttpRequest, inspection_id: int) -> HttpResponse:
    """Cancel the announced publication, with the reason (POST from the schedule page): nothing is
    published."""
    inspection = _led(request, inspection_id)
    if request.method != "POST":
        return redirect("reports:schedule", inspection_id=inspection.pk)
    scheduled = publication_scheduled(inspection)
    form = CancelForm(request.POST)
    valid = form.is_valid()
    if scheduled is None or scheduled.pk != form.cleaned_data.get("scheduled"):
        messages.warning(
            request,
            gettext(
                "That scheduled publication has been published or cancelled already: nothing was "
                "changed"
            ),
        )
        return redirect("reports:draft", inspection_id=inspection.pk)
    if not valid:
        starting = ScheduleForm.starting(scheduled, now=timezone.now())
        return _schedule_page(
            request, inspection, starting, scheduled, status=400, cancel_form=form
        )
    publication_cancel(scheduled=scheduled, actor=request.user, reason=form.cleaned_data["reason"])
    messages.success(
        request,
        gettext(
            "The publication of %(name)s scheduled for %(when)s is cancelled: nothing was published"
        )
        % {
            "name": inspection.name,
            "when": translated(release_rules.release_phrase(scheduled.release_at)),
        },
    )
    return redirect("reports:draft", inspection_id=inspection.pk)


def _chosen(request: HttpRequest, name: str, choices: list[tuple[str, str]]) -> str:
    """The query's value for a drop-down when it is one of its choices (an old link's stale value: any)."""
    value = request.GET.get(name, "")
    return value if value in {code for code, _ in choices} else ""


@role_required(Role.ANALYST, Role.LEAD_INSPECTOR, Role.LIAISON_OFFICER)
def index(request: HttpRequest) -> HttpResponse:
    """The published reports the user may read, newest first: searched, filtered by body and period, paged."""
    visible = publications_visible(request.user)
    choices = publication_choices(visible)
    filters = PublicationFilters(
        q=request.GET.get("q", "").strip()[:100],
        body=_chosen(request, "body", choices["bodies"]),
        period=_chosen(request, "period", choices["periods"]),
    )
    page = paged(
        publications_filtered(visible, filters),
        page_number(request.GET.get("page", "1")),
        filters.query(),
    )
    announced = pre_announcements(p.pk for p in page.rows)
    return render(
        request,
        "reports/index.html",
        {
            "page": page,
            "publications": page.rows,
            "pre_announced": {pk: _announced(s) for pk, s in announced.items()},
            "upcoming": publications_upcoming(request.user),
            "filters": filters,
            **choices,
            "matched": matched_words(page.total, "published report"),
            "can_read_trend": has_any_role(request.user, set(TREND_READERS)),
        },
    )


def _publication(request: HttpRequest, publication_id: int) -> Any:
    found = publications_visible(request.user).filter(pk=publication_id).first()
    if found is None:
        raise Http404
    return found


@role_required(Role.ANALYST, Role.LEAD_INSPECTOR, Role.LIAISON_OFFICER)
def published(request: HttpRequest, publication_id: int) -> HttpResponse:
    publication = _publication(request, publication_id)
    announced = pre_announcements([publication.pk]).get(publication.pk)
    language = active_language()
    shown = publication_in(publication, language)
    return render(
        request,
        "reports/published.html",
        {
            **rendering.context(shown or publication.data),
            # published before reports were written in Welsh: the report is shown all in English (lang)
            "report_language": "" if shown is not None else ENGLISH,
            "publication": publication,
            "download_languages": _download_languages(publication_languages(publication)),
            "welsh_offered": settings.CASEREVIEW_WELSH,
            "pre_announced": _announced(announced, publication) if announced else None,
        },
    )


@role_required(Role.ANALYST, Role.LEAD_INSPECTOR, Role.LIAISON_OFFICER)
def published_download(request: HttpRequest, publication_id: int) -> HttpResponse:
    publication = _publication(request, publication_id)
    language = _asked_language(request)
    document = publication_in(publication, language)
    if document is None:  # published before reports were written in Welsh
        raise Http404
    return _download(
        request,
        document,
        inspection_id=publication.inspection_id,
        publication=publication.pk,
        language=language,
    )


@require_GET
@role_required(*TREND_READERS)
def trend(request: HttpRequest) -> HttpResponse:
    """The published national trend (suppressed and audited over every body); ``?format=json`` downloads it.

    Never for a liaison officer: it names every body.  Each showing and download is journaled as a
    disclosure (``trend_generate``); when the audit fails nothing is shown."""
    fmt = request.GET.get("format", "page")
    if fmt not in ("page", "json"):
        raise Http404
    document, audit = national_trend_disclosed(actor=request.user, fmt=fmt)
    if fmt == "json":
        if not audit.passed:
            return HttpResponse(
                gettext("The national trend cannot be published: its audit failed."),
                status=409,
                content_type="text/plain; charset=utf-8",
            )
        response = HttpResponse(
            json.dumps(document, indent=2, ensure_ascii=False) + "\n",
            content_type="application/json; charset=utf-8",
        )
        language = active_language()
        name = in_language("national-trend-published", language)
        return _attachment(response, f"{name}.json", language)
    funnel = document.get("funnel") or {}
    return render(
        request,
        "reports/trend.html",
        {
            "trend": document,
            "passed": audit.passed,
            "body_names": body_names(b["body"] for b in document.get("bodies") or []),
            "funnel_chart": responsive(
                funnel_chart,
                funnel,
                chart_id="funnel-chart",
                title=gettext(
                    "Funnel plot: each body's latest share requiring improvement or inadequate "
                    "against its sample size, with %(inner)s and %(outer)s limits"
                )
                % {"inner": "95%", "outer": "99.8%"},
            )
            if funnel.get("points")
            else None,
        },
    )
