"""The report page shows a breakdown row's and a weakness's design-weighted share (issue 21)."""

from __future__ import annotations

import re

from casereview.domain.publication import published
from casereview.web.reports.rendering import html_document

from ..unit.domain.test_report_domains import STRATA, cases, report


def section(page: str, anchor: str) -> str:
    found = re.search(rf'id="{anchor}">.*?</table>', page, re.S)
    assert found is not None, anchor
    return found.group(0)


def test_the_rows_of_a_disproportionate_sample_show_their_weighted_share() -> None:
    page = html_document(report({"strata": STRATA, "proportional": False}))
    assert "weighted: 34.5%" in section(page, "by_unit")
    assert "weighted: 34.5%" in section(page, "by_category")
    assert "weighted: 34.5%" in section(page, "weaknesses")
    assert "weighted:" not in html_document(report({"strata": STRATA, "proportional": True}))


def test_a_published_page_shows_a_withheld_weighted_share_as_hidden() -> None:
    page = html_document(published(report({"strata": STRATA, "proportional": False})))
    assert "weighted: 34.5%" in section(page, "by_unit")
    graded = cases(18, 42, stratum="a", weakness=18) + cases(58, 2, stratum="b", weakness=58)
    hidden = html_document(published(report({"strata": STRATA, "proportional": False}, graded)))
    assert "weighted: [c]" in section(hidden, "by_unit")
    assert "weighted: [c]" in section(hidden, "weaknesses")
