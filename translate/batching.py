"""Length-bucketed batching: sentences of similar length go in one batch so little compute is spent on padding."""

from __future__ import annotations

from collections.abc import Sequence


def length_batches(lengths: Sequence[int], batch_size: int, max_tokens: int | None = None) -> list[list[int]]:
    """Indices grouped into batches of similar length: sorted longest first, at most `batch_size` per batch
    and, when `max_tokens` is given, at most that many padded tokens (batch rows x longest row) per batch."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    # Longest first so a batch that would exhaust memory fails at the start, not after an hour of work.
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        width = lengths[current[0]] if current else lengths[i]
        too_many = len(current) >= batch_size
        too_wide = max_tokens is not None and current and (len(current) + 1) * max(width, 1) > max_tokens
        if current and (too_many or too_wide):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches

