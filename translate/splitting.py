"""Splitting sentences that are too long for a model into pieces that fit, at the most natural boundaries.

Models silently truncate (or garble) inputs beyond their limit, so an over-long sentence is cut at clause
boundaries, each piece is translated on its own, and the translations are joined again: nothing is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Boundaries from strongest to weakest; a split happens after the matched text (before it for conjunctions).
_CONJUNCTIONS = (
    "und|aber|oder|sondern|denn|weil|dass|während|sowie|jedoch|"  # de
    "and|but|or|while|whereas|because|although|"  # en
    "et|mais|ou|car|y|pero|o|sino|и|но|а|"  # fr, es, ru
    "و|اما|ولی|که|زیرا|چون"  # fa
)
_LEVELS: list[tuple[re.Pattern[str], bool]] = [
    (re.compile(r"[;；]\s*"), False),
    (re.compile(r"[:：]\s+"), False),
    (re.compile(r"\s[—–-]\s|—"), False),
    (re.compile(r"[,،，、]\s*"), False),
    (re.compile(rf"\s(?=(?:{_CONJUNCTIONS})\s)", re.IGNORECASE), True),
    (re.compile(r"\s+"), False),
]

TokenCounter = Callable[[list[str]], list[int]]


def split_to_fit(text: str, count_tokens: TokenCounter, limit: int) -> list[str]:
    """Pieces of `text`, in order, each at most `limit` tokens by `count_tokens`; a text that fits is returned whole."""
    if limit < 1:
        raise ValueError("limit must be at least 1 token")
    if count_tokens([text])[0] <= limit:
        return [text]
    return _split(text.strip(), count_tokens, limit)


def _split(text: str, count_tokens: TokenCounter, limit: int) -> list[str]:
    """Cut at the strongest boundary nearest the middle and recurse on halves that are still too long."""
    if len(text) < 2:
        return [text]  # a single character over the limit: the limit is below the model's own overhead
    left, right = _cut(text)
    pieces: list[str] = []
    sizes = count_tokens([left, right])
    for part, size in zip((left, right), sizes):
        pieces.extend([part] if size <= limit else _split(part, count_tokens, limit))
    return pieces


def _cut(text: str) -> tuple[str, str]:
    """Two non-empty halves of `text`, cut at the strongest available boundary closest to the middle."""
    middle = len(text) / 2
    for pattern, before in _LEVELS:
        # A cut must leave text on both sides, or the recursion would not shrink anything.
        cuts = [m.start() if before else m.end() for m in pattern.finditer(text)]
        cuts = [c for c in cuts if text[:c].strip() and text[c:].strip()]
        if cuts:
            at = min(cuts, key=lambda c: (abs(c - middle), c))
            return text[:at].strip(), text[at:].strip()
    # One unbroken run of characters (a URL, or a script written without spaces): cut in the middle.
    at = max(1, len(text) // 2)
    return text[:at], text[at:]


def join_pieces(translations: list[str]) -> str:
    """The translation of a split sentence: its pieces' translations joined by single spaces."""
    return " ".join(t.strip() for t in translations if t.strip())
