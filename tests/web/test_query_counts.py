"""What must not grow: the queries of every key page, API list and bulk service, at two sizes of data.

Each test builds a small world (4 sampled cases) and a big one (24) of two bodies side by side, each with
its own people, and asks the same question of both: the number of queries must be the same, and within the
pinned bound (the most either SQLite or PostgreSQL needs; savepoints and locks differ between them).  A page
that reads one more row per case, register or send back fails here at once.  A page for everyone (the
administrator's) is asked after the small world alone, then again once the big one is there too.

The one service whose work grows with the data by design is escalation (one transaction, event, journal
entry and e-mail per overdue send back, so each can fail alone): it is pinned per send back it escalates,
and not at all by the send backs it leaves alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from casereview.web.api.services import token_create
from casereview.web.inspections.models import CaseLinks, RelatedCase, SampledCase
from casereview.web.referrals.models import SendBack
from casereview.web.referrals.services import sendback_act, sendbacks_escalate
from casereview.web.reports.services import report_publish
from casereview.web.reviews.models import Assignment
from casereview.web.reviews.services import assignments_balance, moderation_assign

from . import factories
from .factories import verified_client

pytestmark = pytest.mark.django_db

SMALL, BIG = 4, 24
SIZES = {"s": ("SML", SMALL), "b": ("BIG", BIG)}


def measured(run: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return len(queries)


def assert_flat(bound: int, counts: Sequence[int], what: str) -> None:
    """The same number of queries at both sizes, and no more than the pin."""
    small, big = counts
    print(f"{what}: {small} queries with {SMALL} cases, {big} with {BIG}")
    assert big == small, f"{what}: {small} queries with {SMALL} cases but {big} with {BIG}"
    assert small <= bound, f"{what}: {small} queries, pinned at {bound}"


# Worlds -------------------------------------------------------------------------------------------------------


def world(directory: Path, prefix: str) -> dict[str, Any]:
    """An inspection of ``size`` cases part-way through its life: every case graded by ina (half of them
    inadequate and sent back, each acknowledged by the liaison officer), the report published, a blind second
    mark by ben of the cases graded worst (disagreeing), more registers and more inspectors as it grows."""
    code, size = SIZES[prefix]
    factories.body(code, f"{code} Constabulary")
    made = factories.inspection_world(directory, body_code=code, rows=100, size=size, prefix=prefix)
    assert len(made["assignments"]) == size
    for n in range(size // 4):
        factories.register(directory, rows=10, seed=n + 2, name=f"{prefix}{n}.csv", body_code=code)
        factories.user("inspector", f"{prefix}extra{n}")
    for n, assignment in enumerate(made["assignments"]):
        if n % 2:
            factories.submitted(assignment, "good")
        else:
            factories.submitted(
                assignment,
                "inadequate",
                weaknesses=["W02"],
                send_back=True,
                reason="Child still at the address",
                urgency="routine",
            )
    for send_back in SendBack.objects.filter(inspection=made["inspection"]):
        sendback_act(
            send_back=send_back,
            action="acknowledge",
            actor=made["liaison"],
            expected_version=send_back.version,
        )
    for _ in range(1 + size // 12):
        report_publish(inspection=made["inspection"], actor=made["lead"])
    seconds = factories.moderated(made["inspection"], [made["ben"]], share=0.0)
    assert len(seconds) == size // 2
    for second in seconds:
        factories.submitted(second, "good")
    made["admin"] = factories.user("administrator", f"{prefix}admin")
    made["send_back"] = SendBack.objects.filter(inspection=made["inspection"]).order_by("id")[0]
    made["publication"] = made["inspection"].publications.order_by("id")[0]
    return made


def both(directory: Path, ask: Callable[[dict[str, Any]], Any]) -> list[int]:
    """The queries ``ask`` makes of the small world (built alone) and of the big one (built beside it)."""
    counts = []
    for prefix in SIZES:
        made = world(directory, prefix)
        ask(made)  # the first visit may make what later visits read (a draft review, a session)
        with CaptureQueriesContext(connection) as queries:
            ask(made)
        counts.append(len(queries))
    return counts


def page(who: str, path: Callable[[dict[str, Any]], str]) -> Callable[[dict[str, Any]], Any]:
    def ask(made: dict[str, Any]) -> None:
        key = f"client:{who}"
        if key not in made:
            made[key] = verified_client(made[who])
        client = made[key]
        response = client.get(path(made))
        assert response.status_code == 200, (path(made), response.status_code)

    return ask


def api(who: str, path: str) -> Callable[[dict[str, Any]], Any]:
    def ask(made: dict[str, Any]) -> None:
        key = f"token:{who}"
        if key not in made:
            made[key] = token_create(
                user=made[who], name="system", scopes=["read"], rate_per_minute=10_000
            ).secret
        response = Client().get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {made[key]}")
        assert response.status_code == 200, (path, response.status_code)
        assert response.json(), f"{path} lists nothing: the count would prove nothing"

    return ask


# Pages --------------------------------------------------------------------------------------------------------

PAGES: dict[str, tuple[int, str, Callable[[dict[str, Any]], str]]] = {
    # name: (bound, who, path)
    # The start page: each role's work (issue 22); every role at two sizes in test_start_pages.py.
    # The lead's progress is the task list's (inspections_progress: its own queries and each app's).
    "home (lead)": (17, "lead", lambda w: "/"),
    "home (inspector)": (10, "ina", lambda w: "/"),
    # Each inspection's stage (issue 22's task list): registers, samples, assignments, reviews, resolutions,
    # send backs and publications, one query each for every inspection listed (test_sample_table.py).
    # Paged (25 a page): the page's count and the bodies for the filter are a query each; the disagreements
    # and send backs are counted by the database, only the reviews saying a case is at risk read row by row.
    "inspections": (15, "lead", lambda w: "/inspections/"),
    "register detail": (6, "lead", lambda w: f"/registers/{w['register'].pk}/"),
    "register cases": (10, "lead", lambda w: f"/registers/{w['register'].pk}/cases/"),
    # The overview is the inspection's task list (its counts: the same queries as the inspections list).
    "inspection overview": (14, "lead", lambda w: f"/inspections/{w['inspection'].pk}/"),
    "inspection: sample": (7, "lead", lambda w: f"/inspections/{w['inspection'].pk}/sample/"),
    "inspection: people": (8, "lead", lambda w: f"/inspections/{w['inspection'].pk}/people/"),
    "inspection: moderation": (
        10,
        "lead",
        lambda w: f"/inspections/{w['inspection'].pk}/moderation/",
    ),
    "inspection: agreement": (
        10,
        "lead",
        lambda w: f"/inspections/{w['inspection'].pk}/agreement/",
    ),
    # + counts by state, the next case (test_my_cases.py)
    "my cases": (7, "ina", lambda w: "/reviews/"),
    "review page": (
        18,
        "ina",
        lambda w: f"/reviews/{w['assignment'].pk}/",
    ),  # PostgreSQL: 18 (the journal lock)
    # 7: the list's count and the body filter's choices (issue 22; test_send_back_lists pins its filters).
    "send backs (liaison)": (7, "liaison", lambda w: "/send-backs/"),
    "send backs (lead)": (7, "lead", lambda w: "/send-backs/"),
    "send-back dashboard": (5, "lead", lambda w: "/send-backs/dashboard/"),
    "send-back detail": (9, "liaison", lambda w: f"/send-backs/{w['send_back'].pk}/"),
    # with its count and filter choices (issue 22), its rows' pre-announcements and the upcoming ones (23)
    "reports": (9, "lead", lambda w: "/reports/"),
    # 32 on PostgreSQL (the journal lock): + one query for the body's earlier recommendations, the "progress
    # against earlier recommendations" section (issue 24; one query when there are none, two when there are).
    "draft report": (32, "lead", lambda w: f"/reports/inspection/{w['inspection'].pk}/"),
    "published report": (6, "liaison", lambda w: f"/reports/{w['publication'].pk}/"),
    "journal": (10, "admin", lambda w: "/journal/"),
    # 9: + one query for who has their second factor through their organisation's sign-in (issue 25).
    "users": (9, "admin", lambda w: "/users/"),
}


@pytest.mark.parametrize("name", PAGES)
def test_a_key_page_makes_as_many_queries_for_24_cases_as_for_4(name: str, tmp_path: Path) -> None:
    bound, who, path = PAGES[name]
    assert_flat(bound, both(tmp_path, page(who, path)), name)


APIS: dict[str, tuple[int, str, str]] = {
    "GET /api/v1/registers": (10, "lead", "/registers"),
    "GET /api/v1/send-backs (lead)": (10, "lead", "/send-backs"),
    "GET /api/v1/send-backs (liaison)": (11, "liaison", "/send-backs"),
    "GET /api/v1/reports": (9, "lead", "/reports"),
}


@pytest.mark.parametrize("name", APIS)
def test_an_api_list_makes_as_many_queries_for_24_cases_as_for_4(name: str, tmp_path: Path) -> None:
    bound, who, path = APIS[name]
    assert_flat(bound, both(tmp_path, api(who, path)), name)


# Bulk services ------------------------------------------------------------------------------------------------


def drawn(directory: Path, prefix: str, *, assign: bool) -> dict[str, Any]:
    code, size = SIZES[prefix]
    factories.body(code, f"{code} Constabulary")
    lead = factories.user("lead_inspector", f"{prefix}lead")
    ina, ben = (
        factories.user("inspector", f"{prefix}ina"),
        factories.user("inspector", f"{prefix}ben"),
    )
    inspection = factories.inspection(lead=lead, body_code=code)
    register = factories.register(directory, rows=100, name=f"{prefix}.csv", body_code=code)
    made = {"lead": lead, "ina": ina, "ben": ben, "inspection": inspection, "register": register}
    if assign:
        factories.sample(inspection, register, size=size)
        assert len(factories.assigned(inspection, [ina, ben])) == size
    return made


def insert_batches(model: Any, rows: int) -> int:
    """How many INSERTs a bulk write of ``rows`` rows of ``model`` takes here (SQLite caps the parameters of
    one statement, so its batches are small; PostgreSQL's are not)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    size = connection.ops.bulk_batch_size(fields, [None] * rows) or rows
    return -(-rows // size)


def test_drawing_a_sample_makes_as_many_queries_for_24_cases_as_for_4(tmp_path: Path) -> None:
    """Beyond the batches of its bulk writes (one INSERT per batch of rows, whatever the backend allows)."""
    counts = []
    for prefix, (_, size) in SIZES.items():
        made = drawn(tmp_path, prefix, assign=False)
        with CaptureQueriesContext(connection) as queries:
            written = factories.sample(made["inspection"], made["register"], size=size)
        batches = sum(
            insert_batches(model, model.objects.filter(**{lookup: written}).count())
            for model, lookup in (
                (SampledCase, "sample"),
                (CaseLinks, "sampled_case__sample"),
                (RelatedCase, "sampled_case__sample"),
            )
        )
        counts.append(len(queries) - batches)
    assert_flat(20, counts, "sample_draw (besides its batched inserts)")


def test_balancing_assignments_makes_as_many_queries_for_24_cases_as_for_4(tmp_path: Path) -> None:
    counts = []
    for prefix, (_, size) in SIZES.items():
        made = drawn(tmp_path, prefix, assign=False)
        factories.sample(made["inspection"], made["register"], size=size)
        with CaptureQueriesContext(connection) as queries:
            assignments_balance(
                inspection=made["inspection"], inspectors=[made["ina"], made["ben"]]
            )
        counts.append(len(queries))
        assert (
            Assignment.objects.filter(sampled_case__sample__inspection=made["inspection"]).count()
            == size
        )
    # 15: one query reads the cases' moderators, so that nobody is given first review of a case they
    # moderate (issue 21; PostgreSQL counts one more than SQLite here); 16: one more reads every candidate's
    # roles at once, so that nobody is given cases of a kind of inspection they may not grade (issue 24).
    assert_flat(16, counts, "assignments_balance")


def test_assigning_moderation_makes_as_many_queries_for_24_cases_as_for_4(tmp_path: Path) -> None:
    counts = []
    for prefix, (_, size) in SIZES.items():
        made = drawn(tmp_path, prefix, assign=True)
        for assignment in factories.assignments(made["inspection"]):
            factories.submitted(assignment, "good")
        with CaptureQueriesContext(connection) as queries:
            moderation_assign(
                inspection=made["inspection"], inspectors=[made["ina"], made["ben"]], share=1.0
            )
        counts.append(len(queries))
        assert len(factories.assignments(made["inspection"], kind="moderation")) == size
    # 16 on PostgreSQL (the journal lock), with the one query reading every candidate's roles (issue 24).
    assert_flat(16, counts, "moderation_assign")


def test_escalating_costs_the_same_per_overdue_send_back_and_nothing_for_the_rest(
    tmp_path: Path,
) -> None:
    counts, when = [], None
    for prefix in SIZES:
        made = drawn(tmp_path, prefix, assign=True)
        senior = factories.user("liaison_officer", f"{prefix}senior")
        factories.contact(made["inspection"].body, senior, "senior_lead")
        for n, assignment in enumerate(factories.assignments(made["inspection"])):
            factories.sent_back(assignment, urgency="priority" if n % 2 else "routine")
        due = {
            urgency: sorted(
                SendBack.objects.filter(inspection=made["inspection"], urgency=urgency).values_list(
                    "due_on", flat=True
                )
            )
            for urgency in ("priority", "routine")
        }
        # The day after every priority send back fell due, before any routine one does.
        when = due["priority"][-1] + dt.timedelta(days=1)
        assert when <= due["routine"][0]
        with CaptureQueriesContext(connection) as queries:
            sendbacks_escalate(today=when)
        counts.append(len(queries))
        escalated = SendBack.objects.filter(inspection=made["inspection"], state="escalated")
        assert escalated.count() == len(due["priority"])
    # Nothing more is overdue: asking again costs the same however many send backs wait.
    quiet = measured(lambda: sendbacks_escalate(today=when))
    small, big = counts
    per_send_back = (big - small) / ((BIG - SMALL) // 2)
    fixed = small - SMALL // 2 * per_send_back
    print(
        f"sendbacks_escalate: {small} queries escalating {SMALL // 2}, {big} escalating {BIG // 2}: "
        f"{fixed:g} + {per_send_back:g} each; {quiet} with {SMALL + BIG - SMALL // 2 - BIG // 2} not due"
    )
    assert per_send_back == int(per_send_back) and per_send_back <= 10
    assert fixed <= 1 and quiet <= 1
