"""Strong pairs captured with the attention: exact float32 even when stored as float16."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets.analysis.accumulator import contact_accumulator
from protattn_widgets.attention import Attention
from protattn_widgets.cache import AttentionCache
from protattn_widgets.strong_pairs import DEFAULT_FLOOR, strong_pairs_of
from protattn_widgets.widgets.grid_counts import StrongPairIndex

ROOT = Path(__file__).resolve().parents[1]
HZH = ROOT / "protattn_widgets/data/antibodies/1hzh.pdb.gz"


@pytest.fixture(scope="module")
def heavy():
    return paw.load_structure(HZH)["H"]


@pytest.fixture(scope="module")
def model():
    return paw.load_model("antiberty")


@pytest.fixture(scope="module")
def exact(model, heavy):
    """The model's float32 attention, not cached (so nothing is rounded)."""
    return model.attention(heavy, use_cache=False)


@pytest.fixture(scope="module")
def half(model, heavy):
    """The same attention stored in float16 (every size goes to float16 in this cache)."""
    model.cache = AttentionCache(float16_above=0)
    try:
        return model.attention(heavy)
    finally:
        model.cache = paw.attention_cache


def _crossing_threshold(exact: Attention) -> tuple[float, int, int]:
    """A threshold between a pair's float32 value and its (larger) float16 rounding."""
    values = np.asarray(exact.values)
    rounded = values.astype(np.float16).astype(np.float32)
    candidates = np.argwhere((rounded > values) & (values > 0.2))
    layer, head, i, j = candidates[0]
    v = values[layer, head, i, j]
    return float(np.float32((v + rounded[layer, head, i, j]) / 2)), int(layer), int(head)


def test_captured_pairs_are_exact_although_the_stored_copy_is_float16(exact, half, heavy):
    assert half.values.dtype == np.float16 and half.strong_pairs is not None and half.strong_pairs.exact
    reference = strong_pairs_of(exact.values)  # from float32 values: the truth
    np.testing.assert_array_equal(half.strong_pairs.keys, reference.keys)
    np.testing.assert_array_equal(half.strong_pairs.pairs, reference.pairs)
    threshold, layer, head = _crossing_threshold(exact)
    index = StrongPairIndex(half, heavy)
    for t in (DEFAULT_FLOOR, 0.1, 0.3, threshold, 0.9):
        acc = contact_accumulator(exact, heavy, t, 1)
        hits, total = index.counts(t)
        np.testing.assert_array_equal(total, acc.total)
        np.testing.assert_array_equal(hits, acc.hits)
    # Counting the float16 copy itself gets that threshold wrong: the capture is what makes it exact.
    uncaptured = Attention(half.values, half.sequence, half.residue_ids, half.model_name)
    rounded = StrongPairIndex(uncaptured, heavy)
    assert not rounded.exact
    assert rounded.counts(threshold)[1][layer, head] > index.counts(threshold)[1][layer, head]


def test_the_companion_comes_back_from_memory_and_disk_and_its_loss_is_harmless(tmp_path, heavy):
    writer = paw.load_model("antiberty", cache=AttentionCache(directory=tmp_path))
    first = writer.attention(heavy)
    again = writer.attention(heavy)
    assert again.strong_pairs.keys is not None
    np.testing.assert_array_equal(again.strong_pairs.keys, first.strong_pairs.keys)
    assert writer.cache.hits == 1 and writer.cache.misses == 1  # the companion is not counted as a lookup
    reader = paw.load_model("antiberty", cache=AttentionCache(directory=tmp_path))
    runs = reader.forward_count
    served = reader.attention(heavy)
    assert reader.forward_count == runs
    np.testing.assert_array_equal(served.strong_pairs.pairs, first.strong_pairs.pairs)
    # The companion alone evicted: the attention still works, rebuilt from its (float32) values.
    for path in tmp_path.glob("*.npy"):
        if np.load(path, mmap_mode="r").ndim != 4:
            path.unlink()
            path.with_suffix(".json").unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an evicted entry is not a damaged one
        lone = paw.load_model("antiberty", cache=AttentionCache(directory=tmp_path)).attention(heavy)
    assert lone.strong_pairs is None
    a, b = StrongPairIndex(lone, heavy), StrongPairIndex(first, heavy)
    np.testing.assert_array_equal(a.counts(0.3)[0], b.counts(0.3)[0])
    np.testing.assert_array_equal(a.keys, b.keys)


def test_an_index_with_a_higher_floor_drops_the_weaker_pairs(half, heavy, exact):
    index = StrongPairIndex(half, heavy, floor=0.2)
    assert index.keys.size < StrongPairIndex(half, heavy).keys.size
    for t in (0.2, 0.5):
        np.testing.assert_array_equal(index.counts(t)[1], contact_accumulator(exact, heavy, t, 1).total)
    with pytest.raises(ValueError, match="above 0"):
        StrongPairIndex(half, heavy, floor=0.0)
