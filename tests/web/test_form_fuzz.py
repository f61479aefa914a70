"""Every form the app serves, posted with arbitrary text and missing fields by each role that may use it: never a 5xx.

The URLs come from the URL resolver and the roles from the access matrix (which every URL must have a row in), the
field names from every template's ``name="..."`` attributes: a new form is fuzzed without touching this file.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casereview.domain.roles import ROLES
from casereview.web.registers.models import Body

from . import factories
from .conftest import verified_client
from .test_access_matrix import GONE, MATRIX, UNAUTHENTICATED, sample_path, url_names

pytestmark = pytest.mark.django_db
SRC = Path(__file__).resolve().parents[2] / "src" / "casereview" / "web"

#: Not posted: signing out ends the fuzzing session; the API has schemathesis (test_api_schemathesis.py).
SKIPPED = {"logout"}
#: POST-only URLs whose GET is a 404 for everyone (so the matrix cannot say who uses them): who posts to them.
POSTED_BY = {
    "referrals:open": ["inspector"],
    "reviews:autosave": ["inspector"],
    "reviews:reopen": ["lead_inspector"],
    "accounts:token_revoke": list(ROLES),
    "accounts:user": ["administrator"],
    "accounts:user_deactivate": ["administrator"],
}


def form_field_names() -> set[str]:
    """Field names written in templates, of every Django form class in the web apps, and of the framework's areas."""
    import importlib
    import pkgutil

    from django import forms

    from casereview.importing.frameworks import load_framework
    from casereview.web import __path__ as web_path

    names = {
        name
        for template in SRC.rglob("templates/**/*.html")
        for name in re.findall(
            r'\bname="([A-Za-z_][\w-]*)"|\{% \w+_radios "(\w+)"', template.read_text()
        )
        for name in name
        if name
    }
    for app in pkgutil.iter_modules(web_path):
        try:
            module = importlib.import_module(f"casereview.web.{app.name}.forms")
        except ModuleNotFoundError:
            continue
        names |= {
            field
            for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, forms.Form)
            for field in obj.base_fields
        }
    areas = [area.slug for area in load_framework("child-protection/1").areas]
    return names | {
        f"{prefix}_{slug}" for slug in areas for prefix in ("grade", "comment", "weaknesses")
    }


FIELD_NAMES = sorted(form_field_names())

VALUES = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        [
            "",
            "yes",
            "no",
            "on",
            "true",
            "submit",
            "save",
            "0",
            "1",
            "-1",
            "9" * 40,
            "1e9",
            "٣",
            "\x00",
            "SYN",
            "routine",
            "inadequate",
            "first",
            "moderation",
            "inspector",
            "administrator",
            "liaison_officer",
            "not-a-real-token",
            "../../etc/passwd",
            "<script>",
        ]
    ),
)
#: Each field present or missing independently, with any text.
FORM = st.fixed_dictionaries({}, optional=dict.fromkeys(FIELD_NAMES, VALUES))
#: A few examples per form in the ordinary run (every form, every role: ~90 targets); CASEREVIEW_FUZZ_EXAMPLES for more.
EXAMPLES = settings(
    max_examples=int(os.environ.get("CASEREVIEW_FUZZ_EXAMPLES", 4)),
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def test_the_fuzzed_fields_include_every_forms_fields() -> None:
    assert {
        "reason",
        "urgency",
        "sampled_case",
        "final_overall",
        "rationale",
        "role",
        "confirm_another",
        "send_back",
        "overall",
        "case_ref",
        "to",
    } <= set(FIELD_NAMES)


@pytest.fixture
def clients(make_user: Callable[..., Any], body: Body, tmp_path: Path) -> dict[str, Any]:
    """One signed-in user per role (the administrator signed in just now), and an inspection each role works on."""
    from casereview.web.accounts.middleware import SESSION_STARTED

    users = {role: make_user(role) for role in ROLES}
    inspection = factories.inspection(lead=users["lead_inspector"])
    register = factories.register(tmp_path, rows=20)
    factories.sample(inspection, register, size=3)
    assignment = factories.assigned(inspection, [users["inspector"]])[0]
    factories.contact(inspection.body, users["liaison_officer"])
    send_back = factories.sent_back(
        assignment, actor=users["inspector"], reason="synthetic", urgency="routine"
    )
    made = {role: verified_client(user) for role, user in users.items()}
    session = made["administrator"].session
    session[SESSION_STARTED] = time.time()  # account changes need a recent sign-in
    session.save()
    ids = {
        "register_id": register.pk,
        "inspection_id": inspection.pk,
        "assignment_id": assignment.pk,
        "send_back_id": send_back.pk,
        "publication_id": 1,
        "token_id": 1,
    }
    return {
        "clients": made,
        "ids": ids,
        "usernames": {"username": users["inspector"].get_username()},
    }


def targets(ids: dict[str, int], usernames: dict[str, str]) -> list[tuple[str, str, str]]:
    """(url name, path, role) for every URL and every role that may use it."""
    from django.urls import reverse

    found: list[tuple[str, str, str]] = []
    for name, pattern in url_names():
        if (
            name in SKIPPED
            or name.startswith("api")
            or any(s == UNAUTHENTICATED for s in MATRIX[name].values())
        ):
            continue
        converters = pattern.pattern.converters
        path = (
            reverse(
                name,
                kwargs={
                    k: ids.get(k, 1) if k.endswith("_id") else usernames.get(k, "x")
                    for k in converters
                },
            )
            if set(converters) <= {*ids, *usernames}
            else sample_path(name, pattern, ids)
        )
        roles = POSTED_BY.get(name) or [r for r in ROLES if MATRIX[name][r] != GONE] or list(ROLES)
        found.extend((name, path, role) for role in roles)
    return found


def test_every_form_refuses_arbitrary_and_missing_fields_without_a_server_error(
    clients: dict[str, Any],
) -> None:
    covered = targets(clients["ids"], clients["usernames"])
    assert {"accounts:users", "inspections:resolve", "referrals:open", "reviews:review"} <= {
        n for n, _, _ in covered
    }
    for name, path, role in covered:
        fuzz(clients["clients"][role], path, f"{name} as {role}")()


def fuzz(client: Any, path: str, who: str) -> Callable[[], None]:
    @EXAMPLES
    @given(form=FORM)
    def post(form: dict[str, str]) -> None:
        response = client.post(path, form)
        assert response.status_code < 500, (who, path, form)

    return post
