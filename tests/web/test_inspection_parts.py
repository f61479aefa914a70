"""The lead's inspection page in its parts: an overview linking to the sample, people, moderation and
agreement pages, each the lead's of that inspection only, each form's refusal shown on the page it came from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from casereview.web.reviews.models import Assignment, Resolution

from . import factories
from .factories import verified_client

pytestmark = pytest.mark.django_db

PARTS = ("sample", "people", "moderation", "agreement")


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Any]:
    factories.body()
    return factories.inspection_world(tmp_path, size=4)


def disagreement(world: dict[str, Any]) -> Assignment:
    """ina grades her first case inadequate, ben moderates it requires improvement: the lead must resolve it."""
    first = world["assignment"]
    factories.submitted(first, "inadequate")
    moderation = factories.moderated(world["inspection"], [world["ina"], world["ben"]], share=0.0)
    factories.submitted(moderation[0], "requires_improvement")
    return first


def test_the_overview_links_to_every_part_and_each_part_back_to_the_overview(
    world: dict[str, Any],
) -> None:
    lead = verified_client(world["lead"])
    pk = world["inspection"].pk
    overview = lead.get(f"/inspections/{pk}/").content.decode()
    for part in PARTS:
        assert f'href="/inspections/{pk}/{part}/"' in overview, part
        page = lead.get(f"/inspections/{pk}/{part}/")
        html = page.content.decode()
        assert page.status_code == 200 and html.count("<h1") == 1, part
        assert f'href="/inspections/{pk}/"' in html and " – casereview</title>" in html, part


def test_the_parts_are_the_lead_of_that_inspection_s_only(world: dict[str, Any]) -> None:
    other = verified_client(factories.user("lead_inspector", "other"))
    ina = verified_client(world["ina"])
    pk = world["inspection"].pk
    for part in PARTS:
        assert other.get(f"/inspections/{pk}/{part}/").status_code == 404, part
        assert ina.get(f"/inspections/{pk}/{part}/").status_code == 404, part
    assert other.post(f"/inspections/{pk}/move/", {"case_ref": "x"}).status_code == 404


def test_a_move_that_names_no_assigned_case_is_refused_on_the_people_page(
    world: dict[str, Any],
) -> None:
    lead = verified_client(world["lead"])
    pk = world["inspection"].pk
    refused = lead.post(f"/inspections/{pk}/move/", {"case_ref": "NOPE", "to": "ben"})
    html = refused.content.decode()
    assert refused.status_code == 400 and "<title>Error: People:" in html
    assert (
        'href="#id_case_ref">Enter a case reference that is assigned, and choose an inspector'
        in html
    )
    assert 'value="NOPE"' in html  # what was typed stays
    case_ref = world["assignment"].sampled_case.case_ref
    moved = lead.post(f"/inspections/{pk}/move/", {"case_ref": case_ref, "to": "ben"})
    assert moved.status_code == 302 and moved["Location"] == f"/inspections/{pk}/people/"
    assert Assignment.objects.get(pk=world["assignment"].pk).inspector == world["ben"]


def test_a_share_out_of_range_is_refused_next_to_the_share(world: dict[str, Any]) -> None:
    lead = verified_client(world["lead"])
    pk = world["inspection"].pk
    refused = lead.post(
        f"/inspections/{pk}/assign/", {"inspectors": ["ben"], "kind": "moderation", "share": "150"}
    )
    html = refused.content.decode()
    assert refused.status_code == 400
    assert 'href="#id_share">Enter the share to moderate as a percentage from 0 to 100' in html
    assert not Assignment.objects.filter(kind="moderation").exists()
    ignored = lead.post(
        f"/inspections/{pk}/assign/", {"inspectors": ["ben"], "kind": "first", "share": "150"}
    )
    assert ignored.status_code == 302 and ignored["Location"] == f"/inspections/{pk}/people/"


def test_a_resolution_without_a_rationale_is_refused_in_its_own_form(
    world: dict[str, Any],
) -> None:
    first = disagreement(world)
    lead = verified_client(world["lead"])
    pk, case = world["inspection"].pk, first.sampled_case_id
    page = lead.get(f"/inspections/{pk}/moderation/").content.decode()
    assert "Disagreements to resolve" in page
    assert f'href="/reviews/{first.pk}/"' in page  # each review of the disagreement can be read
    refused = lead.post(
        f"/inspections/{pk}/resolve/",
        {"sampled_case": str(case), "final_overall": "inadequate", "rationale": "  "},
    )
    html = refused.content.decode()
    assert refused.status_code == 400 and "<title>Error: Moderation and disagreements:" in html
    assert 'href="#id_rationale">Give the rationale for the final grade' in html
    assert (
        f'id="final-{case}-inadequate" name="final_overall" type="radio" value="inadequate" checked'
        in html
    )
    assert not Resolution.objects.exists()
    done = lead.post(
        f"/inspections/{pk}/resolve/",
        {"sampled_case": str(case), "final_overall": "inadequate", "rationale": "Risk unassessed"},
    )
    assert done.status_code == 302 and done["Location"] == f"/inspections/{pk}/moderation/"
    assert Resolution.objects.get().rationale == "Risk unassessed"


def test_the_resolve_address_without_kept_answers_goes_to_the_moderation_page(
    world: dict[str, Any],
) -> None:
    pk = world["inspection"].pk
    response = verified_client(world["lead"]).get(f"/inspections/{pk}/resolve/")
    assert response.status_code == 302 and response["Location"] == f"/inspections/{pk}/moderation/"


def test_a_draw_refused_by_the_plan_is_reported_on_the_overview(tmp_path: Path) -> None:
    factories.body()
    lead = factories.user("lead_inspector", "lead")
    inspection = factories.inspection(lead=lead)
    register = factories.register(tmp_path, rows=50)
    client = verified_client(lead)
    refused = client.post(
        f"/inspections/{inspection.pk}/draw/",
        {"register": register.pk, "size": "", "allocation": "proportional"},
    )
    html = refused.content.decode()
    assert refused.status_code == 400 and 'href="#id_size">Enter the sample size' in html
    assert "<title>Error: " in html
