"""The published national trend in words and rows: the renderings of ``trend_publication.published_trend``.

``published_rows`` (the CSV's rows) and ``published_text`` (plain text, with ``funnel_text`` and
``audit_line``) print only what the published document holds: a hidden count as ``[c]``, a withheld
figure as nothing, a band as its words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .funnel import funnel_rows
from .trend_publication import MARKER
from .trends import point_rows, quarter_rows


def published_rows(document: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """The published trend as (who, period_end, measure, value) rows, the shape of ``casereview trend --format
    csv``: hidden counts are ``[c]``, withheld figures empty, a band its words; the audit's digest last."""
    rows: list[tuple[Any, ...]] = [("note", "", "note", document["note"])]
    for q in document["quarters"]:
        rows += [
            ("national", q["period_end"], key, q[key])
            for key in ("bodies", "reviews", "count", "share", "ci_low", "ci_high")
        ]
        if q.get("band"):
            rows.append(("national", q["period_end"], "share_range", q["band"]["wording"]))
        rows += quarter_rows(q)
    for b in document["bodies"]:
        for point in b["series"]:
            rows += [
                (b["body"], point["period_end"], key, point[key])
                for key in ("reviews", "count", "share", "ci_low", "ci_high")
            ]
            if point.get("band"):
                rows.append(
                    (b["body"], point["period_end"], "share_range", point["band"]["wording"])
                )
            change = point.get("change_from_previous")
            if change:
                rows.append(
                    (b["body"], point["period_end"], "direction", change.get("direction") or MARKER)
                )
            rows += point_rows(b["body"], point)
    rows += funnel_rows(document.get("funnel"))
    audit = document["disclosure"]["audit"]
    rows.append(("disclosure", "", "audit_passed", audit["passed"]))
    rows.append(("disclosure", "", "audit_sha256", audit["sha256"]))
    return rows


def _percent(value: Any) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _shown_share(row: Mapping[str, Any]) -> str:
    if row.get("share") is not None:
        return f"{_percent(row['share'])} ({_percent(row['ci_low'])} to {_percent(row['ci_high'])})"
    if row.get("band"):
        return str(row["band"]["wording"])
    return "not published"


def published_text(document: Mapping[str, Any]) -> str:
    """The published trend as plain text: the note, the national quarters, each body's series, the audit."""
    lines = [
        "National trend (published version): share requiring improvement or inadequate",
        "",
        str(document["note"]),
        "",
        "National, by quarter",
        f"{'quarter':<10} {'bodies':>6} {'reviews':>8} {'count':>8}  share (95% interval)",
    ]
    for q in document["quarters"]:
        lines.append(
            f"{q['quarter']:<10} {q['bodies']:>6} {q['reviews']!s:>8} {q['count']!s:>8}  {_shown_share(q)}"
        )
    lines += ["", "How each quarter is estimated, and its change from the quarter before"]
    for q in document["quarters"]:
        lines.append(f"{q['quarter']}: {q.get('method', '')}")
        change = q.get("change_from_previous")
        if change:
            said = (
                "not published (an estimate it uses is not)"
                if change.get("suppressed")
                else change["wording"]
            )
            lines.append(f"  against {change['against']}: {said}")
    for b in document["bodies"]:
        lines += ["", f"{b['body']}"]
        for p in b["series"]:
            change = p.get("change_from_previous")
            said = ""
            if change:
                said = (
                    "; change not published"
                    if change.get("suppressed")
                    else f"; {change.get('wording') or change.get('direction')}"
                )
            weighted = " (design-weighted)" if p.get("design_weighted") else ""
            lines.append(
                f"  {p['period_end']} {p['inspection']}: {p['count']} of {p['reviews']} reviews, "
                f"{_shown_share(p)}{weighted}{said}"
            )
    lines += funnel_text(document.get("funnel"))
    lines += ["", audit_line(document)]
    return "\n".join(lines) + "\n"


def funnel_text(document: Mapping[str, Any] | None) -> list[str]:
    """The funnel plot in words: its centre and limits, and where each body's latest point lies."""
    if not document or document.get("centre") is None:
        return ["", "Funnel plot: no body's latest point is shown."]
    lines = [
        "",
        f"Funnel plot: each body's latest point against its sample size; centre {_percent(document['centre'])} "
        f"({document['centre_rule']}); limits: {document['limits_method']}; n: {document['n_rule']}",
    ]
    for p in document["points"]:
        lines.append(
            f"  {p['body']} ({p['period_end']}): {_percent(p['share'])} of n = {p['n']}; 95% limits "
            f"{_percent(p['low_95'])} to {_percent(p['high_95'])}, 99.8% limits {_percent(p['low_99_8'])} "
            f"to {_percent(p['high_99_8'])}: {p['position']}"
        )
    return lines


def audit_line(document: Mapping[str, Any]) -> str:
    """One line: whether the audit passed, and its digest."""
    audit = document["disclosure"]["audit"]
    state = "passed" if audit["passed"] else "FAILED"
    return f"Disclosure audit {state}; audit sha256 {audit['sha256']}"
