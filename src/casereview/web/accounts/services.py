"""Creating users with a role; every change journaled."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from casereview.domain.journal import Operation
from casereview.domain.roles import ROLES, Role
from casereview.web.journal.services import journal_record


class AccountError(Exception):
    """A user could not be created; the message says why."""


def user_create(*, username: str, role: str, password: str, email: str = "", actor: Any = None) -> AbstractUser:
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}; roles are: {', '.join(ROLES)}")
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise AccountError(f"A user called {username!r} already exists")
    user = user_model(username=username, email=email)
    try:
        user.full_clean(exclude=["password"])
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages)) from exc
    user.set_password(password)
    with transaction.atomic():
        user.save()
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        journal_record(
            actor=actor,
            operation=Operation.ADMINISTRATION,
            action="user_create",
            object_type="user",
            object_id=user.get_username(),
            detail={"role": role},
        )
    return user


def user_roles(user: Any) -> frozenset[Role]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    names = getattr(user, "_casereview_roles", None)
    if names is None:
        names = frozenset(user.groups.values_list("name", flat=True))
        user._casereview_roles = names
    return frozenset(Role(n) for n in names if n in ROLES)


def has_any_role(user: Any, roles: frozenset[Role] | set[Role]) -> bool:
    return bool(user_roles(user) & set(roles))
