"""The published national trend's page for analysts: who may read it, that it is journaled, and that it prints
nothing the published JSON hides."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from casereview.domain.trends import NATIONAL_TEST, quarter
from casereview.web.journal.models import JournalEntry
from casereview.web.registers.models import Body
from casereview.web.registers.services import register_import
from casereview.web.reports.trend_selectors import national_trend, national_trend_disclosed

from . import factories
from .conftest import verified_client

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/reports/national-trend/"
NUMBER = re.compile(r"(?<![\w.#-])\d+(?:\.\d+)?%?(?![\w-])")


def graded(
    lead: Any,
    inspector: Any,
    register_file: Path,
    *,
    body_code: str,
    name: str,
    period_end: dt.date,
    grades: list[str],
) -> Any:
    inspection = factories.inspection(
        lead=lead,
        body_code=body_code,
        name=name,
        period_start=period_end - dt.timedelta(days=90),
        period_end=period_end,
    )
    register = register_import(path=register_file, body_code=body_code)
    factories.sample(inspection, register, size=len(grades), reserve=1)
    for assignment, grade in zip(factories.assigned(inspection, [inspector]), grades, strict=True):
        factories.submitted(assignment, grade)
    return inspection


@pytest.fixture
def trend_world(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]
) -> dict[str, Any]:
    """SYN: 2 of 10 then 9 of 12 (3 good) requiring improvement or inadequate; OTH: 7 of 13 beside SYN's 12."""
    lead, ina = make_user("lead_inspector", "lead"), make_user("inspector", "ina")
    factories.body("OTH", "Other Constabulary")
    graded(
        lead,
        ina,
        register_csv(rows=200, seed=1, name="a.csv"),
        body_code="SYN",
        name="Q4 2023",
        period_end=dt.date(2023, 12, 31),
        grades=["good"] * 8 + ["inadequate"] * 2,
    )
    graded(
        lead,
        ina,
        register_csv(rows=200, seed=2, name="b.csv"),
        body_code="SYN",
        name="Q1 2024",
        period_end=dt.date(2024, 3, 31),
        grades=["good"] * 3 + ["requires_improvement"] * 2 + ["inadequate"] * 7,
    )
    graded(
        lead,
        ina,
        register_csv(rows=200, seed=3, name="c.csv"),
        body_code="OTH",
        name="Q1 2024 (OTH)",
        period_end=dt.date(2024, 3, 31),
        grades=["good"] * 6 + ["requires_improvement"] * 7,
    )
    return {"lead": lead, "ina": ina}


def table_numbers(page: str) -> set[str]:
    """Every number printed in the page's tables (dates and quarter names taken out)."""
    tables = " ".join(re.findall(r"<table.*?</table>", page, flags=re.S))
    text = html.unescape(re.sub(r"<[^>]+>", " ", tables))
    text = re.sub(
        r"\d{4}-\d{2}-\d{2}|\d{1,2} (?:January|February|March|April|May|June|July|August|September|"
        r"October|November|December) \d{4}|\d{4}-Q\d|Q\d \d{4}",
        " ",
        text,
    )
    return set(NUMBER.findall(text))


def shown_numbers(document: Mapping[str, Any]) -> set[str]:
    """Every number the published JSON shows, as the page prints it."""
    out: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, bool) or value is None:
            return
        if isinstance(value, int):
            out.add(str(value))
        elif isinstance(value, float):
            out.update({f"{value * 100:.1f}%", f"{value * 100:g}%"})
        elif isinstance(value, str):
            out.update(NUMBER.findall(value))
        elif isinstance(value, Mapping):
            for k, v in value.items():
                if k != "disclosure":
                    walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(document)
    return out


def test_an_analyst_reads_the_published_trend_and_the_reading_is_journaled(
    trend_world: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    analyst = verified_client(make_user("analyst", "ana"))
    page = analyst.get(URL)
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count("[c] marks a count that is not published") == 1
    assert text.index("[c] marks") < text.index('id="national"')  # explained before any table
    assert "Other Constabulary (OTH)" in text  # each body by its name, with its code
    assert "31 March 2024" in text and not re.search(r"<td[^>]*>\d{4}-\d{2}-\d{2}</td>", text)
    assert "[c]" in text[text.index('id="national"') :]
    entry = JournalEntry.objects.filter(action="trend_generate").order_by("-seq").first()
    assert entry is not None and entry.operation == "disclosure" and entry.actor_name == "ana"
    assert entry.detail["format"] == "page" and entry.detail["audit_passed"] is True
    assert entry.detail["audit_sha256"] in text

    download = analyst.get(URL + "?format=json")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    document = json.loads(download.content)
    assert document["disclosure"]["audit"]["passed"] is True
    assert document["disclosure"]["marker"] == "[c]"
    assert JournalEntry.objects.filter(action="trend_generate", detail__format="json").exists()
    assert analyst.get(URL + "?format=exe").status_code == 404


def test_the_page_prints_no_number_the_published_json_hides(
    trend_world: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    analyst = verified_client(make_user("analyst", "ana"))
    document = json.loads(analyst.get(URL + "?format=json").content)
    page = analyst.get(URL).content.decode()
    allowed = shown_numbers(document) | {"95%"}  # the column heading "95% interval"
    printed = table_numbers(page)
    assert printed <= allowed, printed - allowed
    full = national_trend()
    hidden = {
        str(real[key])
        for b, pub in zip(full["bodies"], document["bodies"], strict=True)
        for real, p in zip(b["series"], pub["series"], strict=True)
        for key in ("reviews", "count")
        if p[key] == "[c]"
    } | {
        str(real[key])
        for real, q in zip(full["quarters"], document["quarters"], strict=True)
        for key in ("reviews", "count")
        if q[key] == "[c]"
    }
    # SYN's 2 and 9, and the national 16 of the quarter with OTH (whose report shows its 7 of 13).
    assert {"2", "9", "16"} <= hidden
    assert not (hidden - allowed) & printed
    oth = next(b for b in document["bodies"] if b["body"] == "OTH")["series"][0]
    assert oth["reviews"] == 13  # its count goes too: SYN's 3 good are the national good less OTH's
    q1 = next(q for q in document["quarters"] if q["quarter"] == quarter(dt.date(2024, 3, 31)))
    assert q1["count"] == "[c]"


def test_who_may_read_it(
    trend_world: dict[str, Any], make_user: Callable[..., Any], body: Body
) -> None:
    for role in ("analyst", "lead_inspector", "administrator"):
        person = make_user(role, f"{role}-reader")
        assert verified_client(person).get(URL).status_code == 200, role
    liaison = make_user("liaison_officer", "liaison")
    factories.contact(body, liaison)
    assert verified_client(liaison).get(URL).status_code == 404  # it names every body
    assert b"national-trend" not in verified_client(liaison).get("/reports/").content
    assert verified_client(trend_world["ina"]).get(URL).status_code == 404
    assert (
        b"national-trend" in verified_client(make_user("analyst", "ana")).get("/reports/").content
    )
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    before = JournalEntry.objects.filter(action="trend_generate").count()
    assert Client().get(URL + "?format=json").status_code == 302
    assert JournalEntry.objects.filter(action="trend_generate").count() == before


def test_reading_needs_no_csrf_token_and_nothing_is_posted(
    trend_world: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    signed_in = verified_client(make_user("analyst", "ana"))
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = signed_in.cookies
    assert strict.get(URL).status_code == 200
    assert signed_in.post(URL).status_code == 405


def test_a_trend_for_some_bodies_is_cut_from_the_whole_one_and_journaled_so(
    trend_world: dict[str, Any],
) -> None:
    whole, _ = national_trend_disclosed(actor=None, actor_name="cli", fmt="json")
    only, audit = national_trend_disclosed(
        actor=None, actor_name="cli", fmt="json", body_codes=["OTH"]
    )
    assert audit.passed
    assert [b["body"] for b in only["bodies"]] == ["OTH"]
    # The national rows are the whole trend's: a trend of OTH alone would make its quarter OTH's own
    # figures, and the difference from the whole one would give SYN's back.
    assert only["quarters"] == whole["quarters"]
    entry = JournalEntry.objects.filter(action="trend_generate").order_by("-seq").first()
    assert entry is not None and entry.actor_name == "cli" and entry.detail["bodies"] == ["OTH"]


def test_the_page_draws_the_funnel_of_the_bodies_whose_latest_point_is_shown(
    trend_world: dict[str, Any], make_user: Callable[..., Any], register_csv: Callable[..., Path]
) -> None:
    factories.body("BIG", "Big Constabulary")
    graded(
        trend_world["lead"],
        trend_world["ina"],
        register_csv(rows=200, seed=5, name="d.csv"),
        body_code="BIG",
        name="Q2 2024 (BIG)",
        period_end=dt.date(2024, 6, 30),
        grades=["good"] * 10 + ["inadequate"] * 10,
    )
    analyst = verified_client(make_user("analyst", "ana"))
    document = json.loads(analyst.get(URL + "?format=json").content)
    page = analyst.get(URL).content.decode()
    # SYN's latest point (9 of 12) and OTH's (7 of 13, its count hidden) are not shown: only BIG is on it.
    assert [p["body"] for p in national_trend()["funnel"]["points"]] == ["BIG", "OTH", "SYN"]
    assert [p["body"] for p in document["funnel"]["points"]] == ["BIG"]
    assert document["funnel"]["centre"] == pytest.approx(0.5)
    funnel = page[page.index('id="funnel"') : page.index('id="audit"')]
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in funnel and "<title" in funnel
    assert "Cases graded (sample size n)" in funnel and "<desc" in funnel
    table = funnel[funnel.index('id="funnel-table"') :]
    assert "BIG" in table and "OTH" not in table and "SYN" not in table
    # In words to one decimal place, as the table under it prints the share
    assert "BIG: 50.0% of 20 cases, within the 95% limits." in html.unescape(funnel)
    # Every quarter says how it was estimated, and each after the first its change from the one before.
    national = html.unescape(page[page.index('id="national"') : page.index('id="funnel"')])
    for q in document["quarters"]:
        assert q["method"] in national
    changes = [q["change_from_previous"] for q in document["quarters"][1:]]
    assert changes and all(c["test"] == NATIONAL_TEST for c in changes)
    for c in changes:
        said = "not published" if c.get("suppressed") else c["wording"]
        assert f"against {c['against']}: {said}" in national
    assert table_numbers(page) <= shown_numbers(document) | {"95%"}


def test_a_disproportionate_sample_is_design_weighted_in_the_trend(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]
) -> None:
    from casereview.domain.plans import Allocation
    from casereview.domain.statistics import Stratum, stratified_share
    from casereview.web.inspections.models import Sample

    lead, ina = make_user("lead_inspector", "lead"), make_user("inspector", "ina")
    inspection = factories.inspection(
        lead=lead,
        body_code="SYN",
        name="Equal",
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 3, 31),
    )
    register = register_import(path=register_csv(rows=300, seed=4), body_code="SYN")
    factories.sample(inspection, register, size=30, reserve=1, allocation=Allocation.EQUAL)
    assignments = factories.assigned(inspection, [ina])
    labels = sorted({a.sampled_case.stratum for a in assignments})

    def bad(
        i: int, a: Any
    ) -> bool:  # every case of concern in every other stratum, one in four elsewhere
        return labels.index(a.sampled_case.stratum) % 2 == 0 or i % 4 == 0

    for i, assignment in enumerate(assignments):
        factories.submitted(assignment, "inadequate" if bad(i, assignment) else "good")
    trend = national_trend()
    (point,) = trend["bodies"][0]["series"]
    assert point["design_weighted"] is True and point["method_code"] == "design_weighted"
    # By hand from the database: each stratum's frame (the manifest) and its graded and concern cases.
    manifest = Sample.objects.get(inspection=inspection).manifest
    graded = Counter(a.sampled_case.stratum for a in assignments)
    found = Counter(a.sampled_case.stratum for i, a in enumerate(assignments) if bad(i, a))
    strata = [
        Stratum(s["frame_size"], graded[s["label"]], found[s["label"]]) for s in manifest["strata"]
    ]
    expected = stratified_share(strata)
    assert point["share"] == pytest.approx(expected.share)
    assert (point["ci_low"], point["ci_high"]) == pytest.approx((expected.low, expected.high))
    assert point["share"] != pytest.approx(point["count"] / point["reviews"])
    (q,) = trend["quarters"]
    assert q["design_weighted_bodies"] == ["SYN"] and q["share"] == pytest.approx(expected.share)
