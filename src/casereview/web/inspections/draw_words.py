"""The draw's words in the page's language: the frame's dates and what a planned sample could detect.

The domain's ``FrameDates.words`` and ``power.planned``'s "words" are the English the command line prints and
the manifest keeps; the sample page says the same sentences, made from the same figures, in its reader's
language.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, gettext_noop, ngettext

from casereview.domain.language import ENGLISH
from casereview.domain.power import METHOD, PowerError, minimum_detectable_change, percent
from casereview.domain.sampling import FrameDates
from casereview.domain.words import MONTHS, number, percentage_points
from casereview.web.core.phrases import active_language


def _day(day: dt.date, *, month: bool = True, year: bool = True) -> str:
    months = MONTHS.get(active_language(), MONTHS[ENGLISH])
    return " ".join(
        [
            str(day.day),
            *([months[day.month - 1]] if month else []),
            *([str(day.year)] if year else []),
        ]
    )


@dataclass(frozen=True)
class FrameDatesShown:
    """A draw's frame dates as the sample page shows them: ``words()`` in the page's language, as
    ``FrameDates.words`` says them in English ("cases reported 1 July to 30 September 2026")."""

    dates: FrameDates

    @property
    def default(self) -> bool:
        return self.dates.default

    def words(self) -> str:
        first, last = self.dates.reported_from, self.dates.reported_to
        if first and last:
            if first == last:
                return gettext("cases reported on %(day)s") % {"day": _day(first)}
            same_year = first.year == last.year
            same_month = same_year and first.month == last.month
            return gettext("cases reported %(first)s to %(last)s") % {
                "first": _day(first, month=not same_month, year=not same_year),
                "last": _day(last),
            }
        if first:
            return gettext("cases reported from %(day)s") % {"day": _day(first)}
        if last:
            return gettext("cases reported up to %(day)s") % {"day": _day(last)}
        return gettext("cases reported on any date")


#: The method's name in the catalogue (``power.METHOD``, whose English the JSON and the command line keep); a
#: method this table does not know is shown as it is.
_METHOD_WORDS = {
    METHOD: gettext_noop(
        "two-sided z-test of two independent proportions (pooled variance under no change, unpooled under "
        "the change; Fleiss, Levin & Paik 2003, without continuity correction; as R's power.prop.test)"
    )
}


def in_words(found: dict[str, Any] | None) -> dict[str, Any] | None:
    """``power.planned``'s figures with its sentence ("words") and method in the page's language: the same
    sentence, made from the same figures (the change computed again as ``planned`` computes it)."""
    if found is None:
        return None
    share, total, size = found["share_then"], found["total_then"], found["total_now"]
    try:
        change: float | None = minimum_detectable_change(
            share, total, size, power=found["power"], confidence=found["confidence"]
        )
    except PowerError:
        change = None
    values = {
        "share": percent(share),
        "before": ngettext("%(shown)s case", "%(shown)s cases", total) % {"shown": number(total)},
        "now": number(size),
    }
    if change is None:
        said = (
            gettext(
                "From %(share)s with %(before)s before and %(now)s now, even the largest possible "
                "change could well go unnoticed."
            )
            % values
        )
    else:
        whole = max(1, math.floor(change * 100 + 0.5))
        said = gettext(
            "From %(share)s with %(before)s before and %(now)s now, a change of about %(points)s "
            "would be caught four times in five, and a smaller one could well go unnoticed."
        ) % {
            **values,
            "points": percentage_points(whole / 100, places=0, language=active_language()),
        }
    if found["against"] is None:
        said = gettext(
            "There is no earlier inspection or baseline of this body to compare with, so this is "
            "against a share of 50%% measured on a sample of the same size. %(said)s"
        ) % {"said": said}
    else:
        said = gettext("Against %(label)s: %(said)s") % {
            "label": found["against"],
            "said": said[:1].lower() + said[1:],
        }
    method = _METHOD_WORDS.get(found["method"])
    return {**found, "words": said, "method": gettext(method) if method else found["method"]}
