"""Reports and trends: an inspection's report (or a check that it still has the same figures), the national
trend, and published results from before casereview."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from casereview.domain import publication as publication_rules
from casereview.domain.funnel import funnel_rows
from casereview.domain.language import ENGLISH, LANGUAGES
from casereview.domain.linked import Audit
from casereview.domain.publication import published as publish
from casereview.domain.trend_publication_text import audit_line, published_rows, published_text
from casereview.domain.trends import point_rows, quarter_rows
from casereview.web.inspections.selectors import inspection_by_id
from casereview.web.reports import rendering
from casereview.web.reports.rendering import csv_text
from casereview.web.reports.selectors import report_document, report_for
from casereview.web.reports.services import (
    baseline_add,
    report_disclosed,
    report_links_refresh,
)
from casereview.web.reports.trend_selectors import national_trend, national_trend_disclosed

from .shared import (
    EXIT_REJECTED,
    by_id_or_reject,
    err,
    out,
    parse_date,
    print_json,
    reject,
    write_atomically,
)


def baseline_add_command(
    body: Annotated[str, typer.Option(help="Code of the body")],
    label: Annotated[str, typer.Option(help="e.g. 'Inspection 2022 (published)'")],
    period_end: Annotated[str, typer.Option(help="Last day of the period, dd/mm/yyyy")],
    total: Annotated[int, typer.Option(help="Cases graded")],
    ri_or_inadequate: Annotated[
        int,
        typer.Option("--ri-or-inadequate", help="Cases graded requires improvement or inadequate"),
    ],
    good: Annotated[int | None, typer.Option(help="Cases graded good")] = None,
    requires_improvement: Annotated[
        int | None, typer.Option(help="Cases graded requires improvement")
    ] = None,
    inadequate: Annotated[int | None, typer.Option(help="Cases graded inadequate")] = None,
    weakness: Annotated[
        list[str] | None,
        typer.Option(help="CODE=CASES for a weakness the published result counted; repeat"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Record a published result that predates casereview, for trends, comparisons and weakness recurrence."""
    made = baseline_add(
        body_code=body,
        label=label,
        period_end=parse_date(period_end),
        total=total,
        ri_or_inadequate=ri_or_inadequate,
        good=good,
        requires_improvement=requires_improvement,
        inadequate=inadequate,
        weaknesses=weakness,
    )
    if as_json:
        print_json({"baseline_id": made.pk, "body": made.body.code, "label": made.label})
    else:
        out.print(f"Recorded baseline {made.pk} for {made.body.code}: {made.label}")


def _check(found: Any, day: dt.date | None, check: Path) -> NoReturn:
    """Regenerate the report ``check`` holds and compare figures: exit 0 when the same, 1 when not."""
    try:
        earlier = json.loads(check.read_text(encoding="utf-8"))
        recorded = earlier["reproducibility"]
        day = day or parse_date(recorded["parameters"]["as_of"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        err.print(f"[red]{check} is not a casereview JSON report: {exc}[/red]")
        raise typer.Exit(EXIT_REJECTED) from exc
    report_links_refresh(inspection=found)  # after the file is read: a bad file changes nothing
    data = report_for(found, as_of=day)
    if earlier.get("published"):
        data = publish(data)
    now = data["reproducibility"]
    same = now["figures_sha256"] == recorded.get("figures_sha256")
    print_json(
        {
            "same_figures": same,
            "same_input": now["input_sha256"] == recorded.get("input_sha256"),
            "figures_sha256": now["figures_sha256"],
            "recorded_figures_sha256": recorded.get("figures_sha256"),
            "as_of": now["parameters"]["as_of"],
        }
    )
    raise typer.Exit(0 if same else 1)


AUDIT_PASSED = "Audit passed: every hidden count is protected"


def audit_lines(audit: Audit) -> list[str]:
    """``report --audit`` as text: each hidden quantity's proven range, then the verdict (with the reasons)."""
    lines = [r.words() for r in audit.ranges] or ["No count is hidden."]
    if audit.passed:
        return [*lines, AUDIT_PASSED]
    failures = audit.failures
    return [
        *lines,
        f"Audit failed: {len(failures):,} hidden {'count is' if len(failures) == 1 else 'counts are'} "
        "not protected; the report cannot be published",
        *(f"- {reason}" for reason in audit.reasons()),
    ]


def _audit(found: Any, day: dt.date | None, *, as_json: bool, out_path: Path | None) -> NoReturn:
    """Audit the published version: every hidden count's range, exit 0 when all are protected, 1 when not."""
    report_links_refresh(inspection=found)
    # Through the module, so that the one test of a failing audit can stand one in.
    made = publication_rules.publish(report_for(found, as_of=day))
    audit = made.audit.to_json()
    text = (
        json.dumps(audit, default=str) + "\n"
        if as_json
        else "\n".join(audit_lines(made.audit)) + "\n"
    )
    report_disclosed(
        actor=None,
        inspection_id=found.pk,
        fmt="audit-json" if as_json else "audit",
        published=True,
        actor_name="cli",
        figures_sha256=made.document["reproducibility"]["figures_sha256"],
        audit=audit,
    )
    _emit(text, out_path, "the audit")
    raise typer.Exit(0 if made.audit.passed else 1)


def report(
    inspection: Annotated[int, typer.Argument(metavar="INSPECTION")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="json, html, pdf, csv (long rows), xlsx or ods (the statistical spreadsheet), "
            "or tables (a ZIP of one CSV per table)",
        ),
    ] = "json",
    published: Annotated[
        bool,
        typer.Option(
            "--published",
            help="Suppress small numbers for publication; no case references, no free text",
        ),
    ] = False,
    out_path: Annotated[
        Path | None,
        typer.Option("--out", help="Write to this file (needed for pdf, xlsx, ods and tables)"),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Figures as they stood at the end of this day (London time), dd/mm/yyyy (default today): "
            "reviews, resolutions, send backs and baselines as recorded by then; give a report's as_of "
            "to regenerate it byte for byte",
        ),
    ] = None,
    check: Annotated[
        Path | None,
        typer.Option(
            "--check",
            help="Regenerate and compare with this JSON report: exit 0 when the figures are the same, 1 when not",
        ),
    ] = None,
    audit: Annotated[
        bool,
        typer.Option(
            "--audit",
            help="With --published: attack the published version and print each hidden count's proven "
            "range; exit 0 when every one is protected, 1 when not",
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="With --audit: the audit as JSON (with its sha256)")
    ] = False,
    language: Annotated[
        str,
        typer.Option(
            "--language",
            help="The language the report is written in: en-gb (English, the report of record) or cy "
            "(Welsh: the same figures, codes and digests, in Welsh words)",
        ),
    ] = ENGLISH,
) -> None:
    """An inspection's report: grades with 95% Wilson intervals, breakdowns, trends, weaknesses, send backs, agreement."""
    if audit and not published:
        reject(
            "[red]--audit audits the published version: give --published --audit "
            "(the full report hides nothing)[/red]"
        )
    if as_json and not audit:
        reject("[red]--json goes with --audit (a report's format is chosen with --format)[/red]")
    if audit and check is not None:
        reject("[red]--audit and --check cannot be combined[/red]")
    if fmt not in rendering.FORMATS:
        reject(f"[red]--format must be one of {', '.join(rendering.FORMATS)}[/red]")
    if fmt in rendering.BINARY_FORMATS and out_path is None and check is None and not audit:
        reject(f"[red]--format {fmt} needs --out PATH[/red]")
    found = by_id_or_reject(inspection_by_id, inspection, "inspection")
    day = parse_date(as_of) if as_of else None
    if check is not None:
        _check(found, day, check)
    if audit:
        _audit(found, day, as_json=as_json, out_path=out_path)
    if language not in LANGUAGES:
        reject(f"[red]--language must be one of {', '.join(LANGUAGES)}[/red]")
    report_links_refresh(inspection=found)
    data = report_document(found, as_of=day, language=language, preview=published)
    made = rendering.render(data, fmt, language)
    report_disclosed(
        actor=None,
        inspection_id=found.pk,
        fmt=fmt,
        published=published,
        actor_name="cli",
        figures_sha256=data["reproducibility"]["figures_sha256"],
        language=language,
    )
    if out_path is None:
        sys.stdout.write(made.content.decode("utf-8").lstrip("\ufeff"))
    else:
        write_atomically(out_path, made.content)
        out.print(f"Wrote the {fmt} report to {out_path}")


def _trend_rows(data: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The national trend as (who, period_end, key, value) rows: the national estimate, then each body."""
    rows: list[tuple[Any, ...]] = []
    for q in data["quarters"]:
        rows += [
            ("national", q["period_end"], key, q[key])
            for key in ("bodies", "reviews", "share", "ci_low", "ci_high")
        ]
        rows += quarter_rows(q)
    for b in data["bodies"]:
        for point in b["series"]:
            rows += [
                (b["body"], point["period_end"], key, point[key])
                for key in ("reviews", "count", "share", "ci_low", "ci_high")
            ]
            if point.get("change_from_previous"):
                rows.append(
                    (
                        b["body"],
                        point["period_end"],
                        "direction",
                        point["change_from_previous"]["direction"],
                    )
                )
            rows += point_rows(b["body"], point)
    return rows + funnel_rows(data.get("funnel"))


def _published_trend(
    codes: list[str] | None, fmt: str, as_json: bool, out_path: Path | None
) -> None:
    """``trend --published``: the suppressed, audited trend as a table (or JSON, or CSV) and its audit line.

    Suppressed and audited over every body; ``--body`` then keeps only those bodies' series.  Journaled as a
    disclosure; refused (exit 2, nothing printed) when the audit fails."""
    kind = "json" if as_json else ("csv" if fmt == "csv" else "text")
    document, audit = national_trend_disclosed(
        actor=None, actor_name="cli", fmt=kind, body_codes=codes
    )
    if not audit.passed:
        err.print("The national trend cannot be published: its audit failed.", markup=False)
        for reason in audit.reasons():
            err.print(f"  {reason}", markup=False)
        raise typer.Exit(EXIT_REJECTED)
    if kind == "json":
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    elif kind == "csv":
        text = csv_text(published_rows(document))
    else:
        text = published_text(document)
    _emit(text, out_path, "the published national trend")
    if kind != "text":
        err.print(audit_line(document), markup=False)


def _emit(text: str, out_path: Path | None, what: str) -> None:
    """Text to standard output, or written whole to ``out_path`` with a line saying so."""
    if out_path is None:
        sys.stdout.write(text)
    else:
        write_atomically(out_path, text.encode("utf-8"))
        out.print(f"Wrote {what} to {out_path}")


def trend(
    body: Annotated[
        list[str] | None,
        typer.Option(help="Only this body (repeat for several); default every body"),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="json or csv")] = "json",
    out_path: Annotated[Path | None, typer.Option("--out", help="Write to this file")] = None,
    published: Annotated[
        bool,
        typer.Option(
            "--published",
            help="The published version: small counts hidden as [c], audited over every body; a table "
            "unless --json (or --format csv)",
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="With --published: the published JSON document")
    ] = False,
) -> None:
    """The national trend: each body's share requires improvement or inadequate per inspection (design-weighted
    where its sample was not proportional), every quarter's national estimate with its method and its change
    from the quarter before, and a funnel plot of the bodies' latest points."""
    if fmt not in ("json", "csv"):
        reject("[red]--format must be json or csv[/red]")
    codes = [b.strip().upper() for b in body] if body else None
    if published:
        _published_trend(codes, fmt, as_json, out_path)
        return
    data = national_trend(codes)
    if fmt == "json":
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        text = csv_text(_trend_rows(data))
    _emit(text, out_path, "the national trend")
