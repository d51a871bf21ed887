"""APC map and per-head grid statistics, each checked against a direct loop."""

from __future__ import annotations

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets import head_statistics as hs
from protattn_widgets.attention import Attention
from protattn_widgets.errors import InvalidOptionError
from protattn_widgets.strong_pairs import strong_pairs_of


def softmax_attention(n_layers: int, n_heads: int, length: int, *, seed: int = 0, leftover: float = 0.1,
                      sharp: float = 4.0) -> np.ndarray:
    """Rows of a softmax, scaled so that ``leftover`` goes to (removed) special tokens."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=sharp, size=(n_layers, n_heads, length, length))
    weights = np.exp(logits - logits.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    return (weights * (1 - leftover)).astype(np.float32)


def attention_of(values: np.ndarray, **kwargs) -> Attention:
    length = values.shape[-1]
    return Attention(values, "A" * length, tuple(str(i + 1) for i in range(length)), "test", **kwargs)


# ------------------------------------------------------------------------------ APC


def apc_by_loop(a: np.ndarray) -> np.ndarray:
    a = a.astype(np.float64)
    length = len(a)
    s = np.array([[a[i, j] + a[j, i] for j in range(length)] for i in range(length)])
    rows = [sum(s[i, j] for j in range(length)) for i in range(length)]
    cols = [sum(s[i, j] for i in range(length)) for j in range(length)]
    total = sum(rows)
    return np.array([[s[i, j] - rows[i] * cols[j] / total for j in range(length)] for i in range(length)])


def test_apc_equals_the_direct_formula_on_a_small_head():
    a = softmax_attention(1, 1, 23)[0, 0]
    got = hs.apc(a)
    assert got.dtype == np.float32 and got.shape == (23, 23)
    np.testing.assert_allclose(got, apc_by_loop(a), atol=1e-6)
    np.testing.assert_array_equal(got, got.T)


def test_apc_matches_esm_torch_code_at_real_size():
    """L = 1,022 (ESM-2's longest), a stack of heads: the same as ESM's own torch apc(symmetrize(x))."""
    import torch  # a core dependency: missing, this fails rather than skips
    values = softmax_attention(1, 3, 1022, seed=3, sharp=6.0)[0]

    def esm_apc(x):  # esm/modules.py (MIT), verbatim maths
        x = x + x.transpose(-1, -2)
        a1, a2 = x.sum(-1, keepdims=True), x.sum(-2, keepdims=True)
        a12 = x.sum((-1, -2), keepdims=True)
        return x - a1 * a2 / a12

    expected = esm_apc(torch.from_numpy(values).double()).numpy()
    got = hs.apc(values)
    assert got.shape == (3, 1022, 1022)
    np.testing.assert_allclose(got, expected, atol=2e-6)
    one = hs.apc_head(attention_of(values[None]), 0, 2)
    np.testing.assert_array_equal(one, got[2])


def test_apc_of_a_float16_stack_and_an_empty_head():
    values = softmax_attention(2, 2, 17).astype(np.float16)
    values[1, 1] = 0
    got = hs.apc(values)
    np.testing.assert_allclose(got[0, 1], apc_by_loop(values[0, 1].astype(np.float32)), atol=1e-6)
    assert not got[1, 1].any()
    with pytest.raises(ValueError, match="square"):
        hs.apc(np.zeros((3, 4)))


def test_apc_removes_a_row_times_column_background():
    """Attention that is only "how much i attends times how much j is attended" (a symmetric outer product)
    is all background: APC leaves zeros; a contact added on top is what remains."""
    u = np.random.default_rng(5).random(30).astype(np.float32)
    background = np.outer(u, u) / 2
    np.testing.assert_allclose(hs.apc(background), 0, atol=1e-6)
    with_pair = background.copy()
    with_pair[3, 20] += 0.5
    corrected = hs.apc(with_pair)
    assert np.unravel_index(np.argmax(corrected), corrected.shape) in ((3, 20), (20, 3))


# ------------------------------------------------------------------------------ grid statistics


def test_attention_to_residue_equals_a_loop():
    values = softmax_attention(2, 3, 15)
    attention = attention_of(values)
    got = hs.attention_to_residue(attention, 4)
    expected = np.array([[sum(values[l, h, i, 4] for i in range(15) if i != 4) / 14 for h in range(3)]
                         for l in range(2)])
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    for bad in (-1, 15, 2.0, True):
        with pytest.raises(InvalidOptionError):
            hs.attention_to_residue(attention, bad)


def test_mean_separation_from_captured_pairs_equals_a_loop_at_every_threshold():
    values = softmax_attention(3, 4, 40, seed=1)
    values[0, 0, 5, 9] = 1.0  # a weight of exactly 1 (keyed as the next head's integer)
    values[0, 0, 7, 7] = 0.9  # self-attention is not a pair
    attention = attention_of(values, strong_pairs=strong_pairs_of(values, 0.05))
    plain = attention_of(values)  # no captured pairs: a pass over the values
    for threshold in (0.05, 0.1, 0.3, 0.6, 0.999, 0.02):
        mean, count = hs.mean_separation(attention, threshold)
        expected_mean, expected_count = np.full((3, 4), np.nan), np.zeros((3, 4), int)
        for l in range(3):
            for h in range(4):
                seps = [abs(i - j) for i in range(40) for j in range(40)
                        if i != j and values[l, h, i, j] >= np.float32(threshold)]
                expected_count[l, h] = len(seps)
                if seps:
                    expected_mean[l, h] = sum(seps) / len(seps)
        np.testing.assert_array_equal(count, expected_count)
        np.testing.assert_allclose(mean, expected_mean, rtol=1e-12)
        np.testing.assert_array_equal(hs.mean_separation(plain, threshold)[1], expected_count)
        np.testing.assert_allclose(hs.mean_separation(plain, threshold)[0], expected_mean, rtol=1e-12)
    assert hs.mean_separation(attention, 0.999)[1][0, 0] == 1


def test_entropy_equals_a_loop_and_its_bounds():
    values = softmax_attention(2, 2, 20, seed=2)
    values[1, 0] = 0
    values[1, 0, :, 3] = 0.5  # every row on one residue: 0 bits
    values[1, 1] = 0.04  # even rows: log2(L) bits
    values[0, 1, 6] = 0  # a row with no attention is left out of the mean
    got = hs.attention_entropy(attention_of(values))
    expected = np.zeros((2, 2))
    for l in range(2):
        for h in range(2):
            rows = []
            for i in range(20):
                row = values[l, h, i].astype(np.float64)
                if row.sum() > 0:
                    p = row / row.sum()
                    rows.append(-sum(x * np.log2(x) for x in p if x > 0))
            expected[l, h] = np.mean(rows)
    np.testing.assert_allclose(got, expected, atol=2e-5)
    assert got[1, 0] == pytest.approx(0, abs=1e-6) and got[1, 1] == pytest.approx(np.log2(20), abs=1e-5)
    np.testing.assert_allclose(hs.attention_entropy(attention_of(values.astype(np.float16))), expected, atol=2e-3)


def test_row_entropy_of_float16_heads_by_table_equals_the_float32_computation():
    """A float16 head (the stored dtype of long chains) is read through two table look-ups; it gives the float32
    computation on the same (rounded) values, and attention_entropy is computed once, with per-layer progress."""
    values = softmax_attention(3, 4, 37, seed=5)
    values[0, 2, 4] = 0  # a row with no attention
    values[2, 1] = 0
    values[2, 1, :, 9] = 0.9  # one-hot rows: 0 bits
    half = values.astype(np.float16)
    by_table = hs.row_entropy(half)
    direct = hs.row_entropy(half.astype(np.float32))
    assert by_table.dtype == np.float32 and by_table.shape == (3, 4, 37)
    assert np.isnan(by_table[0, 2, 4]) and np.isnan(direct[0, 2, 4])
    np.testing.assert_allclose(by_table, direct, atol=2e-6, equal_nan=True)
    np.testing.assert_allclose(by_table[2, 1], 0, atol=1e-6)
    layers = []
    attention = attention_of(half)
    first = hs.attention_entropy(attention, progress=lambda done, total: layers.append((done, total)))
    assert layers == [(1, 3), (2, 3), (3, 3)]
    np.testing.assert_allclose(first, hs.attention_entropy(attention_of(half.astype(np.float32))), atol=2e-6)
    assert hs.attention_entropy(attention, progress=lambda *a: layers.append(a)) is first and len(layers) == 3
    assert not first.flags.writeable
    shown = hs.head_statistic(attention, "entropy")
    shown[0, 0] = np.ma.masked  # the grid's copy, not the kept result
    assert np.isfinite(first[0, 0])


def test_special_token_mass_and_the_dispatcher():
    values = softmax_attention(2, 3, 10)
    mass = np.random.default_rng(0).random((2, 3, 10)).astype(np.float32)
    with_mass = Attention(values, "A" * 10, tuple(map(str, range(1, 11))), "test", special_token_mass=mass)
    plain = attention_of(values)
    np.testing.assert_allclose(hs.special_token_mass(with_mass), mass.mean(-1), rtol=1e-6)
    assert hs.special_token_mass(plain) is None
    assert "special_token_mass" in hs.available_statistics(with_mass)
    assert hs.available_statistics(plain, has_chain=False) == ["attention_to_residue", "mean_separation", "entropy"]
    with pytest.raises(InvalidOptionError, match="special-token mass"):
        hs.head_statistic(plain, "special_token_mass")
    with pytest.raises(InvalidOptionError, match="must be one of"):
        hs.head_statistic(plain, "contacts")
    assert hs.head_statistic(plain, "attention_to_residue").mask.all()
    np.testing.assert_allclose(hs.head_statistic(plain, "attention_to_residue", residue=2),
                               hs.attention_to_residue(plain, 2))
    few = hs.head_statistic(plain, "mean_separation", threshold=0.5, min_total=10 ** 6)
    assert few.mask.all()


def test_statistics_on_real_antiberty_attention(antiberty):
    """Captured float32 strong pairs of the real model give the same mean separation as the stored values."""
    chain = paw.load_structure(paw.example_path("1vfb_complex"))["B"]
    attention = antiberty.attention(chain)
    assert attention.strong_pairs is not None
    stored = attention_of(np.asarray(attention.values, dtype=np.float32))
    for threshold in (0.1, 0.3):
        mean, count = hs.mean_separation(attention, threshold)
        mean_ref, count_ref = hs.mean_separation(stored, threshold)
        np.testing.assert_array_equal(count, count_ref)
        np.testing.assert_allclose(mean, mean_ref)
    entropy = hs.attention_entropy(attention)
    assert entropy.shape == (8, 8) and np.all((entropy >= 0) & (entropy <= np.log2(len(chain)) + 1e-9))
    # AntiBERTy reports what each residue sends to special tokens: the grid offers it, and the sink flag
    mass = hs.special_token_mass(attention)
    np.testing.assert_allclose(mass, attention.special_token_mass.mean(-1), rtol=1e-6)
    assert "special_token_mass" in hs.available_statistics(attention)
    words = hs.flag_words_per_head(hs.protein_flags(attention, 0.3))
    assert [w for w, m in zip(words, mass.ravel()) if "sink" in w] == [w for w, m in zip(words, mass.ravel())
                                                                         if m >= 0.5]


# ------------------------------------------------------------------------------ one protein's flags


def test_protein_flags_equal_the_analysis_counters_on_the_dense_attention():
    from protattn_widgets.analysis.concentration import TargetConcentration
    from protattn_widgets.analysis.offsets import OffsetCounts

    values = softmax_attention(2, 4, 30, seed=4, sharp=3.0)
    values[0, 1] = 0
    values[0, 1, np.arange(29), np.arange(1, 30)] = 0.8  # positional: every residue on the next
    values[1, 2] = 0.01
    values[1, 2, :, 7] = 0.7  # column: everyone on residue 7
    mass = np.full((2, 4, 30), 0.1, np.float32)
    mass[1, 3] = 0.9  # sink
    for threshold, strong in ((0.3, strong_pairs_of(values, 0.05)), (0.3, None), (0.02, None)):
        attention = Attention(values, "A" * 30, tuple(map(str, range(1, 31))), "test", strong_pairs=strong,
                             special_token_mass=mass)
        got = hs.protein_flags(attention, threshold)
        offsets = OffsetCounts(2, 4, 30)
        for layer in range(2):
            offsets.add_strong(layer, values[layer] >= np.float32(threshold))
        concentration = TargetConcentration(2, 4, threshold).add(values)
        np.testing.assert_array_equal(got.offsets.counts, offsets.counts)
        np.testing.assert_array_equal(got.concentration.column_edges, concentration.column_edges)
        np.testing.assert_array_equal(got.concentration.total, concentration.total)
    words = hs.flag_words_per_head(hs.protein_flags(attention, 0.3))
    assert words[0 * 4 + 1] == "positional (+1)"
    assert words[1 * 4 + 2] == "column"
    assert words[1 * 4 + 3] == "sink"
    assert len(words) == 8
    no_mass = hs.protein_flags(attention_of(values), 0.3)
    assert no_mass.sinks is None and "sink" not in " ".join(hs.flag_words_per_head(no_mass))


def test_heatmap_matrix_kinds():
    values = softmax_attention(1, 2, 25, seed=6)
    attention = attention_of(values)
    np.testing.assert_array_equal(hs.heatmap_matrix(attention, 0, 1), values[0, 1])
    shown = hs.heatmap_matrix(attention, 0, 1, "apc")
    np.testing.assert_array_equal(shown, np.maximum(hs.apc(values[0, 1]), 0))
    assert shown.min() == 0 and shown.max() > 0
    with pytest.raises(InvalidOptionError, match="heatmap kind"):
        hs.heatmap_matrix(attention, 0, 1, "apcs")
    assert set(hs.GRID_FORMATS) == set(hs.GRID_STATISTICS)


def test_grid_view_says_what_it_shows():
    values = softmax_attention(2, 2, 12, seed=7)
    attention = attention_of(values, strong_pairs=strong_pairs_of(values, 0.05))
    view = hs.grid_view(attention, "mean_separation", threshold=0.3)
    np.testing.assert_array_equal(view["counts"], hs.mean_separation(attention, 0.3)[1])
    assert view["value_format"] == "number" and "0.3" in view["caption"]
    view = hs.grid_view(attention, "attention_to_residue", residue=3)
    assert "(4)" in view["caption"] and view["counts"] is None
    assert "select a residue" in hs.grid_view(attention, "attention_to_residue")["caption"]
    assert hs.grid_view(attention, "entropy")["values"].shape == (2, 2)


class _CountingHeads(np.ndarray):
    """Stored attention that counts how often a head is read."""
    reads = 0

    def __getitem__(self, key):
        if isinstance(key, tuple) and len(key) == 2:
            type(self).reads += 1
        return super().__getitem__(key)


def test_flags_of_uncaptured_attention_read_the_heads_once_for_every_threshold_above_the_floor():
    """Attention made without a capture: the strong pairs are rebuilt once and shared by every later
    threshold (the grid's flags read every head again on each threshold change before: 2.95 s at
    33 x 20, L = 1,022)."""
    values = softmax_attention(2, 4, 30, seed=5, sharp=3.0)
    attention = attention_of(values.view(_CountingHeads))
    _CountingHeads.reads = 0
    first = hs.strong_edges(attention, 0.3)
    assert _CountingHeads.reads == 8  # one pass over the 2 x 4 heads
    for threshold in (0.05, 0.12, 0.3, 0.9):
        flat, i, j = hs.strong_edges(attention, threshold)
        expected = np.argwhere(values >= np.float32(threshold))  # (layer, head, i, j)
        got = np.stack([flat // 4, flat % 4, i, j], axis=1)
        np.testing.assert_array_equal(got[np.lexsort(got.T[::-1])], expected)
        hs.protein_flags(attention, threshold)
    assert _CountingHeads.reads == 8, "a later threshold read the heads again"
    assert first[0].size > 0
