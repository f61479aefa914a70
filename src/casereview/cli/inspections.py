"""Inspections and their samples: open one, commit its seed, size, draw, verify and replace a sample, links,
and the frameworks inspections grade against."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from casereview.domain.framework import FrameworkError
from casereview.domain.links import LinkRules, LinkRulesError, count_related
from casereview.domain.plans import parse_plan
from casereview.domain.power import METHOD as POWER_METHOD
from casereview.domain.power import (
    POWER,
    UPPER_BOUND_METHOD,
    percent,
    rule_of_three,
    size_for_upper_bound,
    size_to_detect,
    z_for,
)
from casereview.domain.power import sample_size as size_for
from casereview.domain.registers import RegisterError
from casereview.domain.roles import InspectionKind
from casereview.domain.sampling import FrameDates, verify_manifest
from casereview.domain.words import count
from casereview.importing.frameworks import shipped_frameworks, validate_framework_file
from casereview.importing.limits import Limits
from casereview.importing.pipeline import RegisterFileInvalid, read_cases
from casereview.importing.profiles import load_profile
from casereview.importing.readers import open_reader
from casereview.importing.sources import inspect_file
from casereview.web.core.users import user_by_username
from casereview.web.inspections.links import (
    case_link_counts,
    links_compute,
    links_for,
    links_refresh,
)
from casereview.web.inspections.selectors import inspection_by_id, inspection_sample
from casereview.web.inspections.services import (
    inspection_create,
    sample_draw,
    sample_replace,
    seed_commit,
)
from casereview.web.registers.frames import STORED_FOR_DRAW
from casereview.web.registers.selectors import register_by_id

from .shared import (
    EXIT_REJECTED,
    by_id_or_reject,
    err,
    found_or_reject,
    out,
    parse_date,
    print_json,
    refused_on,
    reject,
)


def create(
    body: Annotated[str, typer.Option(help="Code of the inspected body")],
    name: Annotated[str, typer.Option(help="Name of the inspection")],
    period_start: Annotated[str, typer.Option(help="First day of the period, dd/mm/yyyy")],
    period_end: Annotated[str, typer.Option(help="Last day of the period, dd/mm/yyyy")],
    framework: Annotated[str, typer.Option(help="Framework id and version")] = "child-protection/1",
    lead: Annotated[str | None, typer.Option(help="Username of the lead inspector")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    own_audit: Annotated[
        bool,
        typer.Option(
            "--own-audit",
            help="The body's own audit, led by one of its own auditors (--lead: a body auditor who is "
            "the body's contact of kind auditor)",
        ),
    ] = False,
) -> None:
    """Open an inspection of a body for a period (or, with --own-audit, one of the body's own audits)."""
    lead_user = None
    if lead is not None:
        lead_user = found_or_reject(user_by_username(lead), f"[red]No user called {lead!r}[/red]")
    made = inspection_create(
        body_code=body,
        name=name,
        period_start=parse_date(period_start),
        period_end=parse_date(period_end),
        framework=framework,
        lead=lead_user,
        kind=InspectionKind.OWN_AUDIT if own_audit else InspectionKind.INSPECTION,
    )
    if as_json:
        print_json(
            {
                "inspection_id": made.pk,
                "body": made.body.code,
                "name": made.name,
                "period_start": made.period_start.isoformat(),
                "period_end": made.period_end.isoformat(),
                "framework": made.framework,
                "kind": made.kind,
            }
        )
    else:
        opened = "own audit" if own_audit else "inspection"
        out.print(f"Opened {opened} {made.pk}: {made.name}")


def seed_commit_command(
    inspection: Annotated[int, typer.Option(help="Inspection id")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Generate the inspection's secret 256-bit seed and publish only its SHA-256."""
    commitment = seed_commit(inspection=by_id_or_reject(inspection_by_id, inspection, "inspection"))
    if as_json:
        print_json({"commitment": commitment})
    else:
        out.print(f"Commitment (SHA-256 of the seed): {commitment}")


def sample_size(
    margin: Annotated[
        float | None, typer.Option(help="Margin of error, e.g. 0.05 for ±5 points")
    ] = None,
    confidence: Annotated[float, typer.Option(help="Confidence, e.g. 0.95")] = 0.95,
    proportion: Annotated[
        float | None,
        typer.Option(
            help="Expected share: with --margin, 0.5 if unknown; with --upper-bound, the share expected "
            "to show the outcome (default 0: none)"
        ),
    ] = None,
    population: Annotated[
        int | None, typer.Option(help="Frame size N (finite population correction)")
    ] = None,
    detect_change_from: Annotated[
        float | None, typer.Option(help="The earlier share, e.g. 0.7, to detect a change from")
    ] = None,
    to: Annotated[
        float | None, typer.Option(help="The share to detect a change to, e.g. 0.6")
    ] = None,
    power: Annotated[
        float | None, typer.Option(help="Chance of detecting the change (default 0.8)")
    ] = None,
    earlier_n: Annotated[
        int | None, typer.Option(help="The earlier inspection's size, if it is already fixed")
    ] = None,
    upper_bound: Annotated[
        float | None,
        typer.Option(
            help="Rare events: the one-sided upper confidence bound to stay below, e.g. 0.05"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The sample size: for a share to a margin of error (--margin: n = z²·N·p(1−p) / (E²·N + z²·p(1−p)),
    rounded up), to detect a change between two inspections (--detect-change-from P1 --to P2), or to bound
    a rare outcome (--upper-bound B)."""
    chosen = [
        name
        for name, value in (
            ("--margin", margin),
            ("--detect-change-from", detect_change_from),
            ("--upper-bound", upper_bound),
        )
        if value is not None
    ]
    if not chosen:
        reject(
            "[red]Give --margin (a share to a margin of error), --detect-change-from with --to (a change "
            "between two inspections) or --upper-bound (an outcome expected in few or no cases)[/red]"
        )
    if len(chosen) > 1:
        reject(f"[red]Give only one of {' and '.join(chosen)}: each plans a different size[/red]")
    mode = chosen[0]
    misplaced = [
        name
        for name, value, belongs in (
            ("--to", to, "--detect-change-from"),
            ("--power", power, "--detect-change-from"),
            ("--earlier-n", earlier_n, "--detect-change-from"),
            ("--population", population, "--margin"),
            ("--proportion", proportion, "--margin" if mode == "--margin" else "--upper-bound"),
        )
        if value is not None and belongs != mode
    ]
    if misplaced:
        reject(f"[red]{', '.join(misplaced)} cannot be used with {mode}[/red]")
    if detect_change_from is not None:
        _size_to_detect(detect_change_from, to, power, confidence, earlier_n, as_json=as_json)
    elif upper_bound is not None:
        _size_for_upper_bound(upper_bound, confidence, proportion or 0.0, as_json=as_json)
    elif margin is not None:
        expected = 0.5 if proportion is None else proportion
        _size_for_margin(margin, confidence, expected, population, as_json=as_json)


def _size_for_margin(
    margin: float,
    confidence: float,
    proportion: float,
    population: int | None,
    *,
    as_json: bool,
) -> None:
    n = size_for(margin=margin, confidence=confidence, proportion=proportion, population=population)
    if as_json:
        print_json(
            {
                "size": n,
                "margin": margin,
                "confidence": confidence,
                "proportion": proportion,
                "population": population,
                "z": z_for(confidence),
            }
        )
    else:
        out.print(str(n))


def _size_to_detect(
    p1: float,
    p2: float | None,
    power: float | None,
    confidence: float,
    earlier_n: int | None,
    *,
    as_json: bool,
) -> None:
    if p2 is None:
        reject("[red]--detect-change-from needs --to: the share to detect a change to[/red]")
    chance = POWER if power is None else power
    n = size_to_detect(p1, p2, power=chance, confidence=confidence, earlier_n=earlier_n)
    if as_json:
        print_json(
            {
                "size": n,
                "each": earlier_n is None,
                "detect_change_from": p1,
                "to": p2,
                "power": chance,
                "confidence": confidence,
                "earlier_n": earlier_n,
                "method": POWER_METHOD,
            }
        )
        return
    which = (
        "cases in each inspection"
        if earlier_n is None
        else f"cases in the new inspection (the earlier one had {earlier_n:,})"
    )
    out.print(
        f"{n:,} {which} to detect a change from {percent(p1)} to {percent(p2)} "
        f"(power {chance:g}, {percent(confidence)} confidence). Method: {POWER_METHOD}.",
        highlight=False,
    )


def _size_for_upper_bound(
    bound: float, confidence: float, expected: float, *, as_json: bool
) -> None:
    n = size_for_upper_bound(bound, confidence=confidence, expected=expected)
    three = rule_of_three(bound, confidence=confidence) if expected == 0 else None
    if as_json:
        print_json(
            {
                "size": n,
                "upper_bound": bound,
                "confidence": confidence,
                "proportion": expected,
                "rule_of_three": three,
                "method": UPPER_BOUND_METHOD,
            }
        )
        return
    showing = "no case shows" if expected == 0 else f"{percent(expected)} of cases show"
    approximately = "" if three is None else f"; the rule of three says {three:,}"
    out.print(
        f"{n:,} cases: if {showing} the outcome, the one-sided {percent(confidence)} upper "
        f"confidence bound is below {percent(bound)} (Clopper–Pearson{approximately}).",
        highlight=False,
    )


def draw(
    inspection: Annotated[int, typer.Option(help="Inspection id")],
    register: Annotated[int, typer.Option(help="Register id")],
    plan: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Sample plan (TOML)")],
    allow_late_commitment: Annotated[
        bool, typer.Option(help="Draw from a register imported before the commitment")
    ] = False,
    manifest_path: Annotated[
        Path | None, typer.Option("--manifest", help="Also write the manifest to this file")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Draw the sample with the committed seed, reveal the seed and print the manifest."""
    sample = sample_draw(
        inspection=by_id_or_reject(inspection_by_id, inspection, "inspection"),
        register=by_id_or_reject(register_by_id, register, "register"),
        plan=parse_plan(plan.read_text(encoding="utf-8")),
        allow_late_commitment=allow_late_commitment,
    )
    text = json.dumps(sample.manifest, indent=2, ensure_ascii=False)
    if manifest_path is not None:
        manifest_path.write_text(text + "\n", encoding="utf-8")
    if as_json:
        sys.stdout.write(text + "\n")
        return
    for stratum in sample.manifest["strata"]:
        note = (
            f" (short by {stratum['short']}: the stratum has only {stratum['frame_size']})"
            if stratum["short"]
            else ""
        )
        out.print(f"{stratum['label']}: {stratum['allocated']} of {stratum['frame_size']}{note}")
    dates = FrameDates.from_dict(sample.manifest.get("frame_dates") or {})
    scope = "the inspection's period" if dates.default else "chosen in the plan, not the period"
    out.print(f"Frame: {dates.words()} ({scope})")
    out.print(f"Allocation: {sample.manifest.get('allocation')}")
    for comparison in sample.plan.get("headline") or []:
        out.print(f"Headline comparison declared: {comparison}")
    out.print(f"Seed revealed: {sample.manifest['seed']}")


def links(
    inspection: Annotated[int, typer.Argument(help="Inspection id")],
    recompute: Annotated[
        bool, typer.Option("--recompute", help="Compute again with the thresholds in settings now")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="text or json")] = "text",
) -> None:
    """Links between the inspection's sampled cases and its register: counts and the thresholds used.

    Computed after every draw; --recompute computes them again (after a change of thresholds).  Prints
    counts only, never a pseudonym, a place or a case reference.
    """
    if fmt not in ("text", "json"):
        reject("--format must be text or json")
    found = by_id_or_reject(inspection_by_id, inspection, "inspection")
    sample = found_or_reject(inspection_sample(found), f"Inspection {inspection} has no sample yet")
    with refused_on(
        LinkRulesError
    ):  # thresholds in settings that cannot be used: not a refusal, still exit 2
        stored = (
            links_compute(sample=sample)
            if recompute
            else (links_for(sample) if links_refresh(sample=sample) else None)
        )
    if stored is None:
        reject(
            f"Register {sample.register_id}'s case content was erased; its links were never computed"
        )
    related = case_link_counts(sample)
    with_related, by_kind = count_related(related, related)
    definitions = LinkRules.from_mapping(stored.rules).descriptions()
    result = {
        "inspection": found.pk,
        "sample": sample.pk,
        "computed_at": stored.computed_at.isoformat(),
        "rules": stored.rules,
        "definitions": definitions,
        "sampled_cases": len(related),
        "sampled_cases_with_related": with_related,
        "sampled_cases_by_kind": by_kind,
        "register": stored.register_summary,
    }
    if fmt == "json":
        print_json(result)
        return
    out.print(
        f"Links computed {result['computed_at']} for {result['sampled_cases']} sampled cases "
        f"({result['sampled_cases_with_related']} with related cases in the register)"
    )
    for key, value in stored.register_summary.items():
        out.print(f"  {key.replace('_', ' ')}: {value}")
    for text in definitions.values():
        out.print(f"  pattern: {text}")


def verify(
    manifest_path: Annotated[Path, typer.Option("--manifest", exists=True, dir_okay=False)],
    register_file: Annotated[Path, typer.Option(exists=True, dir_okay=False)],
    profile: Annotated[str | None, typer.Option(help="Column-mapping profile")] = None,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet")] = None,
) -> None:
    """Re-derive a sample from the raw register file: exit 0 "verified", or 1 and the first difference.

    Needs no database: anyone holding the file and the manifest can run it.
    """
    try:
        document = json.loads(manifest_path.read_text(encoding="utf-8"))
        limits = Limits(
            max_bytes=1 << 40, max_xlsx_uncompressed_bytes=1 << 34, max_xlsx_entries=10_000
        )
        source = inspect_file(register_file, limits=limits)
        with (
            tempfile.TemporaryDirectory() as tmp,
            open_reader(source, sheet=sheet, tmp_dir=Path(tmp)) as reader,
        ):
            cases = read_cases(
                reader, profile=load_profile(profile), batch_rows=200_000, columns=STORED_FOR_DRAW
            )
    except (RegisterError, json.JSONDecodeError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    except RegisterFileInvalid as exc:
        err.print(
            f"[red]The register file has {count(len(exc.errors), 'problem')}; first: line {exc.errors[0].line}: {exc.errors[0].reason}[/red]"
        )
        raise typer.Exit(1) from exc
    difference = verify_manifest(document, cases=cases, register_sha256=source.sha256)
    if difference is None:
        out.print("verified")
        return
    err.print(f"[red]not verified: {difference}[/red]")
    raise typer.Exit(1)


def replace(
    inspection: Annotated[int, typer.Option(help="Inspection id")],
    case: Annotated[str, typer.Option(help="case_ref of the sampled case that is out of scope")],
    reason: Annotated[str, typer.Option(help="Why it is out of scope")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Mark a sampled case out of scope; the next reserve case of its stratum replaces it."""
    replacement = sample_replace(
        inspection=by_id_or_reject(inspection_by_id, inspection, "inspection"),
        case_ref=case,
        reason=reason,
    )
    if as_json:
        print_json(
            {
                "out_of_scope": case,
                "replacement": replacement.case_ref,
                "stratum": replacement.stratum,
            }
        )
    else:
        out.print(
            f"{case} is out of scope; replaced by {replacement.case_ref} ({replacement.stratum})"
        )


def framework_validate(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Check a framework file and report every problem (exit 2 if there are any)."""
    try:
        framework = validate_framework_file(file)
    except FrameworkError as exc:
        if as_json:
            print_json({"ok": False, "error": str(exc)})
        else:
            err.print(f"[red]{exc}[/red]")
        raise typer.Exit(EXIT_REJECTED) from exc
    if as_json:
        print_json(
            {
                "ok": True,
                "framework": framework.ref,
                "areas": len(framework.areas),
                "grades": list(framework.grade_codes),
                "weaknesses": len(framework.weaknesses),
            }
        )
    else:
        out.print(
            f"{file}: framework {framework.ref} is valid ({len(framework.areas)} areas, {len(framework.weaknesses)} weakness codes)"
        )


def framework_list() -> None:
    """List the shipped frameworks (id/version)."""
    for ref in shipped_frameworks():
        out.print(ref)
