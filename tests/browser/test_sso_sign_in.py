"""Single sign-on in Chromium through the test OpenID Connect provider (tests/oidc.py, its own server).

Each role signs in from casereview's sign-in page through the provider's own form and lands on its start
page; the provider's word that the person passed multi-factor authentication spares them casereview's own
code, its absence sends them to set up an authenticator; a group the mapping does not know is refused with a
plain page and journaled; signing out ends casereview's session and the provider's.  The pages that hold the
flow's end (sign-in with the button, refusal, signed out) pass axe-core; screenshots in
test-results/screenshots/sso/.

Each walk runs in a context that keeps casereview's Content-Security-Policy (``page``), as a real browser
does: ``form-action 'self'`` stays on every page, so the sign-out form is answered by a page that takes
the browser on to the provider (a link and a ``meta`` refresh, which ``form-action`` does not govern).  axe-core is injected as a
script tag, which that policy forbids, so axe runs in a second context (``axe_page``) on the same addresses.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from casereview.domain.roles import ROLE_WORDS, ROLES, Role
from casereview.web.journal.models import JournalEntry
from tests.oidc import PROVIDER_PASSWORD, Provider
from tests.web import factories

from .conftest import SCREENSHOTS, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FOLDER = SCREENSHOTS / "sso"
LABEL = "Sign in with Synthetic Identity"
#: The provider's group for each casereview role: one each, so the mapping covers every role.
GROUPS = {role: f"g-{role.replace('_', '-')}" for role in ROLES}
#: Roles that belong to one body: the mapping names it (body SYN, made by the ``sso`` fixture).
BODY_ROLES = {Role.LIAISON_OFFICER, Role.BODY_AUDITOR}
MFA = ["pwd", "mfa"]


def mapping_text() -> str:
    """The mapping file, in the format docs/deployment.md documents (contract: issue 25)."""
    lines = ['username_claim = "preferred_username"', "", "[second_factor]", 'amr = ["mfa"]', ""]
    for role, group in GROUPS.items():
        lines += ["[[group]]", f'id = "{group}"', f'role = "{role}"']
        if role in BODY_ROLES:
            lines.append('body = "SYN"')
        lines.append("")
    return "\n".join(lines)


#: What only that role's start page shows (besides the caption naming the role): a section of its own.
ROLE_SIGNS: dict[str, tuple[str, int, str]] = {
    Role.ADMINISTRATOR: ("heading", 2, "The service"),
    Role.LEAD_INSPECTOR: ("heading", 2, "Inspections you lead"),
    Role.INSPECTOR: ("heading", 2, "Your cases"),
    Role.LIAISON_OFFICER: ("heading", 2, "Send backs to Synthetic Constabulary"),
    Role.ANALYST: ("heading", 2, "Published reports"),
    # The auditor's body comes from the mapping: it is among the bodies they work with.
    Role.BODY_AUDITOR: ("heading", 3, "Synthetic Constabulary SYN"),
}


@pytest.fixture
def sso(provider: Provider, settings: Any, tmp_path: Path, live_server: Any) -> Provider:
    """Single sign-on on, through the test provider, for the live server; body SYN exists."""
    factories.body()
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(mapping_text(), encoding="utf-8")
    settings.CASEREVIEW_OIDC = {
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "mapping": str(mapping),
        "scopes": "openid profile email",
        "label": LABEL,
    }
    provider.allow_redirect(f"{live_server.url}/login/sso/callback/")
    # The post-logout address casereview sends the provider (allow_redirect registers both kinds).
    provider.allow_redirect(f"{live_server.url}/signed-out/")
    return provider


def through_provider(page: Any, base: str, username: str) -> None:
    """From casereview's sign-in page, by its button, through the provider's own sign-in form; the last
    click (the provider's "Sign in") is left to the caller, which waits for where it leads."""
    page.goto(base + "/login/")
    page.get_by_role("button", name=LABEL).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Test identity provider")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PROVIDER_PASSWORD)


def visited(page: Any) -> list[str]:
    """Every address the page's main frame loads from now on (redirects included)."""
    seen: list[str] = []

    def navigated(request: Any) -> None:
        if request.is_navigation_request():
            seen.append(request.url)

    page.on("request", navigated)
    return seen


def console_errors(page: Any, provider: Provider) -> list[str]:
    """casereview's console errors on the page from now on (a CSP refusal shows here); the provider's own
    are its business (its sign-in page has no icon, so Chromium's request for /favicon.ico fails there)."""
    errors: list[str] = []

    def kept(message: Any) -> None:
        if message.type == "error" and not message.location.get("url", "").startswith(
            provider.origin + "/"
        ):
            errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", kept)
    return errors


def login_entry(username: str) -> JournalEntry:
    entry = JournalEntry.objects.filter(action="login", object_id=username).order_by("-seq").first()
    assert entry is not None, f"no sign-in journaled for {username}"
    return entry


def checked(axe_page: Any, url: str, name: str, status: int = 200) -> None:
    """No serious or critical axe violation at ``url``, and its screenshot."""
    response = axe_page.goto(url)
    assert response is not None and response.status == status, (url, response and response.status)
    found = axe_violations(axe_page)
    assert not found, f"{name}: {found}"
    FOLDER.mkdir(parents=True, exist_ok=True)
    axe_page.screenshot(path=str(FOLDER / f"{name}.png"), full_page=True)


def test_the_sign_in_page_offers_the_provider_above_the_local_form_and_passes_axe(
    live_server: Any, axe_page: Any, sso: Provider
) -> None:
    checked(axe_page, live_server.url + "/login/", "sign-in-with-provider-button")
    button = axe_page.get_by_role("button", name=LABEL)
    expect(button).to_have_attribute("href", "/login/sso/")
    expect(axe_page.get_by_label("Username")).to_be_visible()  # local accounts still sign in here
    # The button comes before the local form on the page (and so in the reading and tab order).
    assert button.evaluate(
        "(el) => !!(el.compareDocumentPosition(document.querySelector('form[action=\"/login/\"]'))"
        " & Node.DOCUMENT_POSITION_FOLLOWING)"
    )


@pytest.mark.parametrize("role", ROLES)
def test_each_role_signs_in_through_the_provider_and_lands_on_its_start_page_without_a_code(
    role: str, live_server: Any, page: Any, sso: Provider
) -> None:
    username = f"sso-{role.replace('_', '-')}"
    sso.person(username, groups=[GROUPS[role]], amr=MFA, name=f"Synthetic {role}")
    base = live_server.url
    errors = console_errors(page, sso)
    through_provider(page, base, username)
    seen = visited(page)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(base + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    expect(page.locator(".govuk-caption-l")).to_have_text(
        f"Signed in as {username} ({ROLE_WORDS[role]})"
    )
    kind, level, name = ROLE_SIGNS[role]
    expect(page.get_by_role(kind, level=level, name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(f"^Sign out {username}"))).to_be_visible()
    # The provider's MFA was enough: no casereview code was asked for, and no authenticator was made.
    assert not [u for u in seen if "/login/two-factor/" in u], seen
    assert not TOTPDevice.objects.filter(user__username=username).exists()
    detail = login_entry(username).detail
    assert (detail["via"], detail["second_factor"]) == ("sso", "provider"), detail
    assert errors == []


def test_a_person_whose_provider_asserts_no_second_factor_is_asked_to_set_up_casereview_s_own(
    live_server: Any, page: Any, sso: Provider
) -> None:
    sso.person("sso-pwd-only", groups=[GROUPS[Role.INSPECTOR]], amr=["pwd"])
    base = live_server.url
    through_provider(page, base, "sso-pwd-only")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(re.escape(base + "/login/two-factor/setup/")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    assert login_entry("sso-pwd-only").detail["second_factor"] == "totp"
    # Signed in, but not through: the start page still waits for the code.
    page.goto(base + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")


def test_a_person_whose_group_maps_to_no_role_is_refused_with_a_plain_page_and_journaled(
    live_server: Any, axe_page: Any, sso: Provider
) -> None:
    sso.person("sso-stranger", groups=["g-canteen"], amr=MFA)
    base, page = live_server.url, axe_page  # nothing on the way to a refusal posts a form
    through_provider(page, base, "sso-stranger")
    with page.expect_response(lambda r: r.url.startswith(base + "/login/sso/callback/")) as answer:
        page.get_by_role("button", name="Sign in").click()

    assert answer.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot sign in to casereview")
    expect(page.locator(".cr-sso-reason")).to_have_attribute("data-reason", "unmapped")
    words = page.locator("main").inner_text()
    assert "unmapped" not in words and "Traceback" not in words  # plain words, not a code
    expect(page.get_by_role("link", name="Back to sign in")).to_be_visible()
    assert not get_user_model().objects.filter(username="sso-stranger").exists()
    refused = list(JournalEntry.objects.filter(action="sso_refused"))
    assert [e.detail["reason"] for e in refused] == ["unmapped"], [e.detail for e in refused]
    detail = refused[0].detail
    assert detail["issuer"] == sso.issuer and detail["subject"], detail
    # Who and why, never the token or the person's other claims.
    assert set(detail) <= {"reason", "ip", "issuer", "subject", "error", "groups"}, detail
    found = axe_violations(page)
    assert not found, f"refused: {found}"
    FOLDER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(FOLDER / "refused-unmapped.png"), full_page=True)


def test_signing_out_ends_casereview_s_session_and_the_provider_s(
    live_server: Any, page: Any, axe_page: Any, sso: Provider
) -> None:
    sso.person("sso-leaver", groups=[GROUPS[Role.INSPECTOR]], amr=MFA)
    base = live_server.url
    errors = console_errors(page, sso)
    through_provider(page, base, "sso-leaver")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + "/")

    seen = visited(page)
    page.get_by_role("button", name="Sign out sso-leaver").click()
    # (Authlib adds a ``state`` to the provider's sign-out address; the provider hands it back.)
    expect(page).to_have_url(re.compile(re.escape(base + "/signed-out/") + r"(\?state=[\w-]+)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("You are signed out")
    FOLDER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(FOLDER / "signed-out-as-reached.png"), full_page=True)
    # The way there: casereview's sign-out, then the provider's end-session address with the hint.
    discovery = requests.get(f"{sso.issuer}/.well-known/openid-configuration", timeout=10).json()
    ends = [u for u in seen if u.startswith(discovery["end_session_endpoint"])]
    assert len(ends) == 1, seen
    query = parse_qs(urlsplit(ends[0]).query)
    assert query["client_id"] == [sso.client_id]
    assert query["post_logout_redirect_uri"] == [base + "/signed-out/"]
    assert query["id_token_hint"][0].count(".") == 2  # a JWT
    assert errors == []  # no CSP violation on the way (form-action 'self' throughout)
    assert JournalEntry.objects.filter(action="logout", object_id="sso-leaver").exists()

    # casereview's session is over ...
    page.goto(base + "/")
    expect(page).to_have_url(re.compile(re.escape(base + "/login/")))
    # ... and so is the provider's: signing in again asks for the provider's password.
    page.get_by_role("button", name=LABEL).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Test identity provider")
    expect(page.get_by_label("Password")).to_be_empty()

    checked(axe_page, base + "/signed-out/", "signed-out")


def test_an_administrator_of_single_sign_on_confirms_it_is_them_at_the_provider_not_with_a_password(
    live_server: Any, axe_page: Any, sso: Provider
) -> None:
    from importlib import import_module

    from django.conf import settings

    from casereview.web.accounts.middleware import SESSION_STARTED

    factories.user(Role.INSPECTOR, "someone")
    sso.person("sso-admin", groups=[GROUPS[Role.ADMINISTRATOR]], amr=MFA)
    base, page = (
        live_server.url,
        axe_page,
    )  # axe runs on the confirm page (a link, then the provider's form)
    through_provider(page, base, "sso-admin")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + "/")
    # The sign-in an hour old, as after a long session: account changes need it confirmed first.
    (cookie,) = [c for c in page.context.cookies(base) if c["name"] == settings.SESSION_COOKIE_NAME]
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie["value"])
    session[SESSION_STARTED] = session[SESSION_STARTED] - 3600
    session.save()

    deactivate = base + "/users/user/someone/deactivate/"
    page.goto(deactivate)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it’s you")
    expect(page.locator("main")).to_contain_text(
        "You will be asked to sign in at your organisation again"
    )
    expect(page.get_by_label("Your password")).to_have_count(0)
    found = axe_violations(page)
    assert not found, f"confirm at provider: {found}"
    FOLDER.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(FOLDER / "confirm-at-provider.png"), full_page=True)

    page.get_by_role("button", name="Sign in at your organisation again").click()
    # Still signed in at the provider, but it asks for the password again (prompt=login).
    expect(page.get_by_role("heading", level=1)).to_have_text("Test identity provider")
    page.get_by_label("Username").fill("sso-admin")
    page.get_by_label("Password").fill(PROVIDER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(deactivate)
    expect(page.get_by_role("heading", level=1)).to_contain_text("someone")
    entry = JournalEntry.objects.filter(action="identity_confirmed").get()
    assert entry.detail == {"method": "organisation's sign-in"}
