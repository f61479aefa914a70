"""The roles people hold in an inspection, named as the domain brief names them."""

from __future__ import annotations

from enum import StrEnum


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
    Role.ADMINISTRATOR: "Administrator",
    Role.LEAD_INSPECTOR: "Lead inspector",
    Role.INSPECTOR: "Inspector",
    Role.LIAISON_OFFICER: "Liaison officer",
    Role.ANALYST: "Analyst",
    Role.BODY_AUDITOR: "Body's own auditor",
}

#: Roles that may import a body's register (CLI and upload page).
CAN_IMPORT_REGISTERS: frozenset[Role] = frozenset({Role.ADMINISTRATOR, Role.LEAD_INSPECTOR})
