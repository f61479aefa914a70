"""Who may read an inspection's publications: the one scoping rule for published and announced reports.

Analysts read all; a lead inspector the inspections they lead; a liaison officer their body's.  Used by the
published reports list (``selectors.publications_visible``) and the upcoming publications
(``release_selectors.upcoming_visible``), so the two can never disagree about who sees what."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from casereview.domain.roles import InspectionKind, Role
from casereview.web.core.access import user_roles
from casereview.web.referrals.models import BodyContact


def readers_q(user: Any) -> Q:
    """A filter on rows with an ``inspection``: those whose publications ``user`` may read (none if no role)."""
    roles = user_roles(user)
    allowed = Q(pk__in=[])
    if Role.ANALYST in roles:
        # The inspectorate's: a body's own audit is never published (``publication_problems``), and never
        # an analyst's even if it were.
        allowed |= Q(inspection__kind=InspectionKind.INSPECTION)
    if Role.LEAD_INSPECTOR in roles:
        allowed |= Q(inspection__lead=user)
    if Role.LIAISON_OFFICER in roles:
        bodies = BodyContact.objects.filter(user=user, kind=BodyContact.Kind.LIAISON).values(
            "body_id"
        )
        allowed |= Q(inspection__body_id__in=bodies)  # a subquery: no query of its own
    return allowed
