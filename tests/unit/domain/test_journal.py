from __future__ import annotations

from dataclasses import replace

from casereview.domain.journal import (
    GENESIS,
    Anchor,
    Entry,
    anchor_signature,
    entry_digest,
    verify_chain,
)

KEY = b"anchor-key-for-tests"


def chain(n: int) -> list[Entry]:
    out, previous = [], GENESIS
    for seq in range(1, n + 1):
        payload = {"seq": seq, "action": f"a{seq}"}
        digest = entry_digest(previous, payload)
        out.append(Entry(seq, payload, previous, digest))
        previous = digest
    return out


def anchor_at(entries: list[Entry], seq: int, key: bytes = KEY) -> Anchor:
    digest = entries[seq - 1].digest
    return Anchor(seq, digest, anchor_signature(key, seq, digest))


def test_an_untouched_chain_verifies_with_and_without_an_anchor() -> None:
    entries = chain(5)
    assert verify_chain(entries) is None
    assert verify_chain(entries, anchor=anchor_at(entries, 4), key=KEY) is None


def test_altering_an_entry_is_detected_at_that_entry() -> None:
    entries = chain(5)
    entries[2] = replace(entries[2], payload={"seq": 3, "action": "changed"})
    broken = verify_chain(entries)
    assert broken is not None and broken.seq == 3 and "digest" in broken.reason


def test_deleting_an_entry_leaves_a_gap() -> None:
    entries = chain(5)
    del entries[1]
    broken = verify_chain(entries)
    assert broken is not None and broken.seq == 2 and "missing" in broken.reason


def test_reordering_entries_is_detected() -> None:
    entries = chain(5)
    entries[1], entries[2] = entries[2], entries[1]
    broken = verify_chain(entries)
    assert broken is not None and broken.seq == 2


def test_renumbering_an_entry_is_detected() -> None:
    entries = chain(3)
    entries[2] = replace(entries[2], seq=4)
    assert verify_chain(entries) is not None
    entries = chain(3)
    entries[1] = replace(entries[1], payload={**entries[1].payload, "seq": 9})
    broken = verify_chain(entries)
    assert broken is not None and "sequence number" in broken.reason


def test_truncating_below_the_anchor_is_detected() -> None:
    entries = chain(6)
    anchor = anchor_at(entries, 5)
    broken = verify_chain(entries[:3], anchor=anchor, key=KEY)
    assert broken is not None and "missing" in broken.reason


def test_a_rewritten_chain_does_not_match_a_signed_anchor() -> None:
    entries = chain(4)
    anchor = anchor_at(entries, 4)
    forged, previous = [], GENESIS
    for e in entries:
        payload = {**e.payload, "action": "forged"}
        digest = entry_digest(previous, payload)
        forged.append(Entry(e.seq, payload, previous, digest))
        previous = digest
    broken = verify_chain(forged, anchor=anchor, key=KEY)
    assert broken is not None and "anchor" in broken.reason


def test_an_anchor_signed_with_another_key_is_refused() -> None:
    entries = chain(2)
    broken = verify_chain(entries, anchor=anchor_at(entries, 2, key=b"other"), key=KEY)
    assert broken is not None and "signature" in broken.reason
