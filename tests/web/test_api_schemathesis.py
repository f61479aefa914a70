"""Schemathesis over the whole OpenAPI description, once per role: no 5xx, every response as described,
bad data refused; then the described links (register → sample manifest → send backs → one send back → act)
followed as a state machine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis import checks

from casereview.domain.roles import ROLES
from casereview.web.registers.models import Body

from . import factories

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
schema = schemathesis.openapi.from_path(str(ROOT / "docs" / "openapi.json"))
schema.config.update(base_url="http://localhost")
SETTINGS = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def excluded_for(case: Any) -> list[Any]:
    """A register's content and a send back's state decide beyond what a schema can say: a well-formed file
    can hold bad rows (422), a well-formed action can need a note (422). Every other check holds everywhere,
    but one: a negative case whose only wrong query value is an empty list or object (schemathesis makes them
    for nullable filters) is sent without that parameter at all, so the request arrives valid and its 200 is
    right; the rejection check is left out for that case alone."""
    excluded = [checks.positive_data_acceptance] if case.operation.method.upper() == "POST" else []
    if any(value in ([], {}) for value in (case.query or {}).values()):
        excluded.append(checks.negative_data_rejection)
    return excluded


@pytest.fixture(autouse=True)
def _in_process() -> None:
    schema.app = (
        get_wsgi_application()
    )  # every request, probes included, goes to the app in this process


@pytest.fixture
def api_tokens(make_user: Callable[..., Any], body: Body, tmp_path: Path) -> dict[str, str]:
    """One user per role, each with an all-scope token; an inspection with a sample and a send back."""
    from casereview.web.api.services import token_create

    users = {role: make_user(role, f"st-{role}") for role in ROLES}
    inspection = factories.inspection(lead=users["lead_inspector"])
    factories.sample(inspection, factories.register(tmp_path, rows=40), size=3)
    assignments = factories.assigned(inspection, [users["inspector"]])
    factories.contact(inspection.body, users["liaison_officer"])
    for assignment in assignments[:2]:
        factories.sent_back(
            assignment, actor=users["inspector"], reason="synthetic", urgency="routine"
        )
    return {
        role: token_create(
            user=u,
            name="schemathesis",
            scopes=["read", "register_upload", "send_back_response"],
            rate_per_minute=1_000_000,
        ).secret
        for role, u in users.items()
    }


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@SETTINGS
def test_every_operation_for_every_role(case: Any, role: str, api_tokens: dict[str, str]) -> None:
    app = get_wsgi_application()
    case.operation.schema.app = app  # probes (e.g. without the token) go in-process too
    response = case.call_and_validate(
        app=app,
        headers={"Authorization": f"Bearer {api_tokens[role]}"},
        excluded_checks=excluded_for(case),
    )
    assert response.status_code < 500


@pytest.mark.parametrize("role", ["lead_inspector", "liaison_officer", "inspector"])
def test_the_links_register_to_sample_to_send_back(role: str, api_tokens: dict[str, str]) -> None:
    stateful = schemathesis.openapi.from_path(str(ROOT / "docs" / "openapi.json"))
    # Configured credentials, not generated ones: schemathesis then checks auth is really enforced.
    stateful.config.update(
        base_url="http://localhost", headers={"Authorization": f"Bearer {api_tokens[role]}"}
    )
    stateful.app = get_wsgi_application()
    machine = stateful.as_state_machine()

    reached: set[tuple[str, int]] = set()  # what the exploration touched, and how it ended

    class Workflow(machine):  # type: ignore[misc,valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"app": stateful.app}

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            reached.add(
                (case.operation.definition.raw.get("operationId", ""), response.status_code)
            )

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            case.validate_response(
                response,
                additional_checks=additional_checks,
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
                excluded_checks=excluded_for(case),
            )

    Workflow.run(
        settings=settings(
            max_examples=20,
            stateful_step_count=8,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    assert reached and all(status < 500 for _, status in reached), sorted(reached)


def test_the_described_links_lead_from_a_register_to_its_send_backs(
    api_tokens: dict[str, str],
) -> None:
    """Follow each link exactly as docs/openapi.json describes it, by hand: no exploration, no luck."""
    import json

    from django.test import Client

    spec = json.loads((ROOT / "docs" / "openapi.json").read_text())
    operations = {
        op["operationId"]: (path, method)
        for path, item in spec["paths"].items()
        for method, op in item.items()
    }

    def link(operation: str, status: str, name: str) -> dict[str, Any]:
        path, method = operations[operation]
        return spec["paths"][path][method]["responses"][status]["links"][name]  # type: ignore[no-any-return]

    def value(expression: Any, body: Any) -> Any:
        if not (isinstance(expression, str) and expression.startswith("$response.body#")):
            return expression
        for part in expression.removeprefix("$response.body#").strip("/").split("/"):
            body = body[int(part)] if isinstance(body, list) else body[part]
        return body

    def follow(operation: str, status: str, name: str, body: Any, token: str) -> Any:
        target = link(operation, status, name)
        path, method = operations[target["operationId"]]
        query = {}
        for key, expression in target["parameters"].items():
            if key.startswith("query."):
                query[key.removeprefix("query.")] = value(expression, body)
            else:
                path = path.replace("{" + key + "}", str(value(expression, body)))
        client = Client()
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        response = (
            client.get(path, query, **headers)
            if method == "get"
            else client.post(
                path,
                {"action": "acknowledge", "version": 0},
                content_type="application/json",
                **headers,
            )
        )
        assert response.status_code == 200, (target["operationId"], response.content[:300])
        return response.json()

    lead = api_tokens["lead_inspector"]
    registers = Client().get("/api/v1/registers", HTTP_AUTHORIZATION=f"Bearer {lead}").json()
    register = follow("list_registers", "200", "GetFirstRegister", registers, lead)
    manifest = follow("get_register", "200", "GetSampleManifest", register, lead)
    assert manifest["register_id"] == register["id"]
    send_backs = follow("get_manifest", "200", "ListSendBacks", manifest, lead)
    assert send_backs and {b["inspection_id"] for b in send_backs} == {manifest["inspection_id"]}
    one = follow("list_send_backs", "200", "GetSendBack", send_backs, lead)
    acted = follow("get_send_back", "200", "ActOnSendBack", one, api_tokens["liaison_officer"])
    assert acted["id"] == one["id"] and acted["state"] == "acknowledged"


def test_the_fuzzing_sends_every_request_body_valid_and_invalid() -> None:
    """Every operation that takes a body is generated, both as described and as not (negative mode)."""
    from schemathesis import GenerationMode

    with_body = {
        f"{op.method.upper()} {op.path}"
        for op in (r.ok() for r in schema.get_all_operations())
        if op.body
    }
    assert with_body == {"POST /api/v1/registers", "POST /api/v1/send-backs/{send_back_id}/actions"}
    assert set(schema.config.generation.modes) == {GenerationMode.POSITIVE, GenerationMode.NEGATIVE}
