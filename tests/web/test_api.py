"""The JSON API: tokens, scoping, every endpoint, errors, limits, and the OpenAPI description kept in docs/."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from casereview.web.api.models import ApiToken
from casereview.web.api.services import token_create, token_revoke
from casereview.web.journal.models import JournalEntry
from casereview.web.registers.models import Body, Register

from . import factories

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
ALL_SCOPES = ["read", "register_upload", "send_back_response"]


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def world(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path], tmp_path: Path
) -> dict[str, Any]:
    users = {
        "admin": make_user("administrator", "admin"),
        "lead": make_user("lead_inspector", "lead"),
        "ina": make_user("inspector", "ina"),
        "liaison": make_user("liaison_officer", "liaison"),
        "other_liaison": make_user("liaison_officer", "other-liaison"),
        "analyst": make_user("analyst", "ana"),
    }
    inspection = factories.inspection(lead=users["lead"])
    register = factories.register(tmp_path, rows=60)
    factories.sample(inspection, register, size=4)
    first = factories.assigned(inspection, [users["ina"]])[0]
    send_back = factories.sent_back(first, actor=users["ina"])
    factories.contact(inspection.body, users["liaison"])
    factories.contact(factories.body("OTH", "Other"), users["other_liaison"])
    tokens = {
        name: token_create(user=u, name="system", scopes=ALL_SCOPES, rate_per_minute=10_000).secret
        for name, u in users.items()
    }
    return {
        **users,
        "inspection": inspection,
        "register": register,
        "send_back": send_back,
        "tokens": tokens,
        "register_csv": register_csv,
    }


def get(world: dict[str, Any], who: str, path: str) -> Any:
    return Client().get(f"/api/v1{path}", **bearer(world["tokens"][who]))


def test_the_served_description_is_the_one_in_docs() -> None:
    served = Client().get("/api/v1/openapi.json")
    assert served.status_code == 200 and served["Content-Type"].startswith("application/json")
    kept = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert served.json() == kept, (
        "docs/openapi.json is out of date: run `casereview openapi --out docs/openapi.json`"
    )


def test_tokens_are_shown_once_stored_hashed_and_refused_when_bad(world: dict[str, Any]) -> None:
    secret = world["tokens"]["lead"]
    stored = ApiToken.objects.get(user=world["lead"])
    assert secret.split("_", 2)[2] not in json.dumps(
        list(ApiToken.objects.values()), default=str
    )  # the secret may hold "_"
    assert stored.secret_sha256 and len(stored.secret_sha256) == 64
    assert get(world, "lead", "/registers").status_code == 200
    for bad in (
        "",
        "nonsense",
        secret[:-1] + ("A" if secret[-1] != "A" else "B"),
        "cr_000000000000_" + "x" * 43,
    ):
        response = Client().get("/api/v1/registers", **bearer(bad))
        assert response.status_code == 401, bad
        assert (
            response.json()["error"]["code"] == "unauthenticated"
            and "Bearer" in response["WWW-Authenticate"]
        )
    assert Client().get("/api/v1/registers").status_code == 401
    ApiToken.objects.filter(pk=stored.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert get(world, "lead", "/registers").status_code == 401
    ApiToken.objects.filter(pk=stored.pk).update(expires_at=timezone.now() + dt.timedelta(days=1))
    token_revoke(token=stored)
    assert get(world, "lead", "/registers").status_code == 401
    from casereview.web.accounts.services import user_deactivate

    user_deactivate(username="ina")
    assert get(world, "ina", "/registers").status_code == 401


def test_every_use_is_journaled(world: dict[str, Any]) -> None:
    before = JournalEntry.objects.filter(action="api_request").count()
    get(world, "lead", "/registers")
    Client().get("/api/v1/registers", **bearer("cr_000000000000_" + "x" * 43))
    entries = list(JournalEntry.objects.filter(action="api_request").order_by("seq"))[before:]
    assert [(e.operation, e.detail["status"]) for e in entries] == [
        ("consultation", 200),
        ("access", 401),
    ]
    assert entries[0].actor_name == "lead" and entries[0].object_id == str(
        ApiToken.objects.get(user=world["lead"]).pk
    )


def test_a_token_never_reaches_more_than_its_user(world: dict[str, Any]) -> None:
    pk = world["inspection"].pk
    assert get(world, "lead", f"/inspections/{pk}/manifest").status_code == 200
    assert (
        get(world, "lead", f"/inspections/{pk}/manifest").json()["manifest"]["algorithm"]
        == "hmac-sha256-rank/1"
    )
    for who in ("admin", "ina", "liaison", "analyst"):
        assert get(world, who, f"/inspections/{pk}/manifest").status_code == 404, who
        assert get(world, who, f"/inspections/{pk}/report").status_code == 404, who
    assert get(world, "liaison", "/registers").json() == []
    assert [r["id"] for r in get(world, "ina", "/registers").json()] == [world["register"].pk]
    sb = world["send_back"].pk
    assert (
        get(world, "liaison", f"/send-backs/{sb}").json()["case_ref"]
        == world["send_back"].sampled_case.case_ref
    )
    assert get(world, "other_liaison", f"/send-backs/{sb}").status_code == 404
    assert get(world, "other_liaison", "/send-backs").json() == []
    assert get(world, "analyst", "/send-backs").json() == []
    read_only = token_create(user=world["liaison"], name="read", scopes=["read"]).secret
    response = Client().post(
        f"/api/v1/send-backs/{sb}/actions",
        {"action": "acknowledge", "version": 0},
        content_type="application/json",
        **bearer(read_only),
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "scope_missing"


def test_registers_upload_with_the_cli_s_validation(world: dict[str, Any], tmp_path: Path) -> None:
    def upload(who: str, path: Path, **extra: Any) -> Any:
        with path.open("rb") as fh:
            return Client().post(
                "/api/v1/registers",
                {"body": "SYN", "file": fh, **extra},
                **bearer(world["tokens"][who]),
            )

    good = world["register_csv"](rows=30, seed=9, name="next.csv")
    made = upload("lead", good)
    assert made.status_code == 201, made.content
    assert made.json()["rows"] == 30 and Register.objects.filter(pk=made.json()["id"]).exists()
    assert upload("lead", good).status_code == 409
    assert upload("lead", good, replace="true").status_code == 201
    assert upload("ina", good).status_code == 403  # an inspector cannot import on the web either
    bad = tmp_path / "bad.csv"
    bad.write_text("case_ref,category,reported_on,unit\nA,XX,01/02/2024,N\nB,DA,32/01/2024,N\n")
    refused = upload("lead", bad)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "invalid_rows" and [
        (d["line"], d["column"]) for d in error["details"]
    ] == [(2, "category"), (3, "reported_on")]
    unknown = Client().post(
        "/api/v1/registers",
        {"body": "NOPE", "file": good.open("rb")},
        **bearer(world["tokens"]["lead"]),
    )
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_body"
    missing = Client().post("/api/v1/registers", {"body": "SYN"}, **bearer(world["tokens"]["lead"]))
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "invalid_request"


def test_too_large_and_too_fast(world: dict[str, Any], settings: Any) -> None:
    settings.CASEREVIEW_MAX_REGISTER_BYTES = 100
    big = world["register_csv"](rows=30, seed=3, name="big.csv")
    with big.open("rb") as fh:
        response = Client().post(
            "/api/v1/registers", {"body": "SYN", "file": fh}, **bearer(world["tokens"]["lead"])
        )
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    slow = token_create(
        user=world["analyst"], name="slow", scopes=["read"], rate_per_minute=3
    ).secret
    statuses = [Client().get("/api/v1/reports", **bearer(slow)).status_code for _ in range(4)]
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429
    limited = Client().get("/api/v1/reports", **bearer(slow))
    assert (
        limited.json()["error"]["code"] == "rate_limited" and 1 <= int(limited["Retry-After"]) <= 60
    )


def test_a_liaison_officer_answers_a_send_back_and_conflicts_are_refused(
    world: dict[str, Any],
) -> None:
    sb = world["send_back"].pk

    def act(who: str, **payload: Any) -> Any:
        return Client().post(
            f"/api/v1/send-backs/{sb}/actions",
            payload,
            content_type="application/json",
            **bearer(world["tokens"][who]),
        )

    assert act("liaison", action="acknowledge", version=0).json()["state"] == "acknowledged"
    stale = act("liaison", action="respond", version=0, note="done")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    assert act("liaison", action="respond", version=1).status_code == 422  # say what was done
    responded = act(
        "liaison", action="respond", version=1, note="Strategy meeting held; child safeguarded"
    )
    assert responded.status_code == 200 and responded.json()["state"] == "response_submitted"
    assert [e["action"] for e in responded.json()["events"]] == ["open", "acknowledge", "respond"]
    assert (
        act("liaison", action="accept", version=2).status_code == 409
    )  # the inspectorate accepts, not the body
    assert act("ina", action="accept", version=2).json()["state"] == "closed"
    assert act("other_liaison", action="acknowledge", version=3).status_code == 404
    assert act("liaison", action="explode", version=3).status_code == 422
    listed = get(
        world, "liaison", f"/send-backs?inspection_id={world['inspection'].pk}&state=closed"
    ).json()
    assert [b["id"] for b in listed] == [sb]


def test_reports_through_the_api(world: dict[str, Any]) -> None:
    from casereview.domain.publication import published
    from casereview.web.reports.models import PublishedReport
    from casereview.web.reports.selectors import report_for

    pk = world["inspection"].pk
    full = get(world, "lead", f"/inspections/{pk}/report")
    assert full.status_code == 200 and full.json()["inspection"]["id"] == pk
    data = published(report_for(world["inspection"]))
    publication = PublishedReport.objects.create(
        inspection=world["inspection"],
        published_at=timezone.now(),
        published_by=world["lead"],
        as_of=timezone.localdate(),
        data=data,
        input_sha256=data["reproducibility"]["input_sha256"],
        figures_sha256=data["reproducibility"]["figures_sha256"],
    )
    listed = get(world, "analyst", "/reports").json()
    assert [r["id"] for r in listed] == [publication.pk]
    assert get(world, "analyst", f"/reports/{publication.pk}").json()["published"] is True
    assert get(world, "other_liaison", f"/reports/{publication.pk}").status_code == 404
    assert get(world, "ina", "/reports").json() == []


def test_errors_have_one_shape(world: dict[str, Any]) -> None:
    for response in (
        get(world, "lead", "/registers/999999"),
        get(world, "lead", "/registers?limit=0"),
        get(world, "lead", "/nowhere"),
        Client().get("/api/v1/registers"),
    ):
        body = response.json()
        assert set(body) == {"error"} and set(body["error"]) == {
            "status",
            "code",
            "message",
            "details",
        }
        assert body["error"]["status"] == response.status_code


def test_the_token_page_and_the_cli(world: dict[str, Any]) -> None:
    from typer.testing import CliRunner

    from casereview.cli import app

    from .conftest import verified_client

    client = verified_client(world["liaison"])
    page = client.post(
        "/users/tokens/",
        {"name": "Force case system", "scopes": ["read", "send_back_response"], "days": "30"},
    )
    assert page.status_code == 200
    made = ApiToken.objects.filter(user=world["liaison"], name="Force case system").get()
    secret = page.content.decode().split('id="new-token">')[1].split("<")[0]
    assert Client().get("/api/v1/send-backs", **bearer(secret)).status_code == 200
    assert client.get("/users/tokens/").content.count(secret.encode()) == 0  # shown once only
    listed = client.get("/users/tokens/").content.decode()
    row = listed.split("Force case system", 1)[1].split("</tr>", 1)[0]
    assert "Read what you may read; Act on send backs" in row and "send_back_response" not in row
    assert (
        client.post("/users/tokens/", {"name": "x", "scopes": ["admin"], "days": "30"}).status_code
        == 400
    )
    assert (
        client.post("/users/tokens/", {"name": "x", "scopes": ["read"], "days": "999"}).status_code
        == 400
    )
    assert (
        verified_client(world["analyst"]).post(f"/users/tokens/{made.pk}/revoke/").status_code
        == 404
    )  # not theirs
    assert client.post(f"/users/tokens/{made.pk}/revoke/").status_code == 302
    assert Client().get("/api/v1/send-backs", **bearer(secret)).status_code == 401
    assert JournalEntry.objects.filter(action="api_token_revoke", object_id=str(made.pk)).exists()

    runner = CliRunner()
    created = runner.invoke(
        app, ["token", "create", "--user", "ana", "--name", "stats", "--scope", "read", "--json"]
    )
    assert created.exit_code == 0, created.output
    token = json.loads(created.stdout)
    assert Client().get("/api/v1/reports", **bearer(token["token"])).status_code == 200
    listed = json.loads(runner.invoke(app, ["token", "list", "--user", "ana", "--json"]).stdout)
    assert token["token"] not in json.dumps(listed) and listed[-1]["name"] == "stats"
    assert (
        runner.invoke(
            app, ["token", "create", "--user", "ana", "--name", "x", "--scope", "write"]
        ).exit_code
        == 2
    )
    assert runner.invoke(app, ["token", "revoke", str(token["token_id"])]).exit_code == 0
    assert Client().get("/api/v1/reports", **bearer(token["token"])).status_code == 401


def test_malformed_bodies_are_400_or_422_in_the_same_shape(world: dict[str, Any]) -> None:
    sb = world["send_back"].pk
    broken = Client().post(
        f"/api/v1/send-backs/{sb}/actions",
        "{not json",
        content_type="application/json",
        **bearer(world["tokens"]["liaison"]),
    )
    assert broken.status_code == 400 and set(broken.json()["error"]) == {
        "status",
        "code",
        "message",
        "details",
    }
    unknown_method = Client().delete("/api/v1/registers", **bearer(world["tokens"]["lead"]))
    assert unknown_method.status_code == 405
    # Systems send no CSRF token: the API takes bearer tokens only and never a session cookie.
    strict = Client(enforce_csrf_checks=True)
    acted = strict.post(
        f"/api/v1/send-backs/{sb}/actions",
        {"action": "acknowledge", "version": 0},
        content_type="application/json",
        **bearer(world["tokens"]["liaison"]),
    )
    assert acted.status_code == 200
    from .conftest import verified_client

    session_only = verified_client(world["liaison"])
    assert (
        session_only.get("/api/v1/send-backs").status_code == 401
    )  # a signed-in browser is not a token
