"""A report as it stood on its day: reviews, resolutions and send backs as of the end of that day
(Europe/London), so that a report regenerated later with the same ``--as-of`` is the same, byte for byte;
and the software it was made with (commit and versions) in its reproducibility block."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.apps import apps as django_apps
from typer.testing import CliRunner

from casereview.cli import app
from casereview.domain.report_model import Reproducibility
from casereview.domain.tables import flat_rows
from casereview.web.inspections.services import inspection_create
from casereview.web.referrals.models import SendBack
from casereview.web.referrals.services import sendback_act, sendbacks_escalate
from casereview.web.reports import environment as environment_module
from casereview.web.reports.selectors import grading_progress, inspection_report, report_for
from casereview.web.reports.services import baseline_add
from casereview.web.reviews.models import (
    Assignment,
    ReopenedSubmission,
    ReplacedResolution,
    Resolution,
    Review,
)
from casereview.web.reviews.selectors import assignment_of_case
from casereview.web.reviews.services import resolution_record, review_reopen
from casereview.web.reviews.spreadsheets import reviews_import

from . import factories

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()

#: Day D, a winter day: London is on UTC.
DAY = dt.date(2026, 3, 2)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)


def after(days: int, hour: int = 10) -> dt.datetime:
    return at(DAY + dt.timedelta(days=days), hour)


@pytest.fixture
def clock() -> Iterator[Any]:
    """The clock stands at 09:00 on day D until a test moves it (explicit times, never sleeps)."""
    with time_machine.travel(at(DAY, 9), tick=False) as traveller:
        yield traveller


def cli_report(inspection: Any, day: dt.date, *extra: str) -> str:
    result = runner.invoke(
        app, ["report", str(inspection.pk), "--as-of", day.strftime("%d/%m/%Y"), *extra]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def moderation_of(inspection: Any, assignment: Assignment) -> Assignment:
    found = assignment_of_case(
        inspection, assignment.sampled_case.case_ref, Assignment.Kind.MODERATION
    )
    assert found is not None, "the case was not given to a second marker"
    return found


def baseline(period_end: dt.date, label: str) -> None:
    baseline_add(body_code="SYN", label=label, period_end=period_end, total=40, ri_or_inadequate=10)


def day_d(tmp_path: Path, clock: Any) -> dict[str, Any]:
    """Day D: three first reviews (one a yes that opens a send back), a second send back, a disagreement
    resolved, a baseline; then the clock stands at the end of D."""
    factories.body()
    world = factories.inspection_world(tmp_path, rows=100, size=6)
    firsts, lead, ben = world["assignments"], world["lead"], world["ben"]
    baseline(dt.date(2023, 12, 31), "2023 (published)")
    clock.move_to(at(DAY, 10))
    factories.submitted(firsts[0], "good")
    factories.submitted(
        firsts[1], "inadequate", send_back=True, reason="Still at risk", urgency="priority"
    )
    factories.submitted(firsts[2], "requires_improvement")
    factories.sent_back(firsts[0])
    clock.move_to(at(DAY, 11))
    factories.moderated(world["inspection"], [ben], share=0.0)
    factories.submitted(moderation_of(world["inspection"], firsts[1]), "requires_improvement")
    clock.move_to(at(DAY, 12))
    resolution_record(
        sampled_case=firsts[1].sampled_case,
        final_overall="requires_improvement",
        rationale="The second mark is right",
        actor=lead,
    )
    clock.move_to(at(DAY, 23, 59))
    return world


def after_d(world: dict[str, Any], clock: Any) -> None:
    """After D: more reviews, a review reopened and resubmitted, the resolution replaced and a new one made,
    one send back answered and closed, the other answered, a later baseline."""
    firsts, lead, ben, liaison = world["assignments"], world["lead"], world["ben"], world["liaison"]
    inspection = world["inspection"]
    clock.move_to(after(1))
    factories.submitted(firsts[3], "inadequate")
    factories.submitted(firsts[4], "good")
    review_reopen(review=Review.objects.get(assignment=firsts[2]), actor=lead)
    factories.moderated(inspection, [ben], share=0.0)
    factories.submitted(moderation_of(inspection, firsts[3]), "good")
    first_sent, second_sent = SendBack.objects.filter(inspection=inspection).order_by("id")
    for send_back in (first_sent, second_sent):
        sendback_act(
            send_back=send_back,
            action="respond",
            actor=liaison,
            expected_version=send_back.version,
            note="Seen by a social worker",
        )
    clock.move_to(after(2))
    factories.submitted(firsts[2], "good")
    resolution_record(
        sampled_case=firsts[1].sampled_case,
        final_overall="inadequate",
        rationale="On reflection the first review",
        actor=lead,
    )
    resolution_record(
        sampled_case=firsts[3].sampled_case,
        final_overall="requires_improvement",
        rationale="Between the two",
        actor=lead,
    )
    first_sent.refresh_from_db()
    sendback_act(
        send_back=first_sent, action="accept", actor=lead, expected_version=first_sent.version
    )
    baseline(dt.date(2023, 9, 30), "2023 Q3 (published)")
    clock.move_to(after(3))


def test_a_report_regenerated_later_as_of_its_day_is_the_same_bytes(
    tmp_path: Path, clock: Any
) -> None:
    world = day_d(tmp_path, clock)
    inspection = world["inspection"]
    then = cli_report(inspection, DAY)
    then_csv = cli_report(inspection, DAY, "--format", "csv")
    after_d(world, clock)

    again = cli_report(inspection, DAY)
    assert again == then
    assert cli_report(inspection, DAY, "--format", "csv") == then_csv
    assert cli_report(inspection, DAY + dt.timedelta(days=3)) != then


def test_as_of_its_day_a_report_reads_reviews_resolutions_and_send_backs_as_they_stood(
    tmp_path: Path, clock: Any
) -> None:
    world = day_d(tmp_path, clock)
    after_d(world, clock)
    inspection = world["inspection"]

    then = report_for(inspection, as_of=DAY)
    # Three first reviews stood at D: good, inadequate (resolved requires improvement then, inadequate
    # since), requires improvement (reopened and resubmitted good since).
    assert then["reviews"] == 3
    assert {code: g["count"] for code, g in then["grades"].items()} == {
        "good": 1,
        "requires_improvement": 2,
        "inadequate": 0,
    }
    assert then["send_backs"]["count"] == 2
    assert then["send_backs"]["open"] == 2
    assert then["send_backs"]["responses"] == 0
    assert then["send_backs"]["median_days_to_response"] is None
    assert [p["label"] for p in then["trend"] if p["kind"] == "baseline"] == ["2023 (published)"]
    assert then["reproducibility"]["parameters"]["as_of"] == DAY.isoformat()

    now = report_for(inspection, as_of=DAY + dt.timedelta(days=3))
    assert now["reviews"] == 5
    assert {code: g["count"] for code, g in now["grades"].items()} == {
        "good": 3,  # firsts 0, 2 (resubmitted) and 4
        "requires_improvement": 1,  # first 3, as the lead resolved it after D
        "inadequate": 1,  # first 1, resolved again after D
    }
    assert now["send_backs"]["open"] == 1
    assert now["send_backs"]["responses"] == 2
    assert sorted(p["label"] for p in now["trend"] if p["kind"] == "baseline") == [
        "2023 (published)",
        "2023 Q3 (published)",
    ]
    # What reopening and the second resolution overwrote is kept, with when it stopped standing.
    assert ReopenedSubmission.objects.get().overall == "requires_improvement"
    replaced = ReplacedResolution.objects.get()
    assert (replaced.final_overall, replaced.at, replaced.replaced_at) == (
        "requires_improvement",
        at(DAY, 12),
        after(2),
    )
    assert grading_progress(inspection, as_of=DAY) == (3, 6)
    assert grading_progress(inspection) == (5, 6)


def test_a_day_ends_at_midnight_in_london_not_in_utc(tmp_path: Path) -> None:
    """In summer London is an hour ahead: 23:30 UTC on 1 July is already 2 July there."""
    july = dt.date(2026, 7, 1)
    with time_machine.travel(at(july, 9), tick=False) as clock:
        factories.body()
        world = factories.inspection_world(tmp_path, rows=100, size=4)
        firsts = world["assignments"]
        clock.move_to(at(july, 22, 30))  # 23:30 in London on 1 July
        factories.submitted(firsts[0], "good")
        clock.move_to(at(july, 23, 30))  # 00:30 in London on 2 July
        factories.submitted(firsts[1], "inadequate")
        clock.move_to(at(july, 23, 45))
        first = report_for(world["inspection"], as_of=july)
        second = report_for(world["inspection"], as_of=july + dt.timedelta(days=1))
    assert (first["reviews"], first["grades"]["good"]["count"]) == (1, 1)
    assert (second["reviews"], second["grades"]["inadequate"]["count"]) == (2, 1)


def test_as_of_a_day_a_send_back_escalated_later_was_neither_escalated_nor_overdue(
    tmp_path: Path, clock: Any
) -> None:
    factories.body()
    world = factories.inspection_world(tmp_path, rows=100, size=4)
    clock.move_to(at(DAY, 10))
    factories.submitted(
        world["assignment"], "inadequate", send_back=True, reason="At risk", urgency="immediate"
    )
    clock.move_to(after(5))
    assert sendbacks_escalate(today=DAY + dt.timedelta(days=5))

    then = report_for(world["inspection"], as_of=DAY)["send_backs"]
    assert (then["count"], then["open"], then["overdue"]) == (1, 1, 0)
    now = report_for(world["inspection"], as_of=DAY + dt.timedelta(days=5))["send_backs"]
    assert (now["count"], now["open"], now["overdue"]) == (1, 1, 1)


def test_as_of_a_day_a_yes_sent_back_only_later_was_at_risk_and_not_sent_back(
    tmp_path: Path, clock: Any
) -> None:
    """A review kept in a spreadsheet that says yes arrives with no send back; the lead sends it after D."""
    factories.body()
    world = factories.inspection_world(tmp_path, rows=100, size=4)
    inspection = inspection_create(
        body_code="SYN",
        name="Q2",
        period_start=dt.date(2024, 4, 1),
        period_end=dt.date(2024, 6, 30),
        lead=world["lead"],
    )
    ref = world["assignment"].sampled_case.case_ref
    path = tmp_path / "reviews.csv"
    path.write_text(f"case_ref,reviewer,kind,overall,send_back\n{ref},ina,first,Inadequate,yes\n")
    clock.move_to(at(DAY, 10))
    reviews_import(inspection=inspection, path=path, register=world["register"])
    clock.move_to(after(1))
    imported = Assignment.objects.get(sampled_case__sample__inspection=inspection)
    factories.sent_back(imported, actor=world["lead"])

    then = report_for(inspection, as_of=DAY)["send_backs"]
    assert (then["count"], then["at_risk_not_sent_back"]) == (0, 1)
    now = report_for(inspection, as_of=DAY + dt.timedelta(days=1))["send_backs"]
    assert (now["count"], now["at_risk_not_sent_back"]) == (1, 0)


def test_the_reproducibility_block_names_the_commit_and_the_versions(
    tmp_path: Path, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = day_d(tmp_path, clock)
    environment_module.environment.cache_clear()
    monkeypatch.setenv("CASEREVIEW_COMMIT", "0123456789abcdef0123456789abcdef01234567")
    try:
        made = report_for(world["inspection"], as_of=DAY)
    finally:
        environment_module.environment.cache_clear()
    block = made["reproducibility"]
    assert block["commit"] == "0123456789abcdef0123456789abcdef01234567"
    assert list(block["versions"]) == ["python", "django", "scipy", "statsmodels", "polars"]
    import django
    import polars
    import scipy
    import statsmodels

    assert block["versions"]["django"] == django.__version__
    assert block["versions"]["scipy"] == scipy.__version__
    assert block["versions"]["statsmodels"] == statsmodels.__version__
    assert block["versions"]["polars"] == polars.__version__
    rows = flat_rows(made)
    assert ("reproducibility", "", "commit", block["commit"]) in rows
    assert ("reproducibility", "version", "scipy", scipy.__version__) in rows
    # The typed report reads its own document back, and a document from before reads back unchanged.
    typed = inspection_report(world["inspection"], as_of=DAY)
    assert Reproducibility.from_json(typed.reproducibility.to_json()) == typed.reproducibility
    old = {k: v for k, v in block.items() if k not in ("commit", "versions")}
    assert Reproducibility.from_json(old).to_json() == old


def test_without_the_variable_the_commit_is_the_checkouts_head_or_unknown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CASEREVIEW_COMMIT", raising=False)
    found = environment_module.commit()
    root = environment_module.PACKAGE.parent.parent
    if (root / ".git").exists():
        assert len(found) == 40 and int(found, 16) >= 0
    else:
        assert found == "unknown"
    monkeypatch.setattr(
        environment_module, "PACKAGE", Path("/nonexistent/site-packages/casereview")
    )
    assert environment_module.commit() == "unknown"


def test_the_report_page_shows_the_commit_and_the_versions(tmp_path: Path, clock: Any) -> None:
    world = day_d(tmp_path, clock)
    client = factories.verified_client(world["lead"])
    page = client.get(f"/reports/inspection/{world['inspection'].pk}/").content.decode()
    block = report_for(world["inspection"])["reproducibility"]
    assert f'Commit <code class="cr-break">{block["commit"]}</code>' in page
    assert f"statsmodels {block['versions']['statsmodels']}" in page


def test_the_backfill_recovers_replaced_resolutions_from_the_journal(
    tmp_path: Path, clock: Any
) -> None:
    """Resolutions replaced before the history table existed come back from the journal (no rationale)."""
    import importlib

    world = day_d(tmp_path, clock)
    case = world["assignments"][1].sampled_case
    for hour, grade in ((13, "inadequate"), (14, "requires_improvement")):
        clock.move_to(at(DAY, hour))
        resolution_record(
            sampled_case=case, final_overall=grade, rationale="Again", actor=world["lead"]
        )
    kept = list(
        ReplacedResolution.objects.order_by("at").values_list("final_overall", "at", "replaced_at")
    )
    ReplacedResolution.objects.all().delete()  # as before the migration
    migration = importlib.import_module("casereview.web.reviews.migrations.0004_as_of_history")
    migration.backfill(django_apps, None)
    assert kept == [
        ("requires_improvement", at(DAY, 12), at(DAY, 13)),
        ("inadequate", at(DAY, 13), at(DAY, 14)),
    ]
    assert list(
        ReplacedResolution.objects.order_by("at").values_list(
            "final_overall", "at", "replaced_at", "rationale", "by"
        )
    ) == [(*row, "", world["lead"].pk) for row in kept]
    assert Resolution.objects.get(sampled_case=case).final_overall == "requires_improvement"
