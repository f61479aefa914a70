"""Reports end to end: the CLI in every format, the pages, publishing, scoping, reproducibility."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from casereview.cli import app
from casereview.web.journal.models import JournalEntry
from casereview.web.registers.models import Body
from casereview.web.registers.services import register_import
from casereview.web.reviews.models import Assignment

from . import factories
from .conftest import verified_client
from .sheets import xlsx_text

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()


def inspection_with_grades(
    lead: Any,
    inspector: Any,
    register_file: Path,
    *,
    name: str,
    period_end: dt.date,
    grades: list[str],
    weaknesses: tuple[str, ...] = (),
) -> Any:
    inspection = factories.inspection(
        lead=lead, name=name, period_start=period_end - dt.timedelta(days=90), period_end=period_end
    )
    register = register_import(path=register_file, body_code="SYN")
    factories.sample(inspection, register, size=len(grades), reserve=1)
    for assignment, grade in zip(factories.assigned(inspection, [inspector]), grades, strict=True):
        factories.submitted(
            assignment, grade, weaknesses=weaknesses if grade == "inadequate" else ()
        )
    return inspection


@pytest.fixture
def world(
    make_user: Callable[..., Any], body: Body, register_csv: Callable[..., Path]
) -> dict[str, Any]:
    lead, ina = make_user("lead_inspector", "lead"), make_user("inspector", "ina")
    earlier = inspection_with_grades(
        lead,
        ina,
        register_csv(rows=300, seed=1, name="a.csv"),
        name="Q4 2023",
        period_end=dt.date(2023, 12, 31),
        grades=["good"] * 8 + ["inadequate"] * 2,
        weaknesses=("W02",),
    )
    now = inspection_with_grades(
        lead,
        ina,
        register_csv(rows=300, seed=2, name="b.csv"),
        name="Q1 2024",
        period_end=dt.date(2024, 3, 31),
        grades=["good"] * 3 + ["requires_improvement"] * 2 + ["inadequate"] * 7,
        weaknesses=("W02", "W07"),
    )
    return {"lead": lead, "ina": ina, "earlier": earlier, "now": now, "register_csv": register_csv}


def cli_json(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_the_json_report_has_the_issue_s_shape_and_the_final_grades(world: dict[str, Any]) -> None:
    report = cli_json("report", str(world["now"].pk), "--format", "json")
    assert report["reviews"] == 12
    assert {k: v["count"] for k, v in report["grades"].items()} == {
        "good": 3,
        "requires_improvement": 2,
        "inadequate": 7,
    }
    combined = report["requires_improvement_or_inadequate"]
    assert (
        combined["count"] == 9
        and 0 < combined["ci_low"] < combined["share"] < combined["ci_high"] < 1
    )
    (c,) = report["comparisons"]
    assert c["against"] == "Q4 2023" and c["period_end"] == "2023-12-31"
    assert c["share_then"] == pytest.approx(0.2) and c["share_now"] == pytest.approx(0.75)
    assert (
        c["test"] == "two-proportion z-test" and c["direction"] == "worse" and c["p_value"] < 0.05
    )  # every expected count is 5 or more
    assert set(report["agreement"]) >= {
        "pairs",
        "percent_agreement",
        "cohen_kappa",
        "weighted_kappa_linear",
    }
    assert (
        report["sample"]["drawn_in_casereview"] is True
        and report["sample"]["late_commitment"] is False
    )
    weakness = {w["code"]: w for w in report["weaknesses"]}
    assert weakness["W02"]["count"] == 7 and weakness["W02"]["recurring"] is True
    assert weakness["W07"]["recurring"] is False and report["weakness_baseline"] == "Q4 2023"
    assert [p["label"] for p in report["trend"]] == ["Q4 2023", "Q1 2024"]
    entry = JournalEntry.objects.filter(action="report_generate").order_by("-seq").first()
    assert (
        entry is not None and entry.operation == "disclosure" and entry.detail["format"] == "json"
    )


def test_a_lead_s_resolution_is_the_final_grade(world: dict[str, Any]) -> None:
    from casereview.web.reviews.models import Resolution

    first = (
        Assignment.objects.filter(sampled_case__sample__inspection=world["now"], kind="first")
        .order_by("id")
        .first()
    )
    assert first is not None
    Resolution.objects.create(
        sampled_case=first.sampled_case,
        final_overall="inadequate",
        rationale="moderated",
        by=world["lead"],
        at=dt.datetime.now(dt.UTC),
    )
    report = cli_json("report", str(world["now"].pk))
    assert report["grades"]["good"]["count"] == 2 and report["grades"]["inadequate"]["count"] == 8


def test_regenerating_gives_the_same_figures_and_check_says_so(
    world: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "r.json"
    # As of today: the reviews were submitted today, so a report as of an earlier day would read none.
    day = timezone.localdate().strftime("%d/%m/%Y")
    assert (
        runner.invoke(
            app, ["report", str(world["now"].pk), "--out", str(out), "--as-of", day]
        ).exit_code
        == 0
    )
    again = cli_json("report", str(world["now"].pk), "--as-of", day)
    assert json.loads(out.read_text()) == again
    checked = runner.invoke(app, ["report", str(world["now"].pk), "--check", str(out)])
    assert checked.exit_code == 0 and json.loads(checked.stdout)["same_figures"] is True
    published = tmp_path / "p.json"
    runner.invoke(app, ["report", str(world["now"].pk), "--published", "--out", str(published)])
    assert (
        runner.invoke(app, ["report", str(world["now"].pk), "--check", str(published)]).exit_code
        == 0
    )
    last = (
        Assignment.objects.filter(sampled_case__sample__inspection=world["now"])
        .order_by("-id")
        .first()
    )
    assert last is not None
    from casereview.web.reviews.models import Review

    Review.objects.filter(assignment=last).update(overall="good")  # the data changed since
    changed = runner.invoke(app, ["report", str(world["now"].pk), "--check", str(out)])
    assert changed.exit_code == 1 and json.loads(changed.stdout)["same_figures"] is False
    (tmp_path / "junk.json").write_text("not json")
    assert (
        runner.invoke(
            app, ["report", str(world["now"].pk), "--check", str(tmp_path / "junk.json")]
        ).exit_code
        == 2
    )


def test_every_format_from_the_cli(world: dict[str, Any], tmp_path: Path) -> None:
    import openpyxl
    from pypdf import PdfReader

    pk = str(world["now"].pk)
    html = tmp_path / "r.html"
    assert runner.invoke(app, ["report", pk, "--format", "html", "--out", str(html)]).exit_code == 0
    page = html.read_text()
    assert "95% interval" in page and "<svg" in page and "Q4 2023" in page
    pdf = tmp_path / "r.pdf"
    result = runner.invoke(app, ["report", pk, "--format", "pdf", "--out", str(pdf)])
    assert result.exit_code == 0, result.output
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Overall grades" in text and "Q1 2024" in text
    csv_text = runner.invoke(app, ["report", pk, "--format", "csv"]).stdout
    assert (
        csv_text.splitlines()[0] == "section,row,measure,value"
        and "grades,good,count,3" in csv_text
    )
    xlsx = tmp_path / "r.xlsx"
    assert runner.invoke(app, ["report", pk, "--format", "xlsx", "--out", str(xlsx)]).exit_code == 0
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames[:4] == ["Cover", "Contents", "Notes", "Overall_grades"]
    sheet = book["Overall_grades"]
    (table,) = sheet.tables.values()  # the statistical spreadsheet: one table per sheet
    header, *rows = sheet[table.ref]
    assert [c.value for c in header][:3] == ["Grade", "Cases", "Graded cases"]
    assert ["Good", 3] in [[c.value for c in row][:2] for row in rows]
    ods = tmp_path / "r.ods"
    assert runner.invoke(app, ["report", pk, "--format", "ods", "--out", str(ods)]).exit_code == 0
    assert ods.read_bytes()[:2] == b"PK" and b"opendocument.spreadsheet" in ods.read_bytes()[:100]
    tables = tmp_path / "r.zip"
    made = runner.invoke(app, ["report", pk, "--format", "tables", "--out", str(tables)])
    assert made.exit_code == 0 and tables.read_bytes()[:2] == b"PK"
    for fmt in ("xlsx", "ods", "tables"):
        assert runner.invoke(app, ["report", pk, "--format", fmt]).exit_code == 2  # needs --out
    assert runner.invoke(app, ["report", pk, "--format", "docx"]).exit_code == 2
    assert not list(tmp_path.glob("*.part"))


def test_user_text_is_escaped_neutralised_and_never_fetched(
    world: dict[str, Any], tmp_path: Path
) -> None:
    import openpyxl
    from pypdf import PdfReader

    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        name = f'=HYPERLINK("x")<img src="http://127.0.0.1:{server.server_port}/leak.png"><script>alert(1)</script>'
        inspection = world["now"]
        inspection.name = name
        inspection.save(update_fields=["name"])
        pk = str(inspection.pk)
        html = runner.invoke(app, ["report", pk, "--format", "html"]).stdout
        assert (
            "<script>alert(1)</script>" not in html
            and "&lt;script&gt;" in html
            and "<img" not in html
        )
        pdf = tmp_path / "r.pdf"
        assert (
            runner.invoke(app, ["report", pk, "--format", "pdf", "--out", str(pdf)]).exit_code == 0
        )
        assert "<script>alert(1)</script>" in "".join(
            p.extract_text() for p in PdfReader(pdf).pages
        ).replace("\n", "")
        xlsx = tmp_path / "r.xlsx"
        runner.invoke(app, ["report", pk, "--format", "xlsx", "--out", str(xlsx)])
        cells = [
            c
            for sheet in openpyxl.load_workbook(xlsx).worksheets
            for row in sheet.iter_rows()
            for c in row
        ]
        assert not any(c.data_type == "f" for c in cells)
        assert any(c.value == "'" + name for c in cells)
        csv_text = runner.invoke(app, ["report", pk, "--format", "csv"]).stdout
        import csv as _csv

        fields = [f for row in _csv.reader(io.StringIO(csv_text)) for f in row]
        assert "'" + name in fields and not any(f.startswith(("=", "+", "-", "@")) for f in fields)
    finally:
        server.shutdown()
    assert hits == []


def test_baselines_with_weaknesses_are_checked_and_become_the_recurrence_baseline(
    world: dict[str, Any],
) -> None:
    def add(*extra: str) -> Any:
        return runner.invoke(
            app,
            [
                "baseline",
                "add",
                "--body",
                "SYN",
                "--label",
                "Published 2022",
                "--period-end",
                "31/03/2022",
                "--total",
                "135",
                "--ri-or-inadequate",
                "125",
                *extra,
            ],
        )

    assert add("--weakness", "W99=3").exit_code == 2
    assert add("--weakness", "W02=200").exit_code == 2
    assert add("--weakness", "W02").exit_code == 2
    assert (
        runner.invoke(
            app,
            [
                "baseline",
                "add",
                "--body",
                "SYN",
                "--label",
                "x",
                "--period-end",
                "31/03/2022",
                "--total",
                "10",
                "--ri-or-inadequate",
                "5",
                "--good",
                "5",
                "--requires-improvement",
                "2",
                "--inadequate",
                "2",
            ],
        ).exit_code
        == 2
    )  # parts do not add up
    assert add("--weakness", "W02=60", "--weakness", "w07=0").exit_code == 0
    report = cli_json("report", str(world["now"].pk))
    assert [c["against"] for c in report["comparisons"]] == ["Published 2022", "Q4 2023"]
    assert (
        report["comparisons"][0]["test"] == "Fisher's exact test"
    )  # 3 of 12 good now: an expected count under 5
    assert report["weakness_baseline"] == "Published 2022"
    w02 = next(w for w in report["weaknesses"] if w["code"] == "W02")
    assert w02["recurring"] is True and w02["recurrence"][0]["count_then"] == 60
    assert next(w for w in report["weaknesses"] if w["code"] == "W07")["recurring"] is False


def test_the_lead_reads_downloads_and_publishes_and_readers_see_only_what_they_may(
    world: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    from pypdf import PdfReader

    from casereview.web.referrals.services import body_contact_add
    from casereview.web.registers.services import body_add

    lead = verified_client(world["lead"])
    pk = world["now"].pk
    page = lead.get(f"/reports/inspection/{pk}/")
    assert (
        page.status_code == 200
        and b"Requires improvement or inadequate" in page.content
        and b"<svg" in page.content
    )
    preview = lead.get(f"/reports/inspection/{pk}/?published=1")
    assert b"[c]" in preview.content  # 2 requires improvement, suppressed
    for fmt, magic in (
        ("pdf", b"%PDF"),
        ("xlsx", b"PK"),
        ("ods", b"PK"),
        ("tables", b"PK"),
        ("json", b"{"),
        ("csv", b"\xef\xbb\xbfsection"),
        ("html", b"<!DOCTYPE"),
    ):
        got = lead.get(f"/reports/inspection/{pk}/download/?format={fmt}")
        assert got.status_code == 200 and got.content.startswith(magic), fmt
        assert got["Content-Disposition"].startswith("attachment;")
    assert lead.get(f"/reports/inspection/{pk}/download/?format=exe").status_code == 404
    downloads = JournalEntry.objects.filter(action="report_generate", actor_name="lead").count()
    assert downloads >= 7
    for fmt in ("xlsx", "ods", "tables"):  # the spreadsheets are journaled as every download is
        assert JournalEntry.objects.filter(
            action="report_generate", actor_name="lead", detail__format=fmt
        ).exists(), fmt
    published = lead.post(f"/reports/inspection/{pk}/publish/")
    assert published.status_code == 302
    publication = world["now"].publications.get()
    assert (
        publication.data["published"] is True
        and publication.data["grades"]["requires_improvement"]["count"] == "[c]"
    )
    assert JournalEntry.objects.filter(action="report_publish", object_id=str(pk)).exists()

    analyst = verified_client(make_user("analyst", "ana"))
    listing = analyst.get("/reports/")
    assert listing.status_code == 200 and b"Q1 2024" in listing.content
    shown = analyst.get(f"/reports/{publication.pk}/")
    assert shown.status_code == 200 and b"[c]" in shown.content
    for case_ref in world["now"].samples.get().cases.values_list("case_ref", flat=True):
        assert case_ref.encode() not in shown.content
    pdf = analyst.get(f"/reports/{publication.pk}/download/?format=pdf")
    assert pdf.status_code == 200
    assert "Q1 2024" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert analyst.get(f"/reports/inspection/{pk}/").status_code == 404  # never the full report

    ours, theirs = make_user("liaison_officer", "ours"), make_user("liaison_officer", "theirs")
    body_contact_add(body=world["now"].body, user=ours, kind="liaison")
    body_contact_add(body=body_add(code="OTH", name="Other"), user=theirs, kind="liaison")
    assert verified_client(ours).get(f"/reports/{publication.pk}/").status_code == 200
    assert verified_client(theirs).get(f"/reports/{publication.pk}/").status_code == 404
    assert b"Q1 2024" not in verified_client(theirs).get("/reports/").content
    assert verified_client(world["ina"]).get(f"/reports/{publication.pk}/").status_code == 404
    other_lead = verified_client(make_user("lead_inspector", "other-lead"))
    assert other_lead.get(f"/reports/inspection/{pk}/").status_code == 404
    assert other_lead.post(f"/reports/inspection/{pk}/publish/").status_code == 404


def test_publishing_is_refused_until_every_case_is_graded_and_needs_csrf(
    world: dict[str, Any], register_csv: Callable[..., Path]
) -> None:
    from django.test import Client

    unfinished = factories.inspection(
        lead=world["lead"],
        name="Q2 2024",
        period_start=dt.date(2024, 4, 1),
        period_end=dt.date(2024, 6, 30),
    )
    register = register_import(path=register_csv(rows=50, seed=3, name="c.csv"), body_code="SYN")
    factories.sample(unfinished, register, size=4)
    lead = verified_client(world["lead"])
    refused = lead.post(f"/reports/inspection/{unfinished.pk}/publish/")
    assert (
        refused.status_code == 409
        and b"4 of 4 sampled cases have no submitted review" in refused.content
    )
    assert not unfinished.publications.exists()
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = lead.cookies
    assert strict.post(f"/reports/inspection/{world['now'].pk}/publish/").status_code == 403


def test_the_national_trend(world: dict[str, Any]) -> None:
    trend = cli_json("trend")
    (body,) = trend["bodies"]
    assert body["body"] == "SYN" and [p["inspection"] for p in body["series"]] == [
        "Q4 2023",
        "Q1 2024",
    ]
    assert body["series"][1]["change_from_previous"]["against"] == "Q4 2023"
    assert [q["quarter"] for q in trend["quarters"]] == ["2023-Q4", "2024-Q1"]
    assert trend["quarters"][1]["share"] == pytest.approx(0.75)
    csv_text = runner.invoke(app, ["trend", "--format", "csv", "--body", "syn"]).stdout
    assert "national,2024-03-31,reviews,12" in csv_text
    # Each quarter's method and its change from the quarter before, in the CSV too (issue 21).
    assert f"national,2024-03-31,method_code,{trend['quarters'][1]['method_code']}" in csv_text
    change = trend["quarters"][1]["change_from_previous"]
    assert change["against"] == "2023-Q4" and "Wald test" in change["test"]
    assert f"national,2024-03-31,change_direction,{change['direction']}" in csv_text
    assert "funnel,,centre," in csv_text
    empty = cli_json("trend", "--body", "NONE")
    assert (empty["quarters"], empty["bodies"]) == ([], [])
    assert empty["funnel"]["centre"] is None and empty["funnel"]["points"] == []


def test_a_check_file_that_is_not_a_report_changes_nothing_even_for_a_sample_without_links(
    world: dict[str, Any], tmp_path: Path
) -> None:
    from casereview.web.inspections.models import SampleLinks

    # A sample drawn before links existed: a report computes its links first, but only once it will be made.
    SampleLinks.objects.filter(sample__inspection=world["now"]).delete()
    before = JournalEntry.objects.count()
    (tmp_path / "junk.json").write_text("not json")
    refused = CliRunner().invoke(
        app, ["report", str(world["now"].pk), "--check", str(tmp_path / "junk.json")]
    )
    assert refused.exit_code == 2
    assert not SampleLinks.objects.filter(sample__inspection=world["now"]).exists()
    assert JournalEntry.objects.count() == before
    made = CliRunner().invoke(app, ["report", str(world["now"].pk)])
    assert made.exit_code == 0
    assert SampleLinks.objects.filter(sample__inspection=world["now"]).exists()


def test_a_preview_cannot_pass_for_a_publication_in_any_format(
    world: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    from pypdf import PdfReader

    from casereview.web.reports.selectors import grading_progress

    pk = world["now"].pk
    graded, sampled = grading_progress(world["now"])
    words = f"Preview – not published – {graded} of {sampled} cases graded"
    lead = verified_client(world["lead"])
    page = lead.get(f"/reports/inspection/{pk}/?published=1")
    assert words in page.content.decode()

    def text_of(fmt: str, content: bytes) -> str:
        if fmt == "pdf":
            return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
        if fmt == "xlsx":
            return xlsx_text(content)  # every sheet: the cover says what it is
        if fmt == "ods":
            from odf.opendocument import load
            from odf.table import TableCell

            cells = load(io.BytesIO(content)).spreadsheet.getElementsByType(TableCell)
            return " ".join(str(c) for c in cells)
        return content.decode("utf-8-sig")

    for fmt in ("json", "csv", "xlsx", "ods", "html", "pdf"):
        got = lead.get(
            f"/reports/inspection/{pk}/download/?format=fmt&published=1".replace("fmt", fmt)
        )
        assert got.status_code == 200, fmt
        assert got["Content-Disposition"].endswith(f'-preview.{fmt}"'), got["Content-Disposition"]
        shown = " ".join(text_of(fmt, got.content).split())  # PDF text breaks lines anywhere
        assert words in shown, fmt
    # The same from the command line; a publication itself says nothing of the kind.
    cli = CliRunner().invoke(app, ["report", str(pk), "--published"])
    assert cli.exit_code == 0 and json.loads(cli.stdout)["preview"]["label"] == words
    lead.post(f"/reports/inspection/{pk}/publish/")
    publication = world["now"].publications.get()
    assert "preview" not in publication.data
    analyst = verified_client(make_user("analyst", "ana"))
    for fmt in ("json", "csv", "html"):
        got = analyst.get(f"/reports/{publication.pk}/download/?format={fmt}")
        assert "Preview" not in got.content.decode("utf-8-sig")
        assert "-preview" not in got["Content-Disposition"]


def test_an_earlier_inspection_recorded_every_weakness_so_one_it_never_found_is_compared_from_zero(
    world: dict[str, Any],
) -> None:
    # Q4 2023 found W02 only; W07, found now in 7 of 12, was looked for then and found in none (issue 21's
    # review: it had been reported "not recorded at baseline" and left untested).
    report = cli_json("report", str(world["now"].pk), "--format", "json")
    w07 = next(w for w in report["weaknesses"] if w["code"] == "W07")
    assert w07["recorded_at_baseline"] is True
    (then,) = w07["recurrence"]
    assert (then["against"], then["count_then"], then["total_then"]) == ("Q4 2023", 0, 10)
    assert then["family"] == "exploratory"


def test_the_report_reads_as_words_and_its_json_and_csv_keep_the_codes(
    world: dict[str, Any],
) -> None:
    import re

    import openpyxl

    from .test_published_formats import html_text

    lead = verified_client(world["lead"])
    pk = world["now"].pk
    page = lead.get(f"/reports/inspection/{pk}/").content.decode()
    body = html_text(page, within="report-body")
    framework = world["now"].framework  # e.g. "child-protection/1"
    assert "Inspected body Synthetic Constabulary (SYN)" in body
    assert "Period 1 January 2024 to 31 March 2024" in body
    name, _, version = framework.partition("/")
    assert f"framework, version {version}" in body and name.replace("-", " ").capitalize() in body
    assert (
        "Keyed-hash ranking (HMAC-SHA256), version 1" in body and "hmac-sha256-rank/1" not in body
    )
    assert "(s)" not in body and "case(s)" not in page
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", body), "an ISO date on the page"
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", body), re.findall(r"\b[a-z]+_[a-z_]+\b", body)[:5]

    document = json.loads(lead.get(f"/reports/inspection/{pk}/download/?format=json").content)
    assert (
        document["inspection"]["body"] == "SYN" and document["inspection"]["framework"] == framework
    )
    assert document["inspection"]["body_name"] == "Synthetic Constabulary"
    assert document["inspection"]["period"] == ["2024-01-01", "2024-03-31"]
    csv_text = lead.get(f"/reports/inspection/{pk}/download/?format=csv").content.decode(
        "utf-8-sig"
    )
    assert f"inspection,,framework,{framework}" in csv_text
    assert "inspection,,period_end,2024-03-31" in csv_text
    sheet = openpyxl.load_workbook(
        io.BytesIO(lead.get(f"/reports/inspection/{pk}/download/?format=xlsx").content)
    )["Cover"]
    lines = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    cover = dict(zip(lines[::2], lines[1::2], strict=True))  # each heading, then its text
    assert cover["Period"] == "1 January 2024 to 31 March 2024"
    assert cover["Body"] == "Synthetic Constabulary"
    assert str(cover["Framework"]).endswith(f"framework, version {version}")
    assert not [v for v in cover.values() if re.search(r"\b\d{4}-\d{2}-\d{2}\b", str(v))]
