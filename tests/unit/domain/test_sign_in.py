"""Sign-in rules: two lock-out limits, and what counts as a recent sign-in."""

from __future__ import annotations

import datetime as dt

import pytest

from casereview.domain.sign_in import (
    LockKind,
    LockoutLimits,
    Tally,
    counting_since,
    lock_for,
    locks_in_force,
    signed_in_recently,
)

LIMITS = LockoutLimits(username=5, address=100, cool_off=dt.timedelta(minutes=30))
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_five_failures_lock_a_username_and_four_do_not() -> None:
    assert lock_for(username_failures=4, address_failures=4, limits=LIMITS) is None
    assert lock_for(username_failures=5, address_failures=5, limits=LIMITS) is LockKind.USERNAME


def test_an_address_is_locked_only_at_its_own_much_higher_limit() -> None:
    assert lock_for(username_failures=0, address_failures=99, limits=LIMITS) is None
    assert lock_for(username_failures=0, address_failures=100, limits=LIMITS) is LockKind.ADDRESS


def test_a_username_at_its_limit_is_named_as_the_lock_even_when_the_address_is_locked_too() -> None:
    assert lock_for(username_failures=5, address_failures=500, limits=LIMITS) is LockKind.USERNAME


@pytest.mark.parametrize(
    ("username", "address", "minutes"), [(0, 100, 30), (5, 0, 30), (5, 100, 0)]
)
def test_limits_below_one_failure_or_without_a_cool_off_are_refused(
    username: int, address: int, minutes: int
) -> None:
    with pytest.raises(ValueError, match="at least 1|longer than zero"):
        LockoutLimits(username=username, address=address, cool_off=dt.timedelta(minutes=minutes))


def test_failures_count_for_the_cool_off_after_the_last_one() -> None:
    assert counting_since(NOW, LIMITS) == NOW - dt.timedelta(minutes=30)


def test_locks_in_force_are_the_tallies_at_their_limit_within_the_cool_off_the_latest_first() -> (
    None
):
    minutes = dt.timedelta(minutes=1)
    locks = locks_in_force(
        usernames=[
            Tally("ina", 5, NOW - 10 * minutes),
            Tally("bob", 4, NOW - minutes),  # under the limit
            Tally("old", 9, NOW - 31 * minutes),  # its last failure is older than the cool-off
        ],
        addresses=[
            Tally("10.0.0.1", 100, NOW - 2 * minutes, usernames=100),
            Tally("10.0.0.2", 99, NOW, usernames=3),
        ],
        limits=LIMITS,
        now=NOW,
    )
    assert [(lock.kind, lock.key) for lock in locks] == [
        (LockKind.ADDRESS, "10.0.0.1"),
        (LockKind.USERNAME, "ina"),
    ]
    assert locks[0].until == NOW + 28 * minutes and locks[0].usernames == 100
    assert locks[1].failures == 5 and locks[1].until == NOW + 20 * minutes


def test_a_sign_in_within_fifteen_minutes_is_recent_and_one_older_is_not() -> None:
    within = dt.timedelta(minutes=15)
    now = 1_000_000.0
    assert signed_in_recently(proofs=[now - 15 * 60], now=now, within=within)
    assert not signed_in_recently(proofs=[now - 15 * 60 - 1], now=now, within=within)


def test_confirming_it_is_you_later_counts_as_the_latest_proof() -> None:
    within = dt.timedelta(minutes=15)
    now = 1_000_000.0
    assert signed_in_recently(proofs=[now - 3600, now - 60], now=now, within=within)
    assert not signed_in_recently(proofs=[now - 3600, None], now=now, within=within)


def test_no_proof_or_one_from_the_future_is_not_recent() -> None:
    within = dt.timedelta(minutes=15)
    assert not signed_in_recently(proofs=[None, None], now=1000.0, within=within)
    assert not signed_in_recently(proofs=[], now=1000.0, within=within)
    assert not signed_in_recently(proofs=[2000.0], now=1000.0, within=within)
