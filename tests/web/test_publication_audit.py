"""The disclosure audit at the doors: `casereview report ID --published --audit [--json]`, and publishing,
which stores the audit it passed and is refused, with the audit's reasons, when a hidden count is not
protected (issue 20)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from casereview.cli import app
from casereview.cli.reports import AUDIT_PASSED, audit_lines
from casereview.demo import load_demo
from casereview.domain import publication as publication_rules
from casereview.domain.linked import MARK, Audit, Range
from casereview.web.inspections.models import Inspection
from casereview.web.journal.models import JournalEntry
from casereview.web.language.services import language_choose
from casereview.web.registers.models import Body
from casereview.web.registers.services import register_import
from casereview.web.reports.models import PublishedReport
from casereview.web.reports.selectors import inspection_report, report_for
from tests.welsh import cy

from . import factories
from .conftest import verified_client

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


@pytest.fixture
def demo(tmp_path: Path) -> dict[str, Any]:
    """The demo `make run` loads: an earlier quarter published, the current one with 24 cases graded."""
    made = load_demo(tmp_path, rows=500)
    earlier, current = (Inspection.objects.get(pk=pk) for pk in made["inspections"])
    return {"earlier": earlier, "current": current}


@pytest.fixture
def finished(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]
) -> dict[str, Any]:
    """An inspection of 12 cases, every one graded (3 good, 2 requires improvement, 7 inadequate)."""
    lead, ina = make_user("lead_inspector", "lead-q1"), make_user("inspector", "ina-q1")
    inspection = factories.inspection(
        lead=lead, name="Q1 2024", period_start=dt.date(2024, 1, 1), period_end=dt.date(2024, 3, 31)
    )
    register = register_import(path=register_csv(rows=200, seed=2), body_code="SYN")
    factories.sample(inspection, register, size=12)
    grades = ["good"] * 3 + ["requires_improvement"] * 2 + ["inadequate"] * 7
    for assignment, grade in zip(factories.assigned(inspection, [ina]), grades, strict=True):
        factories.submitted(assignment, grade, weaknesses=("W02",) if grade != "good" else ())
    return {"lead": lead, "inspection": inspection}


def _digest(audit_json: dict[str, Any]) -> str:
    body = {k: v for k, v in audit_json.items() if k != "sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def test_audit_lists_every_hidden_count_of_the_demo_inspection_and_passes(
    demo: dict[str, Any],
) -> None:
    current = demo["current"]
    result = runner.invoke(app, ["report", str(current.pk), "--published", "--audit"])
    assert result.exit_code == 0, result.output
    # The same day's publication, computed again: what the command must have printed.
    made = publication_rules.publish(report_for(current))
    assert "[c]" in json.dumps(made.document)  # 24 cases graded: the published version hides counts
    assert made.audit.ranges, "a published version that hides counts must have them audited"
    lines = result.stdout.splitlines()
    assert lines == [*(r.words() for r in made.audit.ranges), AUDIT_PASSED]
    assert all(r.protected for r in made.audit.ranges)
    entry = JournalEntry.objects.filter(action="report_generate", actor_name="cli").latest("seq")
    assert entry.object_id == str(current.pk) and entry.detail["format"] == "audit"
    assert entry.detail["audit_sha256"] == made.audit.to_json()["sha256"]
    assert entry.detail["audit_passed"] is True and entry.detail["published"] is True


def test_audit_as_json_is_the_audit_with_an_honest_digest(
    demo: dict[str, Any], tmp_path: Path
) -> None:
    current = demo["current"]
    result = runner.invoke(app, ["report", str(current.pk), "--published", "--audit", "--json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    made = publication_rules.publish(report_for(current))
    assert got == made.audit.to_json()
    assert got["passed"] is True and got["sha256"] == _digest(got)
    assert [h["cell"] for h in got["hidden"]] == [r.name for r in made.audit.ranges]
    assert all(h["protected"] for h in got["hidden"])
    out = tmp_path / "audit.json"
    written = runner.invoke(
        app, ["report", str(current.pk), "--published", "--audit", "--json", "--out", str(out)]
    )
    assert written.exit_code == 0 and json.loads(out.read_text()) == got
    entry = JournalEntry.objects.filter(action="report_generate", actor_name="cli").latest("seq")
    assert entry.detail["format"] == "audit-json" and entry.detail["audit_sha256"] == got["sha256"]


def test_audit_needs_the_published_version_and_json_needs_audit(demo: dict[str, Any]) -> None:
    pk = str(demo["current"].pk)
    before = JournalEntry.objects.count()
    alone = runner.invoke(app, ["report", pk, "--audit"])
    assert alone.exit_code == 2 and "--published --audit" in alone.stderr
    json_alone = runner.invoke(app, ["report", pk, "--published", "--json"])
    assert json_alone.exit_code == 2 and "--json goes with --audit" in json_alone.stderr
    assert JournalEntry.objects.count() == before  # nothing computed, nothing disclosed
    missing = runner.invoke(app, ["report", "999999", "--published", "--audit"])
    assert missing.exit_code == 2


def test_publishing_stores_the_audit_it_passed_and_journals_its_digest(
    finished: dict[str, Any], demo: dict[str, Any]
) -> None:
    inspection = finished["inspection"]
    response = verified_client(finished["lead"]).post(
        f"/reports/inspection/{inspection.pk}/publish/"
    )
    assert response.status_code == 302
    publication = PublishedReport.objects.get(inspection=inspection)
    again = publication_rules.publish(inspection_report(inspection, as_of=publication.as_of))
    assert publication.audit == again.audit.to_json()
    assert publication.audit["passed"] is True
    assert publication.audit["sha256"] == _digest(publication.audit)
    assert publication.data == again.document
    entry = JournalEntry.objects.get(action="report_publish", object_id=str(inspection.pk))
    assert entry.detail["audit_sha256"] == publication.audit["sha256"]
    assert entry.detail["publication"] == publication.pk
    # The demo's earlier quarter was published by the same service: its audit is stored too.
    earlier = PublishedReport.objects.get(inspection=demo["earlier"])
    assert earlier.audit["passed"] is True and earlier.audit["sha256"] == _digest(earlier.audit)


def test_a_failing_audit_refuses_publication_with_its_reasons(
    finished: dict[str, Any], monkeypatch: pytest.MonkeyPatch, welsh: Path
) -> None:
    inspection = finished["inspection"]
    real_publish = publication_rules.publish
    leak = Range("grades.inadequate", ("grades.inadequate",), 2, 4, True)

    def leaky(report: Any) -> publication_rules.Publication:
        # The ONE stand-in of the suite: the real auditor protects every publication it makes, so a failing
        # audit is made here (the real document, an audit holding one range that proves a hidden count lies
        # between 2 and 4) to test the refusal at both doors. Everything else is real.
        return dataclasses.replace(real_publish(report), audit=Audit((leak,)))

    monkeypatch.setattr(publication_rules, "publish", leaky)
    reasons = Audit((leak,)).reasons()
    assert reasons and "2 and 4" in reasons[0]

    response = verified_client(finished["lead"]).post(
        f"/reports/inspection/{inspection.pk}/publish/"
    )
    assert response.status_code == 409
    assert reasons[0] in response.content.decode()
    # A lead who chose Welsh reads the same reasons in Welsh (issue 25), the English nowhere on the page.
    language_choose(user=finished["lead"], language="cy")
    in_welsh = verified_client(finished["lead"]).post(
        f"/reports/inspection/{inspection.pk}/publish/"
    )
    language_choose(user=finished["lead"], language="en-gb")
    page = html.unescape(in_welsh.content.decode())
    assert in_welsh.status_code == 409 and reasons[0] not in page
    reason = Audit((leak,)).reason_phrases()[0]
    assert cy(reason.template, **{k: str(v) for k, v in reason.values.items()}) in page
    assert not PublishedReport.objects.filter(inspection=inspection).exists()
    assert not JournalEntry.objects.filter(
        action="report_publish", object_id=str(inspection.pk)
    ).exists()

    text = runner.invoke(app, ["report", str(inspection.pk), "--published", "--audit"])
    assert text.exit_code == 1
    assert leak.words() in text.stdout and "NOT protected" in text.stdout
    assert f"- {reasons[0]}" in text.stdout and AUDIT_PASSED not in text.stdout
    as_json = runner.invoke(app, ["report", str(inspection.pk), "--published", "--audit", "--json"])
    assert as_json.exit_code == 1
    got = json.loads(as_json.stdout)
    assert got["passed"] is False and got["hidden"] == [leak.to_json()]


def test_audit_lines_read_each_range_then_the_verdict() -> None:
    shown = Range("send_backs.count", ("send_backs.count",), 0, None, False)
    safe = Range("grades.good", ("grades.good",), 0, 9, True)
    unsafe = Range("weaknesses.W02", ("weaknesses.W02",), 1, 3, True)
    assert audit_lines(Audit(())) == ["No count is hidden.", AUDIT_PASSED]
    assert audit_lines(Audit((shown, safe))) == [shown.words(), safe.words(), AUDIT_PASSED]
    failing = audit_lines(Audit((safe, unsafe)))
    assert failing[:2] == [safe.words(), unsafe.words()]
    assert failing[2].startswith("Audit failed: 1 hidden count is not protected")
    assert failing[3:] == [f"- {r}" for r in Audit((unsafe,)).reasons()]


def test_the_demos_24_case_inspection_publishes_a_headline(demo: dict[str, Any]) -> None:
    """Issue 20: the published version of the demo's part-way inspection says what share required
    improvement or was inadequate — exactly where that is safe, else as a band the auditor accepts."""
    made = publication_rules.publish(report_for(demo["current"]))
    headline = made.document["requires_improvement_or_inadequate"]
    assert made.audit.passed, made.audit.reasons()
    # The number of reviews is the last count to hide (domain.publication), but it can be hidden: in about one
    # demo load in ten (each draws its sample from a fresh random seed) protecting the headline's own cells hides
    # it too, and the headline is then banded. Measured 12 of 144 loads (3 of 30 on the code before issue 24); whether the
    # total could stay printed there is an open question for the disclosure model, not settled by this test.
    assert made.document["reviews"] in (24, MARK)
    if made.document["reviews"] == MARK:
        assert headline["count"] == MARK
    if headline["count"] == MARK:
        band = headline["band"]
        assert band is not None
        assert band["words"].endswith(("% or more", "% or less")) or band["words"].startswith(
            "between"
        )
        full = report_for(demo["current"])["requires_improvement_or_inadequate"]
        assert band["low"] <= full["share"] <= band["high"]
    else:
        assert headline["share"] is not None and headline["band"] is None
