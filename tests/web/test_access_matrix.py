"""Every URL, every role: the allowed set exactly.  A new URL without a row here fails."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from casereview.domain.roles import ROLES
from casereview.web.registers.services import register_import

from . import factories
from .conftest import verified_client

OK, GONE, REDIRECT, NOT_ALLOWED, UNAUTHENTICATED = 200, 404, 302, 405, 401
REFUSED = 403
ALL = dict.fromkeys(ROLES, OK)

#: url name -> role -> status for a signed-in, second-factor-verified user of that role.
MATRIX: dict[str, dict[str, int]] = {
    "home": ALL,
    "healthz": ALL,
    # The help pages: everyone signed in.
    "help:index": ALL,
    "help:sample": ALL,
    "help:grades": ALL,
    "help:send_backs": ALL,
    "accessibility": ALL,  # the accessibility statement: open to everyone, signed in or not
    "language": dict.fromkeys(ROLES, NOT_ALLOWED),  # POST only: the English | Cymraeg switch
    "login": dict.fromkeys(ROLES, REDIRECT),  # already signed in
    "logout": dict.fromkeys(ROLES, NOT_ALLOWED),  # POST only
    # Single sign-on (issue 25) is off here (no issuer): its addresses answer 404 as if they did not exist.
    # SSO_ON below holds the same rows with it on, through the test provider.
    "sso_start": dict.fromkeys(ROLES, GONE),
    "sso_callback": dict.fromkeys(ROLES, GONE),
    "signed_out": dict.fromkeys(ROLES, GONE),
    "accounts:confirm_identity_sso": dict.fromkeys(ROLES, GONE),
    "two_factor_verify": dict.fromkeys(ROLES, REDIRECT),  # already verified
    "two_factor_setup": ALL,  # re-enrol a new device
    "registers:upload": {**dict.fromkeys(ROLES, GONE), "administrator": OK, "lead_inspector": OK},
    "registers:upload_errors": dict.fromkeys(ROLES, GONE),  # only the session that made the report
    "registers:detail": {
        **dict.fromkeys(ROLES, GONE),
        "administrator": OK,
        "lead_inspector": OK,
        "inspector": OK,
    },
    "journal:index": {**dict.fromkeys(ROLES, GONE), "administrator": OK},
    "accounts:locked": {**dict.fromkeys(ROLES, GONE), "administrator": OK},
    "accounts:users": {**dict.fromkeys(ROLES, GONE), "administrator": OK},
    "notifications:outbox": {**dict.fromkeys(ROLES, GONE), "administrator": OK},
    "accounts:password_change": ALL,  # each user's own
    "registers:body_new": {**dict.fromkeys(ROLES, GONE), "administrator": OK},
    "registers:cases": {**dict.fromkeys(ROLES, GONE), "administrator": OK, "lead_inspector": OK},
    # A body auditor lists and opens the body's own audits (issue 24): the test's inspection is the
    # inspectorate's, so every one of its pages is 404 for them (OWN_AUDIT_REACHED: those of an own audit).
    "inspections:index": {
        **dict.fromkeys(ROLES, GONE),
        "administrator": OK,
        "lead_inspector": OK,
        "body_auditor": OK,
    },
    "inspections:new": {**dict.fromkeys(ROLES, GONE), "lead_inspector": OK, "body_auditor": OK},
    # An inspection's own pages are for the lead inspector who leads it (the test's lead does).
    "inspections:detail": {**dict.fromkeys(ROLES, GONE), "lead_inspector": OK},
    "inspections:commit": {**dict.fromkeys(ROLES, GONE), "lead_inspector": REDIRECT},  # POST only
    "inspections:draw": {**dict.fromkeys(ROLES, GONE), "lead_inspector": REDIRECT},  # POST only
    "inspections:manifest": {**dict.fromkeys(ROLES, GONE), "lead_inspector": OK},
    "inspections:replace": {**dict.fromkeys(ROLES, GONE), "lead_inspector": REDIRECT},  # POST only
    "inspections:assign": {**dict.fromkeys(ROLES, GONE), "lead_inspector": REDIRECT},  # POST only
    "inspections:resolve": {**dict.fromkeys(ROLES, GONE), "lead_inspector": REDIRECT},  # POST only
    "inspections:move": {**dict.fromkeys(ROLES, GONE), "lead_inspector": REDIRECT},  # POST only
    # The parts of the inspection page, each reached from the overview.
    "inspections:sample": {**dict.fromkeys(ROLES, GONE), "lead_inspector": OK},
    "inspections:people": {**dict.fromkeys(ROLES, GONE), "lead_inspector": OK},
    "inspections:moderation": {**dict.fromkeys(ROLES, GONE), "lead_inspector": OK},
    "inspections:agreement": {**dict.fromkeys(ROLES, GONE), "lead_inspector": OK},
    "inspections:cases": {**dict.fromkeys(ROLES, GONE), "lead_inspector": OK},
    "inspections:cases_csv": {**dict.fromkeys(ROLES, GONE), "lead_inspector": OK},
    # A disagreement's page: the sample path's case is no disagreement (404 for the lead too);
    # test_sample_table.py walks a real one.
    "inspections:disagreement": dict.fromkeys(ROLES, GONE),
    "referrals:index": {
        **dict.fromkeys(ROLES, GONE),
        "inspector": OK,
        "lead_inspector": OK,
        "liaison_officer": OK,
    },
    "referrals:dashboard": {**dict.fromkeys(ROLES, GONE), "lead_inspector": OK},
    # Opened by the test's inspector, on the test's lead's inspection, for the body the test's liaison officer serves.
    "referrals:detail": {
        **dict.fromkeys(ROLES, GONE),
        "inspector": OK,
        "lead_inspector": OK,
        "liaison_officer": OK,
    },
    "referrals:open": dict.fromkeys(ROLES, GONE),  # POST only
    # Recommendations (issue 24): the register for lead inspectors, liaison officers and analysts; an
    # inspection's findings and judging page for its lead.  The sample path names no recommendation, plan or
    # action (404 for everyone); tests/web/test_followup_pages.py walks real ones, role by role.
    "followup:register": {
        **dict.fromkeys(ROLES, GONE),
        "lead_inspector": OK,
        "liaison_officer": OK,
        "analyst": OK,
    },
    "followup:recommendation": dict.fromkeys(ROLES, GONE),
    "followup:findings": {**dict.fromkeys(ROLES, GONE), "lead_inspector": OK},
    "followup:judge": {**dict.fromkeys(ROLES, GONE), "lead_inspector": OK},
    "followup:plan": dict.fromkeys(ROLES, GONE),
    "followup:action_update": dict.fromkeys(ROLES, GONE),
    # Calibrations (issue 24): the list for those who may see some; a new one for lead inspectors.  The sample
    # path names no calibration (404 for everyone); tests/web/test_calibration_app.py walks real ones, role by role.
    "calibration:index": {
        **dict.fromkeys(ROLES, GONE),
        "lead_inspector": OK,
        "analyst": OK,
        "body_auditor": OK,
        "liaison_officer": OK,
    },
    "calibration:new": {**dict.fromkeys(ROLES, GONE), "lead_inspector": OK},
    "calibration:detail": dict.fromkeys(ROLES, GONE),
    "calibration:commit": dict.fromkeys(ROLES, GONE),  # POST only, the calibration's lead
    "calibration:draw": dict.fromkeys(ROLES, GONE),  # POST only, the calibration's lead
    "calibration:complete": dict.fromkeys(ROLES, GONE),  # POST only, the calibration's lead
    "calibration:withdraw": dict.fromkeys(ROLES, GONE),  # POST only, the calibration's lead
    "calibration:manifest": dict.fromkeys(ROLES, GONE),  # a completed calibration's readers only
    "reviews:mine": {
        **dict.fromkeys(ROLES, GONE),
        "inspector": OK,
        "lead_inspector": OK,
        "body_auditor": OK,
    },
    # The case is assigned to the test's inspector; the test's lead leads its inspection.
    "reviews:review": {**dict.fromkeys(ROLES, GONE), "inspector": OK, "lead_inspector": OK},
    "reviews:autosave": dict.fromkeys(ROLES, GONE),  # POST only, by the assigned inspector
    "reviews:reopen": dict.fromkeys(ROLES, GONE),  # POST only, by the lead
    # Published reports: analysts all, the lead of the inspection, the body's liaison officers.
    "reports:index": {
        **dict.fromkeys(ROLES, GONE),
        "analyst": OK,
        "lead_inspector": OK,
        "liaison_officer": OK,
    },
    "reports:published": {
        **dict.fromkeys(ROLES, GONE),
        "analyst": OK,
        "lead_inspector": OK,
        "liaison_officer": OK,
    },
    "reports:published_download": {
        **dict.fromkeys(ROLES, GONE),
        "analyst": OK,
        "lead_inspector": OK,
        "liaison_officer": OK,
    },
    # The full report and publishing: the lead inspector who leads the inspection.
    "reports:draft": {**dict.fromkeys(ROLES, GONE), "lead_inspector": OK},
    # The published national trend names every body: analysts, lead inspectors, administrators.
    "reports:trend": {
        **dict.fromkeys(ROLES, GONE),
        "analyst": OK,
        "lead_inspector": OK,
        "administrator": OK,
    },
    "reports:draft_download": {**dict.fromkeys(ROLES, GONE), "lead_inspector": OK},
    "reports:publish": {**dict.fromkeys(ROLES, GONE), "lead_inspector": REDIRECT},  # POST only
    # Scheduling the publication (release practice): the lead of that inspection; cancelling is POST only.
    "reports:schedule": {**dict.fromkeys(ROLES, GONE), "lead_inspector": OK},
    "reports:schedule_cancel": {**dict.fromkeys(ROLES, GONE), "lead_inspector": REDIRECT},
    # The API ignores sessions: a token or nothing (401); its description is public. Token scoping: test_api.py.
    "api:openapi-json": ALL,
    "api:api-root": dict.fromkeys(ROLES, GONE),
    "api:registers": dict.fromkeys(ROLES, UNAUTHENTICATED),
    "api:upload_register": dict.fromkeys(ROLES, UNAUTHENTICATED),
    "api:register": dict.fromkeys(ROLES, UNAUTHENTICATED),
    "api:manifest": dict.fromkeys(ROLES, UNAUTHENTICATED),
    "api:report": dict.fromkeys(ROLES, UNAUTHENTICATED),
    "api:reports": dict.fromkeys(ROLES, UNAUTHENTICATED),
    "api:published_report": dict.fromkeys(ROLES, UNAUTHENTICATED),
    "api:send_backs": dict.fromkeys(ROLES, UNAUTHENTICATED),
    "api:send_back": dict.fromkeys(ROLES, UNAUTHENTICATED),
    "api:act_on_send_back": dict.fromkeys(ROLES, NOT_ALLOWED),  # POST only
    "api:recommendations": dict.fromkeys(ROLES, UNAUTHENTICATED),
    "api:recommendation": dict.fromkeys(ROLES, UNAUTHENTICATED),
    "api_not_found": dict.fromkeys(ROLES, GONE),
    "accounts:tokens": ALL,  # each user's own tokens
    "accounts:token_revoke": dict.fromkeys(ROLES, GONE),  # POST only, own tokens
    "keep_alive": dict.fromkeys(
        ROLES, NOT_ALLOWED
    ),  # POST only: the timeout warning's "Stay signed in"
    "accounts:sign_in_help": ALL,  # open to everyone, signed in or not
    "accounts:confirm_identity": {**dict.fromkeys(ROLES, GONE), "administrator": OK},
    # A user's pages: the sample path names no real user (404 for administrators too); test_user_admin.py walks them.
    "accounts:user": dict.fromkeys(ROLES, GONE),
    "accounts:user_deactivate": dict.fromkeys(ROLES, GONE),  # confirmation page, then POST
    "accounts:user_role": {**dict.fromkeys(ROLES, GONE), "administrator": NOT_ALLOWED},  # POST only
    "accounts:user_reactivate": {
        **dict.fromkeys(ROLES, GONE),
        "administrator": NOT_ALLOWED,
    },  # POST only
    "accounts:user_second_factor_reset": {
        **dict.fromkeys(ROLES, GONE),
        "administrator": NOT_ALLOWED,
    },  # POST only
}


def url_names(patterns: list[Any] | None = None, namespace: str = "") -> Iterator[tuple[str, Any]]:
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"URL pattern {entry.pattern} has no name"
            yield f"{namespace}{entry.name}", entry


def test_every_url_has_a_row_in_the_matrix() -> None:
    names = {name for name, _ in url_names()}
    assert names == set(MATRIX), (
        f"add these to MATRIX: {names - set(MATRIX)}; remove: {set(MATRIX) - names}"
    )


def sample_path(name: str, pattern: Any, ids: dict[str, int]) -> str:
    from django.urls import reverse

    kwargs: dict[str, Any] = {}
    for key in pattern.pattern.converters:
        kwargs[key] = ids.get(key, 1) if key.endswith("_id") else "not-a-real-token"
    return reverse(name, kwargs=kwargs)


def matrix_world(
    role: str, make_user: Callable[..., Any], register_csv: Callable[..., Path]
) -> tuple[Any, dict[str, int]]:
    """A person of ``role`` and one of everything they might reach (an inspection with a sample, a case
    assigned and sent back, a published report): the person and the ids the matrix's addresses take."""
    user = make_user(role)
    inspection = factories.inspection(
        lead=user if role == "lead_inspector" else make_user("lead_inspector", "another-lead"),
        name="Q",
    )
    register = register_import(path=register_csv(rows=5), body_code="SYN")
    factories.sample(inspection, register, size=2)
    from casereview.web.reviews.models import Assignment

    assignee = user if role == "inspector" else make_user("inspector", "another-inspector")
    first = factories.assigned(inspection, [assignee])[0]
    if role == "liaison_officer":
        factories.contact(inspection.body, user)
    send_back = factories.sent_back(first, actor=assignee, reason="r", urgency="routine")
    from django.utils import timezone

    from casereview.domain.language import LANGUAGES
    from casereview.web.reports.models import PublishedReport
    from casereview.web.reports.selectors import inspection_reports, published_versions

    # As publishing makes it (in every language), without publishing's readiness checks.
    made, translations = published_versions(
        inspection_reports(inspection, languages=list(LANGUAGES))
    )
    data = made.document
    publication = PublishedReport.objects.create(
        inspection=inspection,
        published_at=timezone.now(),
        published_by=inspection.lead,
        as_of=timezone.localdate(),
        data=data,
        translations=translations,
        input_sha256=data["reproducibility"]["input_sha256"],
        figures_sha256=data["reproducibility"]["figures_sha256"],
    )
    ids = {
        "publication_id": publication.pk,
        "register_id": register.pk,
        "inspection_id": inspection.pk,
        "assignment_id": Assignment.objects.order_by("id").values_list("id", flat=True).first()
        or 0,
        "send_back_id": send_back.pk,
    }
    return user, ids


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_pages_it_may(
    role: str, make_user: Callable[..., Any], body: Any, register_csv: Callable[..., Path]
) -> None:
    user, ids = matrix_world(role, make_user, register_csv)
    client = verified_client(user)
    got = {}
    for name, pattern in url_names():
        response = client.get(sample_path(name, pattern, ids))
        got[name] = response.status_code
        if response.status_code == OK and name not in {"healthz", "api:openapi-json"}:
            assert (
                response["Content-Security-Policy"] and response["Cache-Control"] == "no-store"
            ), name
            assert (
                response["X-Frame-Options"] == "DENY"
                and response["X-Content-Type-Options"] == "nosniff"
            )
            assert response["Referrer-Policy"] == "same-origin"
    assert got == {name: MATRIX[name][role] for name in got}


@pytest.mark.django_db
def test_signed_out_visitors_are_sent_to_sign_in_everywhere(client: Any) -> None:
    for name, pattern in url_names():
        if name in {"login", "healthz", "logout", "language"}:
            continue
        if name in SSO_ON:  # the way in itself; off here, so 404 (on: the test below)
            assert client.get(sample_path(name, pattern, {})).status_code == GONE, name
            continue
        if name in {
            "accounts:sign_in_help",
            "accessibility",
        }:  # "Problem signing in?" is for people who cannot sign in; the statement is for everyone
            assert client.get(sample_path(name, pattern, {})).status_code == OK, name
            continue
        if name.startswith("api"):  # tokens, not sessions: JSON 401/404, never a sign-in page
            assert client.get(sample_path(name, pattern, {})).status_code in {200, 401, 404, 405}, (
                name
            )
            continue
        response = client.get(sample_path(name, pattern, {}))
        assert response.status_code == REDIRECT and response["Location"].startswith("/login/"), name


#: The single sign-on rows with it on, for a signed-in, verified user of each role: the way to the provider
#: leads back home (already signed in); a callback that no sign-in of this session waits for is refused
#: (``state``), as a replayed one is, with the refusal page; the signed-out page sends someone signed in
#: home (it would say "You are signed out"); *Confirm it's you* at the provider is for administrators, and
#: sends one with a password of casereview's (these users) to the password page instead.
SSO_ON: dict[str, dict[str, int]] = {
    "sso_start": dict.fromkeys(ROLES, REDIRECT),
    "sso_callback": dict.fromkeys(ROLES, REFUSED),
    "signed_out": dict.fromkeys(ROLES, REDIRECT),
    "accounts:confirm_identity_sso": {**dict.fromkeys(ROLES, GONE), "administrator": REDIRECT},
}
#: Where SSO_ON's redirects lead a signed-in, verified user.
SSO_ON_REDIRECTS = {
    "sso_start": "/",
    "signed_out": "/",
    "accounts:confirm_identity_sso": "/users/confirm-it-is-you/?next=%2Fusers%2F",
}


@pytest.fixture
def sso_on(provider: Any, settings: Any, tmp_path: Path) -> Any:
    """Single sign-on on, through the test provider (tests/oidc.py)."""
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[[group]]\nid = "g-ins"\nrole = "inspector"\n', encoding="utf-8")
    settings.CASEREVIEW_OIDC = {
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "mapping": str(mapping),
        "scopes": "openid profile email",
        "label": "Sign in with Synthetic ID",
    }
    provider.allow_redirect("http://testserver/login/sso/callback/")
    return provider


def assert_page_headers(response: Any, name: str) -> None:
    assert response["Content-Security-Policy"] and response["Cache-Control"] == "no-store", name
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_with_single_sign_on_on_each_role_reaches_its_pages_as_the_matrix_says(
    role: str, make_user: Callable[..., Any], sso_on: Any
) -> None:
    client = verified_client(make_user(role))
    got = {}
    for name in SSO_ON:
        response = client.get(reverse(name))
        got[name] = response.status_code
        if response.status_code in {OK, REFUSED}:
            assert_page_headers(response, name)
        elif response.status_code == REDIRECT:
            # never on to the provider: signed in already, or no account of the provider's
            assert response["Location"] == SSO_ON_REDIRECTS[name], name
    assert got == {name: SSO_ON[name][role] for name in SSO_ON}


@pytest.mark.django_db
def test_with_single_sign_on_on_signed_out_visitors_reach_its_pages(
    client: Any, sso_on: Any
) -> None:
    start = client.get(reverse("sso_start"))
    assert start.status_code == REDIRECT
    assert start["Location"].startswith(f"{sso_on.issuer}/authorize/?"), start["Location"]
    refused = client.get(reverse("sso_callback"))  # no sign-in of this session waits for it
    assert refused.status_code == REFUSED and b"You cannot sign in to casereview" in refused.content
    assert_page_headers(refused, "sso_callback")
    signed_out = client.get(reverse("signed_out"))
    assert signed_out.status_code == OK
    assert_page_headers(signed_out, "signed_out")
    confirm = client.get(reverse("accounts:confirm_identity_sso"))
    assert confirm.status_code == REDIRECT and confirm["Location"].startswith("/login/")


@pytest.mark.django_db
def test_each_role_sees_only_the_bodies_and_registers_it_works_with(
    make_user: Callable[..., Any], body: Any, register_csv: Callable[..., Path]
) -> None:
    """Home page, registers:detail, registers:cases and the API's registers: a lead of another body gets 404s."""
    from casereview.web.api.services import token_create

    other = factories.body("OTH", "Other Constabulary")
    lead, other_lead = (
        make_user("lead_inspector", "lead"),
        make_user("lead_inspector", "other-lead"),
    )
    inspector, liaison = make_user("inspector", "ina"), make_user("liaison_officer", "liaison")
    nobody, analyst, admin = (
        make_user("analyst", "ana"),
        make_user("analyst", "ana2"),
        make_user("administrator"),
    )
    nobody.groups.clear()  # a user with no role
    inspection = factories.inspection(lead=lead, name="Q")
    factories.inspection(lead=other_lead, body_code="OTH", name="O", committed=False)
    register = register_import(path=register_csv(rows=5), body_code="SYN")
    factories.sample(inspection, register, size=2)
    factories.assigned(inspection, [inspector])
    factories.contact(other, liaison)

    def home(user: Any) -> set[str]:
        import re

        return set(
            re.findall(r'id="body-([A-Z]+)"', verified_client(user).get("/").content.decode())
        )

    assert home(admin) == {"SYN", "OTH"}
    assert home(lead) == {"SYN"} and home(other_lead) == {"OTH"}
    assert home(inspector) == {"SYN"} and home(liaison) == {"OTH"}
    assert home(nobody) == set() and home(analyst) == set()  # no published report yet
    from django.utils import timezone

    from casereview.domain.publication import published
    from casereview.web.reports.models import PublishedReport
    from casereview.web.reports.selectors import report_for

    data = published(report_for(inspection))
    PublishedReport.objects.create(
        inspection=inspection,
        published_at=timezone.now(),
        published_by=lead,
        as_of=timezone.localdate(),
        data=data,
        input_sha256=data["reproducibility"]["input_sha256"],
        figures_sha256=data["reproducibility"]["figures_sha256"],
    )
    assert home(analyst) == {"SYN"} and home(nobody) == set()
    for user, status in ((lead, OK), (admin, OK), (inspector, OK), (other_lead, GONE)):
        assert verified_client(user).get(f"/registers/{register.pk}/").status_code == status, user
    assert verified_client(lead).get(f"/registers/{register.pk}/cases/").status_code == OK
    assert verified_client(other_lead).get(f"/registers/{register.pk}/cases/").status_code == GONE
    assert f"Register {register.pk}" not in verified_client(other_lead).get("/").content.decode()
    from django.test import Client

    def api(user: Any, path: str) -> Any:
        token = token_create(user=user, name="t", scopes=["read"]).secret
        return Client().get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert [r["id"] for r in api(lead, "/registers").json()] == [register.pk]
    assert api(other_lead, "/registers").json() == []
    assert api(other_lead, f"/registers/{register.pk}").status_code == GONE


#: What a body auditor reaches of a body's own audit they lead, with a case of it assigned to them (issue 24);
#: every other page of it (and every page of it for every other role) is 404. POST-only pages redirect a GET.
OWN_AUDIT_REACHED: dict[str, int] = {
    "inspections:detail": OK,
    "inspections:commit": REDIRECT,
    "inspections:draw": REDIRECT,
    "inspections:manifest": OK,
    "inspections:replace": REDIRECT,
    "inspections:assign": REDIRECT,
    "inspections:resolve": REDIRECT,
    "inspections:move": REDIRECT,
    "inspections:sample": OK,
    "inspections:people": OK,
    "inspections:moderation": OK,
    "inspections:agreement": OK,
    "inspections:cases": OK,
    "inspections:cases_csv": OK,
    "reviews:review": OK,
    # Its report, drafted for its lead; never published nor scheduled (an own audit is the body's).
    "reports:draft": OK,
    "reports:draft_download": OK,
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_pages_of_a_bodys_own_audit_it_may(
    role: str, make_user: Callable[..., Any], body: Any, register_csv: Callable[..., Path]
) -> None:
    """Every page of an inspection or of one of its cases, for an own audit: only its lead, a body auditor
    of the body, reaches them (the inspectorate's lead inspectors and inspectors never do)."""
    from casereview.domain.roles import InspectionKind
    from casereview.web.inspections.services import inspection_create, seed_commit
    from casereview.web.reviews.models import Assignment

    user = make_user(role)
    lead = user if role == "body_auditor" else make_user("body_auditor", "another-auditor")
    factories.contact(body, lead, kind="auditor")
    audit = inspection_create(
        body_code="SYN",
        name="Own audit",
        period_start=factories.PERIOD_START,
        period_end=factories.PERIOD_END,
        lead=lead,
        kind=InspectionKind.OWN_AUDIT,
    )
    seed_commit(inspection=audit)
    factories.sample(audit, register_import(path=register_csv(rows=5), body_code="SYN"), size=2)
    factories.assigned(audit, [lead])
    ids = {
        "inspection_id": audit.pk,
        "assignment_id": Assignment.objects.order_by("id").values_list("id", flat=True).first()
        or 0,
    }
    client = verified_client(user)
    got, expected = {}, {}
    for name, pattern in url_names():
        keys = set(pattern.pattern.converters)
        if not keys & set(ids) or name.split(":")[0] not in {"inspections", "reviews", "reports"}:
            continue
        got[name] = client.get(sample_path(name, pattern, ids)).status_code
        expected[name] = OWN_AUDIT_REACHED.get(name, GONE) if role == "body_auditor" else GONE
    assert set(OWN_AUDIT_REACHED) <= set(got)
    assert got == expected
