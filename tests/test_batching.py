"""Length-bucketed batching: every sentence once, similar lengths together, size and token limits kept."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from translate.batching import length_batches


@given(st.lists(st.integers(0, 300), max_size=80), st.integers(1, 16), st.one_of(st.none(), st.integers(1, 2000)))
def test_batches_partition_sorted_and_bounded(lengths, batch_size, max_tokens):
    batches = length_batches(lengths, batch_size, max_tokens)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(lengths)))
    assert all(1 <= len(b) <= batch_size for b in batches)
    # Longest first, so each batch holds neighbours in length order and padding is minimal.
    assert [lengths[i] for i in flat] == sorted(lengths, reverse=True)
    if max_tokens is not None:
        for b in batches:
            assert len(b) == 1 or len(b) * max(lengths[i] for i in b) <= max_tokens


def test_example():
    assert length_batches([3, 10, 1, 9, 2], 2) == [[1, 3], [0, 4], [2]]
    assert length_batches([5, 5, 5], 8, max_tokens=10) == [[0, 1], [2]]
    with pytest.raises(ValueError):
        length_batches([1], 0)
