from __future__ import annotations

from casereview.domain.journal import GENESIS, entry_digest, verify_chain


def chain(payloads: list[dict[str, object]]) -> list[tuple[dict[str, object], str, str]]:
    out, previous = [], GENESIS
    for p in payloads:
        digest = entry_digest(previous, p)
        out.append((p, previous, digest))
        previous = digest
    return out


def test_an_untouched_chain_verifies() -> None:
    assert verify_chain(chain([{"a": 1}, {"b": 2}, {"c": 3}])) is None


def test_altering_an_entry_is_detected_at_that_entry() -> None:
    entries = chain([{"a": 1}, {"b": 2}, {"c": 3}])
    entries[1] = ({"b": 3}, entries[1][1], entries[1][2])
    broken = verify_chain(entries)
    assert broken is not None and broken.position == 1


def test_removing_an_entry_is_detected() -> None:
    entries = chain([{"a": 1}, {"b": 2}, {"c": 3}])
    del entries[1]
    broken = verify_chain(entries)
    assert broken is not None and broken.position == 1
