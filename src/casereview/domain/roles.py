"""The roles people hold in an inspection, named as the domain brief names them."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    LEAD_INSPECTOR = "lead_inspector"
    INSPECTOR = "inspector"
    LIAISON_OFFICER = "liaison_officer"
    ANALYST = "analyst"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


ROLES: tuple[str, ...] = tuple(r.value for r in Role)

#: Roles that may import a body's register (CLI and upload page).
CAN_IMPORT_REGISTERS: frozenset[Role] = frozenset({Role.ADMINISTRATOR, Role.LEAD_INSPECTOR})
