"""Rewrite the README's performance table from bench/results/*.json (run after `make bench`)."""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- performance:start -->", "<!-- performance:end -->"


def mb(n: int) -> str:
    return f"{n / 1024**2:,.0f} MB"


def verdicts(data: dict) -> list[str]:  # type: ignore[type-arg]
    r, ratios, t = data["results"], data["ratios"], data["targets"]

    def met(ok: bool) -> str:
        return "met" if ok else "**not met**"

    out = []
    for db in ("sqlite", "postgresql"):
        x = ratios[f"{db}_to_polars_floor"]
        runs = ", ".join(f"{s:.1f}" for s in r[f"casereview_{db}"]["all_seconds"])
        out.append(f"{db} {x:.1f}× the floor ({met(x <= t['within_12x_floor'])}; runs {runs} s)")
        speed = ratios[f"django_bulk_create_to_{db}"]
        out.append(
            f"{db} {speed:.1f}× faster than bulk_create ({met(speed >= t['at_least_5x_faster_than_bulk_create'])})"
        )
    peak = max(v["peak_rss_bytes"] for k, v in r.items() if k.startswith("casereview"))
    out.append(f"largest peak RSS {mb(peak)} ({met(peak <= t['peak_rss_bytes_max'])})")
    return out


def import_table(data: dict) -> str:  # type: ignore[type-arg]
    r, ratios = data["results"], data["ratios"]
    floor = r["polars_read_csv"]["seconds"]
    rows = [
        ("`polars.read_csv` (the floor)", r["polars_read_csv"], "1.0×", "—"),
        (
            "`casereview import-register`, SQLite",
            r["casereview_sqlite"],
            f"{ratios['sqlite_to_polars_floor']:.1f}×",
            f"{ratios['django_bulk_create_to_sqlite']:.1f}× faster",
        ),
        (
            "`casereview import-register`, PostgreSQL (COPY)",
            r["casereview_postgresql"],
            f"{ratios['postgresql_to_polars_floor']:.1f}×",
            f"{ratios['django_bulk_create_to_postgresql']:.1f}× faster",
        ),
        (
            "`csv.DictReader` + `bulk_create` (1,000), SQLite",
            r["django_bulk_create_sqlite"],
            f"{r['django_bulk_create_sqlite']['seconds'] / floor:.1f}×",
            "1.0×",
        ),
    ]
    lines = [
        f"Register import of {data['rows']:,} synthetic rows ({mb(data['file_bytes'])}), measured {data['measured_at']}:",
        "",
        "| contender | seconds (median) | peak RSS | × floor | vs. `bulk_create` |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {name} | {v['seconds']:.2f} | {mb(v['peak_rss_bytes'])} | {x} | {vs} |"
        for name, v, x, vs in rows
    ]
    if "casereview_sqlite_scale" in r:
        s = r["casereview_sqlite_scale"]
        lines.append(
            f"| `casereview import-register`, SQLite, {s['rows']:,} rows | {s['seconds']:.2f} | {mb(s['peak_rss_bytes'])} | | |"
        )
    lines += [
        "",
        f"The floor includes starting Python and importing polars, as every contender's time includes starting its process; "
        f"the read alone took {r['polars_read_csv']['in_process_seconds']:.2f} s "
        f"(SQLite import: {ratios['sqlite_to_in_process_read']:.0f}× that). "
        "Targets: within 12× the floor, at least 5× faster than `bulk_create`, peak RSS at most 1.5 GB.",
        "",
        "In this run: " + "; ".join(verdicts(data)) + ".",
    ]
    return "\n".join(lines)


def sample_table(data: dict) -> str:  # type: ignore[type-arg]
    runs = ", ".join(f"{s:.2f}" for s in data["draw_seconds"])
    verdict = "met" if data["draw_seconds_median"] <= data["target_seconds"] else "**not met**"
    return "\n".join(
        [
            f"Stratified draw (`{' × '.join(data['strata'])}`) of {data['sample']:,} cases from a "
            f"{data['rows']:,}-case register on SQLite (`casereview sample draw`, a fresh process each run), "
            f"measured {data['measured_at']}:",
            "",
            "| measure | value |",
            "|---|---:|",
            f"| draw, median of {len(data['draw_seconds'])} runs | {data['draw_seconds_median']:.2f} s |",
            f"| peak RSS | {mb(data['draw_peak_rss_bytes'])} |",
            f"| computing the {data['rows']:,} HMAC rank keys | {data['hashing_seconds_median']:.2f} s ({100 * data['hashing_share']:.0f}% of the draw) |",
            "",
            f"Target: at most {data['target_seconds']} s — {verdict} in this run (runs {runs} s).",
        ]
    )


def review_table(data: dict) -> str:  # type: ignore[type-arg]
    r, s, t = data["render_ms"], data["save_ms"], data["targets_ms"]

    def verdict(value: float, target: float) -> str:
        return "met" if value < target else "**not met**"

    return "\n".join(
        [
            f"The review page with a {data['inspection_cases']:,}-case inspection ({data['server']}; "
            f"{data['requests']} page loads and {data['requests']} draft saves), measured {data['measured_at']}:",
            "",
            "| request | p50 | p95 | target (p95) |",
            "|---|---:|---:|---:|",
            f"| open the review page | {r['p50']:.1f} ms | {r['p95']:.1f} ms | {t['render_p95']} ms ({verdict(r['p95'], t['render_p95'])}) |",
            f"| save a draft | {s['p50']:.1f} ms | {s['p95']:.1f} ms | {t['save_p95']} ms ({verdict(s['p95'], t['save_p95'])}) |",
        ]
    )


def audit_rows(a: dict | None) -> list[str]:  # type: ignore[type-arg]
    """The disclosure audit's rows of the report table (none in results from before the auditor)."""
    if not a:
        return []
    runs = ", ".join(f"{t:.2f}" for t in a["publish_runs_s"])
    verdict = "met" if a["met"] else "**not met**"
    return [
        f"| audit of the same report's published version (`publish`: suppression and HiGHS proving "
        f"{a['hidden_quantities']:,} hidden quantities' ranges; {'passed' if a['passed'] else '**failed**'}; "
        f"runs {runs} s) | {a['publish_s']:.2f} | {a['ratio_to_target_2s']}× the target | "
        f"{a['target_s']:.0f} s ({verdict}) |",
        f"| the same, `casereview report --published --audit --json` as a whole process "
        f"| {a['cli_process_s']:.2f} | | |",
    ]


def language_rows(data: dict) -> list[str]:  # type: ignore[type-arg]
    """Publishing in English and Welsh against English only (issue 25); none in results from before it."""
    f = data.get("languages")
    if not f:
        return []
    return [
        f"| the same report and its published version made in English and Welsh (`inspection_reports`, "
        f"`published_versions`); runs {', '.join(f'{t:.2f}' for t in f['english_and_welsh_runs_s'])} s "
        f"| {f['english_and_welsh_s']:.2f} | {f['ratio_to_english_only']}× English only "
        f"({f['english_only_s']:.2f} s) | |"
    ]


def format_rows(data: dict) -> list[str]:  # type: ignore[type-arg]
    """The published formats' rows (issue 23): the tagged PDF (2 s) and each statistical spreadsheet (1 s),
    for the full report and its published version; none in results from before them."""
    rows = []
    pdf = data.get("pdf") or {}
    for version in ("full", "published"):
        if version in pdf:
            f = pdf[version]
            rows.append(
                f"| PDF (tagged PDF/UA-1) of the {version} report; runs "
                f"{', '.join(f'{t:.2f}' for t in f['runs_s'])} s | {f['median_s']:.2f} "
                f"| {f['ratio_to_target_2s']}× the target | 2 s ({'met' if f['met'] else '**not met**'}) |"
            )
    sheets = data.get("spreadsheets") or {}
    for key, label in (("ods", "ODS"), ("xlsx", "XLSX")):
        for version in ("full", "published"):
            f = sheets.get(f"{key}_{version}")
            if f:
                rows.append(
                    f"| {label} statistical spreadsheet of the {version} report | {f['median_s']:.2f} "
                    f"| {f['ratio_to_target_1s']}× the target | 1 s ({'met' if f['met'] else '**not met**'}) |"
                )
    return rows


def report_table(data: dict) -> str:  # type: ignore[type-arg]
    r, n = data["report"], data["national_trend"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    render = ", ".join(f"{k} {v:.2f} s" for k, v in r["render_s"].items())
    return "\n".join(
        [
            f"Reports ({data['database']}, {data['machine']}, medians; `make bench-report`, measured {data.get('measured_at', 'in the last run')}):",
            "",
            "| measure | seconds | × floor | target |",
            "|---|---:|---:|---:|",
            f"| report of an inspection of {r['reviews']:,} reviews with {r['earlier_results']} earlier results (`report_for`) "
            f"| {r['report_for_s']:.2f} | {r['ratio_to_floor']}× (plain query {r['floor_plain_query_s']:.3f} s) | {r['target_s']:.0f} s ({verdict(r['met'])}) |",
            f"| the same, `casereview report --format json` as a whole process | {r['cli_json_process_s']:.2f} | | |",
            *audit_rows(data.get("audit")),
            *language_rows(data),
            *format_rows(data),
            f"| national trend, {n['bodies']} bodies × {n['quarters']} quarters × {n['reviews_per_inspection']} reviews "
            f"({n['reviews']:,} reviews) | {n['national_trend_s']:.2f} | {n['ratio_to_floor']}× (`count(*)` {n['floor_count_query_s']:.2f} s) "
            f"| {n['target_s']:.0f} s ({verdict(n['met'])}) |",
            f"| the same, `casereview trend` as a whole process | {n['cli_process_s']:.2f} | | |",
            "",
            f"Rendering the 1,000-review report: {render}. A process spends about 2.5 s starting Python, Django, "
            "scipy and statsmodels before the report begins; the web pages do not pay it.",
        ]
    )


def web_table(data: dict, title: str) -> str:  # type: ignore[type-arg]
    r, t = data["requests"], data["targets_ms"]
    runs = data.get("runs", 1)

    def verdict(value: float, target: float) -> str:
        return "met" if value < target else "**not met**"

    lines = [
        f"**{title}** ({data['server']}, {data['database']}, {data['machine']}, locust on the same 2 cores; "
        f"{data['users']['inspectors']} inspectors reviewing and {data['users']['lead_inspectors']} lead inspectors browsing, "
        f"{data.get('think_seconds', '1-4').replace('-', '–')} s between pages, measured for {data['seconds']} s "
        f"starting {data.get('warmup_seconds', 0):g} s after the last sign-in; "
        f"a {data['register_cases']:,}-case register, "
        f"{data['inspection_cases']:,} sampled cases; `make bench-web`, measured {data['measured_at']}; "
        f"median of {runs} run{'s' if runs != 1 else ''}):",
        "",
        "| request | requests | failures | p50 | p95 | p95 of each run | target (p95) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, target in (
        ("review page", t["review_p95"]),
        ("review save", t["review_p95"]),
        ("case list", t["case_list_p95"]),
    ):
        if name in r:
            x = r[name]
            each = ", ".join(f"{run['p95_ms']:.0f}" for run in x.get("runs", [])) or "–"
            lines.append(
                f"| {name} | {x['requests']:,} | {x['failures']} | {x['p50_ms']:.0f} ms | {x['p95_ms']:.0f} ms | {each} | "
                f"{target} ms ({verdict(x['p95_ms'], target)}) |"
            )
    lines += [
        "",
        f"Throughput {data['throughput_rps']} requests/s (median), {data['total_failures']} failures in "
        f"{data['total_requests']:,} requests. A save is the POST alone (answered by a redirect); the page it "
        "redirects to is counted as a review page.",
    ]
    server = data.get("server_side_ms")
    if server:
        lines += [
            "",
            "The same requests as the server's workers timed them (gunicorn's access log, p50 / p95): "
            + "; ".join(
                f"{name} {x['p50_ms']:.0f} / {x['p95_ms']:.0f} ms" for name, x in server.items()
            )
            + ". The difference from locust's figures is time outside the worker's handling of the request: "
            "waiting for a free worker and for the CPU, the connection, and the load generator itself.",
        ]
    cpu = data.get("cpu_ms_per_request")
    if cpu:
        lines += [
            "",
            "CPU spent per request during the measurement (user + system, median of the runs): "
            + ", ".join(f"{name} {ms:.1f} ms" for name, ms in cpu.items())
            + f" — about {data['throughput_rps'] * sum(cpu.values()) / 1000:.1f} of the machine's 2 cores at this "
            "throughput.",
        ]
    signed = [run for run in data.get("sign_in_runs", []) if run]
    if signed:
        lines += [
            "",
            f"Before the measurement the {signed[0]['requests'] // 2} people signed in within a few seconds of "
            "each other (Argon2, deliberately ~0.5 s of CPU each, queueing on 2 cores): sign-in requests p50 "
            f"{statistics.median(x['p50_ms'] for x in signed) / 1000:.1f} s, p95 "
            f"{statistics.median(x['p95_ms'] for x in signed) / 1000:.1f} s (median of the runs). Everyone's first "
            "pages, held back by that queue, fall in the warm-up, not in the figures above (each person also thinks before their first page).",
        ]
    big = data.get("case_list_10m")
    if big:
        lines += [
            "",
            f"The case list's queries on a {big['cases']:,}-case register (median / p95 of 21): "
            + "; ".join(
                f"{k} {v['median_ms']:.1f} / {v['p95_ms']:.1f} ms"
                for k, v in big["queries"].items()
            )
            + ".",
        ]
        if big.get("pages"):
            lines += [
                "",
                "The whole case list page on that register (Django's middleware, view, journal entry and template, "
                "in-process, one request at a time, median / p95 of 21): "
                + "; ".join(
                    f"{k} {v['median_ms']:.0f} / {v['p95_ms']:.0f} ms"
                    for k, v in big["pages"].items()
                )
                + f" (target {data['targets_ms']['case_list_p95']} ms).",
            ]
    return "\n".join(lines)


def links_table(data: dict) -> str:  # type: ignore[type-arg]
    d, q, p = data["domain"], data["sqlite"], data["postgresql"]

    def verdict(seconds: float) -> str:
        return "met" if seconds <= data["target_seconds"] else "**not met**"

    return "\n".join(
        [
            f"Links between cases for a {data['rows']:,}-case register and a {data['sample']:,}-case sample "
            f"(`make bench-links`, median of {data['runs']} runs, a fresh process each; measured {data['measured_at']}):",
            "",
            "| measure | seconds | peak RSS | reference | target |",
            "|---|---:|---:|---:|---:|",
            f"| the computation alone (patterns, related cases, volume) | {d['seconds']:.2f} | {mb(d['peak_rss_bytes'])} "
            f"| {d['times_floor']}× one polars group-by ({d['floor_seconds']:.3f} s) | |",
            f"| `casereview links --recompute`, SQLite (read, compute, store, journal) | {q['seconds']:.2f} | {mb(q['peak_rss_bytes'])} "
            f"| {q['reading_stored_links_seconds']:.2f} s reading stored links | {data['target_seconds']:.0f} s ({verdict(q['seconds'])}) |",
            f"| `casereview links --recompute`, PostgreSQL | {p['seconds']:.2f} | {mb(p['peak_rss_bytes'])} "
            f"| {p['reading_stored_links_seconds']:.2f} s reading stored links | {data['target_seconds']:.0f} s ({verdict(p['seconds'])}) |",
            "",
            "Each process time includes starting Python and Django (the reference: the same command reading the stored "
            "links). A draw computes the links once, straight after drawing.",
        ]
    )


def hostile_table(data: dict) -> str:  # type: ignore[type-arg]
    t = data["targets"]
    ref = data.get("reference")
    runs = data.get("runs", 1)
    lines = [
        f"Hostile files (issue 18), each imported by `casereview import-register` in a fresh process with the "
        f"default limits until refused, measured {data['measured_at']}, median of {runs} run(s)"
        + (
            f"; the reference, measured in the same run, is {ref['file']}: {ref['seconds']:.2f} s, "
            f"{mb(ref['peak_rss_bytes'])}"
            if ref
            else ""
        )
        + ":",
        "",
        "| file | size | seconds to refusal | × reference | peak RSS | × reference | refused with |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in data["results"].values():
        message = r["message"].split(": ", 1)[-1].replace("|", "\\|")[:170]
        size = (
            mb(r["file_bytes"])
            if r["file_bytes"] >= 1024**2
            else f"{max(1, r['file_bytes'] // 1024):,} KB"
        )
        lines.append(
            f"| {r['file']} | {size} | {r['seconds']:.2f} | {r.get('ratio_seconds', '–')} | "
            f"{mb(r['peak_rss_bytes'])} | {r.get('ratio_rss', '–')} | "
            f"{message}{'' if r['met'] else ' **(target not met)**'} |"
        )
    met = all(r["met"] for r in data["results"].values())
    lines += [
        "",
        f"Target: each refused (exit status 2, no traceback) within {t['seconds_max']:.0f} s and "
        f"{mb(t['peak_rss_bytes_max'])} of RSS: {'met' if met else '**not met**'}.",
    ]
    return "\n".join(lines)


def journal_table(data: dict) -> str:  # type: ignore[type-arg]
    """The journal page at a million entries (`make bench-journal`), one column per database."""
    results, target = data["results"], data["target_ms"]
    names = list(next(iter(results.values()))["pages"])
    dbs = list(results)

    def cell(db: str, name: str) -> str:
        p = results[db]["pages"].get(name)
        if p is None:
            return "–"
        mark = "" if p["median_ms"] < target else " **(over)**"
        return f"{p['median_ms']:.0f} ms ({p['ratio_to_target']}×, {p['queries']} queries){mark}"

    lines = [
        f"The journal page with {data['entries']:,} entries ({data['machine']}; in-process through Django's test "
        f"client, signed in as an administrator, each page journaling its own reading; median of {data['runs']} "
        f"requests; `make bench-journal`, measured {data['measured_at']}):",
        "",
        "| page | " + " | ".join(dbs) + " |",
        "|---|" + "---:|" * len(dbs),
    ]
    lines += [f"| {name} | " + " | ".join(cell(db, name) for db in dbs) + " |" for name in names]
    builds = "; ".join(
        f"{db}: written in {r['build_s']:.0f} s, `journal verify` {r['verify_s']:.0f} s"
        for db, r in results.items()
    )
    verdict = "met" if data["met"] else "**not met**"
    loads = "; ".join(
        f"{db} {r['load_average'][0]:g} to {r['load_average'][1]:g}"
        for db, r in results.items()
        if "load_average" in r
    )
    lines += [
        "",
        f"Target: under {target} ms a page — {verdict} in this run. The synthetic chain verifies ({builds})."
        + (f" Load average (1 minute) while timing: {loads}." if loads else ""),
    ]
    if data.get("note"):
        lines += ["", data["note"]]
    return "\n".join(lines)


def main() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    data = json.loads((ROOT / "bench" / "results" / "import.json").read_text())
    tables = [import_table(data)]
    sample = ROOT / "bench" / "results" / "sample.json"
    if sample.exists():
        tables.append(sample_table(json.loads(sample.read_text())))
    review = ROOT / "bench" / "results" / "review.json"
    if review.exists():
        tables.append(review_table(json.loads(review.read_text())))
    report = ROOT / "bench" / "results" / "report.json"
    if report.exists():
        tables.append(report_table(json.loads(report.read_text())))
    links = ROOT / "bench" / "results" / "links.json"
    if links.exists():
        tables.append(links_table(json.loads(links.read_text())))
    hostile = ROOT / "bench" / "results" / "hostile.json"
    if hostile.exists():
        tables.append(hostile_table(json.loads(hostile.read_text())))
    journal = ROOT / "bench" / "results" / "journal.json"
    if journal.exists():
        tables.append(journal_table(json.loads(journal.read_text())))
    for name, title in (
        ("web-paced.json", "Load, the issue's scenario at a working pace"),
        ("web.json", "Load at a stress pace: the capacity of this machine"),
    ):
        web = ROOT / "bench" / "results" / name
        if web.exists():
            tables.append(web_table(json.loads(web.read_text()), title))
    block = f"{START}\n" + "\n\n".join(tables) + f"\n{END}"
    text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    readme.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
