"""A new head-grid threshold below the strong-pair floor reads every stored head ONCE, for both the
contact counts and the tooltip's flags (a pass each before; at 33 x 20, L = 1,022: 1.3 s against 13.5 s,
bench/results_widgets.md), and a threshold seen before reads none; the counts and flags are those of the
paths that read no head."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets import head_statistics as hs
from protattn_widgets.attention import Attention
from protattn_widgets.strong_pairs import strong_pairs_of
from protattn_widgets.widgets.head_grid import HeadGrid

from test_head_statistics import _CountingHeads  # stored attention that counts its head reads

UBQ = Path(paw.__file__).parent / "data" / "structures" / "1ubq.pdb"
N_LAYERS, N_HEADS = 2, 4
BELOW_FLOOR = (0.02, 0.011, 0.0125)  # the floor is 0.05; heads spread around 1 / L = 0.013
#: Attention on special tokens per head; head 2-1 is a sink (most of it there).
MASS = np.array([[0.1, 0.1, 0.1, 0.1], [0.6, 0.1, 0.1, 0.1]])[..., None]


@pytest.fixture(scope="module")
def chain():
    return paw.load_structure(UBQ)["A"]


@pytest.fixture(scope="module")
def values(chain):
    """float16 ``(2, 4, L, L)``: rows of a softmax times what special tokens leave (:data:`MASS`);
    head 1-2 attends to the next residue (positional), 1-3 to residue 6 (column)."""
    rng = np.random.default_rng(3)
    n = len(chain)
    logits = rng.normal(scale=0.5, size=(N_LAYERS, N_HEADS, n, n))
    logits[0, 1, np.arange(n - 1), np.arange(1, n)] += 6
    logits[0, 2, :, 5] += 6
    weights = np.exp(logits - logits.max(-1, keepdims=True))
    return ((1 - MASS[..., None]) * weights / weights.sum(-1, keepdims=True)).astype(np.float16)


def _attention(chain, values, **kwargs) -> Attention:
    mass = np.broadcast_to(MASS, values.shape[:3]).astype(np.float32)
    return Attention(values, chain.sequence, tuple(chain.residue_ids), "test", chain.chain_id, "1ubq",
                     special_token_mass=mass, **kwargs)


def test_a_new_threshold_below_the_floor_reads_each_head_once_and_a_repeat_none(chain, values):
    grid = HeadGrid(_attention(chain, values.view(_CountingHeads)), chain, threshold=0.3)
    _CountingHeads.reads = 0
    for t in BELOW_FLOOR:
        grid.threshold = t
        assert _CountingHeads.reads == N_LAYERS * N_HEADS, t  # counts and flags: one read of each head
        assert "approximate below 0.05" in grid.caption  # float16 copy below the floor: says so
        _CountingHeads.reads = 0
    grid.threshold = BELOW_FLOOR[0]  # seen before: its counts and flags are kept
    assert _CountingHeads.reads == 0
    grid.min_total = 2  # a new minimum re-ranks the kept counts
    assert _CountingHeads.reads == 0 and grid.contact_accumulator().min_total == 2
    grid.statistic_choice = "entropy"  # no contact counts: entropy once, the flags kept
    _CountingHeads.reads = 0
    grid.threshold = BELOW_FLOOR[1]
    assert _CountingHeads.reads == 0
    grid.threshold = 0.015  # a new one: the flags alone read each head once
    assert _CountingHeads.reads == N_LAYERS * N_HEADS


def test_counts_and_flags_below_the_floor_are_those_read_from_strong_pairs(chain, values):
    """The same float16 values as float32 with every pair >= 0.001 captured: the grid's counts come
    from its sorted pairs (a searchsorted) and the flags from the strong edges, reading no head."""
    grid = HeadGrid(_attention(chain, values), chain, threshold=0.3)
    exact = values.astype(np.float32)
    captured = _attention(chain, exact.view(_CountingHeads), strong_pairs=strong_pairs_of(exact, 0.001))
    reference = HeadGrid(captured, chain, threshold=0.3, floor=0.001)
    flagged = set()
    _CountingHeads.reads = 0
    for t in BELOW_FLOOR:
        grid.threshold = reference.threshold = t
        got, expected = grid.contact_accumulator(), reference.contact_accumulator()
        np.testing.assert_array_equal(got.total, expected.total)
        np.testing.assert_array_equal(got.hits, expected.hits)
        assert got.total.min() > 0
        assert grid._flags == reference._flags == hs.flag_words_per_head(hs.protein_flags(captured, t))
        flagged |= {word.split(" ")[0] for words in grid._flags for word in words.split("; ") if word}
    assert _CountingHeads.reads == 0  # the reference read no head: counts and flags from its strong pairs
    assert {"positional", "column", "sink"} <= flagged  # the flags compared are not all empty
