"""The roles people hold in an inspection, named as the domain brief names them."""

from __future__ import annotations

from enum import StrEnum

from .language import gettext_noop


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    LEAD_INSPECTOR = "lead_inspector"
    INSPECTOR = "inspector"
    LIAISON_OFFICER = "liaison_officer"
    ANALYST = "analyst"
    #: A body's own quality-assurance auditor: grades only its own body's audits (issue 24).
    BODY_AUDITOR = "body_auditor"

    @property
    def label(self) -> str:
        """The role in words ("Lead inspector"); ``casereview.domain.words`` reads the same table."""
        return ROLE_WORDS[self]


ROLES: tuple[str, ...] = tuple(r.value for r in Role)

#: Each role in words: the one table (``casereview.domain.words`` uses it; this module cannot import that one).
ROLE_WORDS: dict[str, str] = {
    Role.ADMINISTRATOR: gettext_noop("Administrator"),
    Role.LEAD_INSPECTOR: gettext_noop("Lead inspector"),
    Role.INSPECTOR: gettext_noop("Inspector"),
    Role.LIAISON_OFFICER: gettext_noop("Liaison officer"),
    Role.ANALYST: gettext_noop("Analyst"),
    Role.BODY_AUDITOR: gettext_noop("Body's own auditor"),
}

#: Roles that may import a body's register (CLI and upload page).
CAN_IMPORT_REGISTERS: frozenset[Role] = frozenset({Role.ADMINISTRATOR, Role.LEAD_INSPECTOR})


# --- The body's own audit (issue 24): who leads and who grades each kind of inspection ----------------------


class InspectionKind(StrEnum):
    """An inspection is the inspectorate's, or one body's audit of its own cases, or the inspectorate's blind
    re-grading of a sample of such an audit (``Inspection.kind``).  A calibration is led and graded like an
    inspection, but its sample is drawn from the cases the body's audit graded, not from the body's register:
    it is never published as an inspection, never compared with one, and never counted in a trend."""

    INSPECTION = "inspection"
    OWN_AUDIT = "own_audit"
    CALIBRATION = "calibration"


#: Each kind in words (``casereview.domain.words`` reads the same table).
INSPECTION_KIND_WORDS: dict[str, str] = {
    InspectionKind.INSPECTION: gettext_noop("Inspection"),
    InspectionKind.OWN_AUDIT: gettext_noop("Body's own audit"),
    InspectionKind.CALIBRATION: gettext_noop("Calibration of a body's own audit"),
}

#: The kind of body contact (``BodyContact.Kind``) that names a body's own auditors.
AUDITOR_CONTACT = "auditor"

#: The one rule of who may lead and who may grade each kind (read by ``may_lead``, ``may_grade`` and the
#: inspections selectors' filters, so that a page, a list and an assignment can never disagree):
#: an inspectorate inspection is led by a lead inspector and graded by the inspectorate; a body's own audit
#: is led and graded only by that body's own auditors (a body auditor who is its contact of kind
#: ``AUDITOR_CONTACT``), never by the inspectorate.
LEADS: dict[str, Role] = {
    InspectionKind.INSPECTION: Role.LEAD_INSPECTOR,
    InspectionKind.OWN_AUDIT: Role.BODY_AUDITOR,
    InspectionKind.CALIBRATION: Role.LEAD_INSPECTOR,
}
GRADERS: dict[str, frozenset[Role]] = {
    InspectionKind.INSPECTION: frozenset({Role.INSPECTOR, Role.LEAD_INSPECTOR}),
    InspectionKind.OWN_AUDIT: frozenset({Role.BODY_AUDITOR}),
    InspectionKind.CALIBRATION: frozenset({Role.INSPECTOR, Role.LEAD_INSPECTOR}),
}
#: Every role that leads some kind, or grades some kind (the pages' ``role_required``; the selectors then
#: scope each inspection by its kind).
LEADING_ROLES: tuple[Role, ...] = (Role.LEAD_INSPECTOR, Role.BODY_AUDITOR)
GRADING_ROLES: tuple[Role, ...] = (Role.INSPECTOR, Role.LEAD_INSPECTOR, Role.BODY_AUDITOR)


def _needs_body(kind: str) -> bool:
    return kind == InspectionKind.OWN_AUDIT


def may_lead(roles: frozenset[Role] | set[Role], kind: str, *, audits_body: bool) -> bool:
    """Whether a person with ``roles`` may lead an inspection of ``kind``: a lead inspector an inspectorate
    inspection; a body auditor an own audit of a body they audit (``audits_body``), nothing else."""
    return LEADS[kind] in roles and (audits_body or not _needs_body(kind))


def may_grade(roles: frozenset[Role] | set[Role], kind: str, *, audits_body: bool) -> bool:
    """Whether a person with ``roles`` may open and grade cases assigned to them in an inspection of
    ``kind``: the inspectorate's inspectors and lead inspectors in an inspectorate inspection; only a body
    auditor of that body (``audits_body``) in an own audit (never the inspectorate: the audit is the body's)."""
    return bool(GRADERS[kind] & roles) and (audits_body or not _needs_body(kind))


def may_be_assigned(roles: frozenset[Role] | set[Role], kind: str, *, audits_body: bool) -> bool:
    """Whether cases of an inspection of ``kind`` may be given to a person with ``roles`` to grade.

    An own audit: as ``may_grade`` (only its body's auditors). An inspectorate inspection: never a body's
    auditor who holds no inspectorate role; otherwise the inspectorate's rules of assignment stand as they
    always did (the lead chooses among the inspectorate's people)."""
    if _needs_body(kind):
        return may_grade(roles, kind, audits_body=audits_body)
    return not (Role.BODY_AUDITOR in roles and not GRADERS[kind] & roles)
