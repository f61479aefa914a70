"""Sign-in rules: when failed sign-ins lock a username or an address, and when a sign-in is recent.

Two limits, because the two attacks differ.  Guessing one person's password
is stopped by a low limit per **username** (5): the username is locked
whatever address the next try comes from.  Trying a few common passwords
against many usernames from one address (password spraying) is stopped by a
much higher limit per **address** (100): an office shares one address, so a
handful of typos by different people must never lock everyone there out.

Failures count as django-axes counts them: each record holds the failures of
one username from one address and browser, and is forgotten once its last
failure is older than the cool-off (30 minutes); a failure during a lock-out
counts too, so trying on keeps the lock on.

Changing someone's account needs the administrator to have signed in, or
confirmed who they are, within the last few minutes (15): a session left open,
or a stolen session cookie, is not enough to take over accounts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class LockKind(StrEnum):
    USERNAME = "username"
    ADDRESS = "address"


@dataclass(frozen=True)
class LockoutLimits:
    """Failures that lock a username, failures that lock an address, and how long failures count."""

    username: int
    address: int
    cool_off: dt.timedelta

    def __post_init__(self) -> None:
        if self.username < 1 or self.address < 1:
            raise ValueError("lock-out limits must be at least 1 failure")
        if self.cool_off <= dt.timedelta(0):
            raise ValueError("the cool-off must be longer than zero")


@dataclass(frozen=True)
class Tally:
    """Failures on record for one username or one address, and when the last one was."""

    key: str
    failures: int
    last_at: dt.datetime
    usernames: int = 0  # for an address: how many different usernames were tried from it


@dataclass(frozen=True)
class Lock:
    kind: LockKind
    key: str
    failures: int
    last_at: dt.datetime
    until: dt.datetime
    usernames: int = 0


def lock_for(
    *, username_failures: int, address_failures: int, limits: LockoutLimits
) -> LockKind | None:
    """Which lock, if any, refuses a sign-in with these failures on record for its username and its address."""
    if username_failures >= limits.username:
        return LockKind.USERNAME
    if address_failures >= limits.address:
        return LockKind.ADDRESS
    return None


def counting_since(now: dt.datetime, limits: LockoutLimits) -> dt.datetime:
    """Records whose last failure is before this no longer count."""
    return now - limits.cool_off


def locks_in_force(
    *,
    usernames: Iterable[Tally],
    addresses: Iterable[Tally],
    limits: LockoutLimits,
    now: dt.datetime,
) -> list[Lock]:
    """The username and address locks in force at ``now``, the most recent first.

    Each tally sums the records of one username (or one address) that still
    count; a lock lasts until the cool-off has passed since its last failure.
    """
    since = counting_since(now, limits)
    found = [
        Lock(
            kind=kind,
            key=t.key,
            failures=t.failures,
            last_at=t.last_at,
            until=t.last_at + limits.cool_off,
            usernames=t.usernames,
        )
        for kind, tallies, limit in (
            (LockKind.USERNAME, usernames, limits.username),
            (LockKind.ADDRESS, addresses, limits.address),
        )
        for t in tallies
        if t.failures >= limit and t.last_at >= since
    ]
    return sorted(found, key=lambda lock: (lock.last_at, lock.kind, lock.key), reverse=True)


def signed_in_recently(*, proofs: Iterable[float | None], now: float, within: dt.timedelta) -> bool:
    """True when the latest proof of identity (sign-in, or confirming it is them) is no older than ``within``.

    Times are seconds since the epoch; a missing proof, or one from the future
    (a clock set back), does not count.
    """
    known = [p for p in proofs if p is not None]
    if not known:
        return False
    age = now - max(known)
    return 0 <= age <= within.total_seconds()
