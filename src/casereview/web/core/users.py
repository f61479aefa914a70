"""People, as every app reads them: one lookup by username, one type for an actor.

The user model is Django's (``django.contrib.auth``); no app of ours owns it, so the one way to find a
person by the name they sign in with lives here, below every app.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeAlias

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import (
    User as Person,  # the stored user (AUTH_USER_MODEL is Django's)
)

from casereview.domain.errors import Refused

#: Whoever acts: the person a request carries (role checks keep anonymous visitors out of every service that
#: changes anything) or a person the CLI found by name. Where an actor may be None, the system acts and the
#: journal names it "system".
User: TypeAlias = AbstractBaseUser | AnonymousUser


def user_by_username(username: str, *, active_only: bool = False) -> AbstractBaseUser | None:
    """The person who signs in as ``username`` (exactly as typed), or None."""
    found = get_user_model().objects.filter(username=username)
    if active_only:
        found = found.filter(is_active=True)
    return found.first()


def users_by_username(names: Iterable[str], *, active_only: bool = True) -> list[AbstractBaseUser]:
    """Every person named in ``names`` that exists (active ones only unless told otherwise)."""
    found = get_user_model().objects.filter(username__in=set(names))
    if active_only:
        found = found.filter(is_active=True)
    return list(found)


def person(actor: User | None) -> Person | None:
    """The actor as a stored user, for a column that records who did something: None for the system (the
    CLI without a named user) and for an anonymous visitor, whom role checks keep away from every change."""
    return actor if isinstance(actor, Person) else None


def signed_in(actor: User | None) -> Person:
    """The actor as a stored user, where only a person may act (who opened a send back, who published)."""
    found = person(actor)
    if found is None:
        raise Refused("Only a signed-in person can do this")
    return found
