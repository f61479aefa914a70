"""One mapping per entry point for every refusal (domain/errors.py): pages and the API."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from casereview.domain.errors import Conflict, NotFound, Refused
from casereview.web.api.api import api
from casereview.web.core.middleware import RefusalsMiddleware


def _page_for(exc: Exception) -> HttpResponse | None:
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    return RefusalsMiddleware(lambda r: HttpResponse()).process_exception(request, exc)


@pytest.mark.parametrize(
    ("exc", "status", "heading"),
    [
        (Refused("The seed is already committed <b>"), 400, "This cannot be done"),
        (Conflict("Someone submitted it first <b>"), 409, "Someone changed this first"),
    ],
)
def test_a_refusal_no_view_caught_is_a_page_with_its_message_escaped(
    exc: Refused, status: int, heading: str
) -> None:
    response = _page_for(exc)
    assert response is not None and response.status_code == status
    page = response.content.decode()
    assert heading in page and "&lt;b&gt;" in page and "<b>" not in page.split("<main")[-1]


def test_not_found_is_the_usual_404_and_other_errors_are_left_alone() -> None:
    with pytest.raises(Http404):
        _page_for(NotFound("no such case"))
    assert _page_for(ValueError("a bug")) is None  # a bug stays a 500, seen and fixed


def test_every_refusal_kind_derives_from_the_one_base() -> None:
    from casereview.importing.limits import StructureError
    from casereview.importing.pipeline import RegisterFileInvalid
    from casereview.web.accounts.services import AccountError
    from casereview.web.referrals.services import AlreadyChanged, SendBackError
    from casereview.web.reviews.services import StaleVersion

    assert issubclass(AlreadyChanged, Conflict) and issubclass(StaleVersion, Conflict)
    for kind in (AccountError, SendBackError, RegisterFileInvalid, StructureError):
        assert issubclass(kind, Refused)


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (Refused("no"), 422, "refused"),
        (Conflict("first"), 409, "conflict"),
        (NotFound("x"), 404, "not_found"),
    ],
)
def test_the_api_maps_a_refusal_to_its_documented_error_json(
    exc: Refused, status: int, code: str
) -> None:
    request = RequestFactory().get("/api/v1/registers")
    response = api.on_exception(request, exc)
    assert response.status_code == status
    assert json.loads(response.content)["error"]["code"] == code
