"""English that should not be there: the test of a piece of text shared by every Welsh test (issue 25).

Pure Python (no Django), so that unit tests of the domain's Phrases and the page and report walks read English
the same way.
"""

from __future__ import annotations

import re

#: English words Welsh does not write on their own: two different ones in one piece of a page's text mark the
#: piece as English, whether or not the catalogue knows it (words made in Python outside it).
ENGLISH_WORDS = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "is",
        "are",
        "not",
        "for",
        "with",
        "this",
        "that",
        "has",
        "have",
        "was",
        "were",
        "your",
        "you",
        "will",
        "been",
        "from",
        "by",
        "or",
    ]
)


def reads_as_english(text: str) -> bool:
    """Two different common English words in ``text``: English, whether or not the catalogue knows it."""
    return len(set(re.findall(r"[a-z]+", text.lower())) & ENGLISH_WORDS) >= 2
