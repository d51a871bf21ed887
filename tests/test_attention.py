"""The Attention object: heads, edges, labels, and residue alignment on real structures."""

from __future__ import annotations

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets.attention import Attention, Edges
from protattn_widgets.errors import InvalidOptionError


def make_attention(matrix, n_layers=1, n_heads=1) -> Attention:
    matrix = np.asarray(matrix, dtype=np.float32)
    values = np.broadcast_to(matrix, (n_layers, n_heads, *matrix.shape)).copy()
    length = matrix.shape[0]
    return Attention(values, "A" * length, tuple(str(i + 1) for i in range(length)), "test")


HAND = [
    [0.5, 0.4, 0.1, 0.0],
    [0.2, 0.1, 0.0, 0.7],
    [0.05, 0.05, 0.6, 0.3],
    [0.1, 0.35, 0.35, 0.2],
]


def as_set(edges):
    return {(int(i), int(j), round(float(w), 4)) for i, j, w in edges}


def test_edges_max_mode_combines_directions_like_provis():
    edges = make_attention(HAND).edges(0, 0, threshold=0.3, mode="max")
    assert as_set(edges) == {(0, 1, 0.4), (1, 3, 0.7), (2, 3, 0.35)}
    assert list(edges.weights) == sorted(edges.weights, reverse=True)


def test_edges_mean_mode_averages_directions():
    edges = make_attention(HAND).edges(0, 0, threshold=0.3, mode="mean")
    assert as_set(edges) == {(0, 1, 0.3), (1, 3, 0.525), (2, 3, 0.325)}


def test_edges_directed_mode_keeps_direction_and_drops_self_attention():
    edges = make_attention(HAND).edges(0, 0, threshold=0.3, mode="directed")
    assert as_set(edges) == {(0, 1, 0.4), (1, 3, 0.7), (2, 3, 0.3), (3, 1, 0.35), (3, 2, 0.35)}


def test_threshold_zero_lists_every_pair_once():
    assert len(make_attention(HAND).edges(0, 0, threshold=0.0)) == 6


@pytest.mark.parametrize("threshold", [-0.1, 1.5, float("nan")])
def test_threshold_outside_unit_interval_is_rejected(threshold):
    with pytest.raises(ValueError, match="threshold"):
        make_attention(HAND).edges(0, 0, threshold=threshold)


def test_unknown_mode_is_rejected():
    with pytest.raises(ValueError, match="mode"):
        make_attention(HAND).edges(0, 0, mode="sum")


def test_labels_are_one_based():
    attn = make_attention(HAND, n_layers=12, n_heads=4)
    assert attn.label(0, 0) == "1-1"
    assert attn.label(11, 3) == "12-4"
    assert attn.label(-1, -1) == "12-4"


@pytest.mark.parametrize("layer, head, words", [
    (12, 0, "layer 12 is out of range: the model has 12 layers, indexed 0..11"),
    (0, 4, "head 4 is out of range"),
    (-13, 0, "layer -13"),
    (1.0, 0, "must be an integer"),
    (True, 0, "must be an integer"),
])
def test_layer_head_out_of_range(layer, head, words):
    attn = make_attention(HAND, n_layers=12, n_heads=4)
    with pytest.raises(paw.LayerHeadIndexError, match=words):
        attn.head(layer, head)
    with pytest.raises(IndexError):  # also a plain IndexError for generic handlers
        attn.edges(layer, head)


def test_received_is_column_sum():
    np.testing.assert_allclose(make_attention(HAND).received(0, 0), np.sum(HAND, axis=0), rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_received_of_every_head_at_once_has_the_bits_of_one_head_at_a_time(dtype):
    rng = np.random.default_rng(3)
    values = rng.dirichlet(np.ones(90) * 0.2, size=(3, 4, 90)).astype(dtype)
    one_by_one = Attention(values, "A" * 90, tuple(map(str, range(1, 91))), "test")
    expected = np.stack([[one_by_one.received(l, h) for h in range(4)] for l in range(3)])
    every = Attention(values, "A" * 90, tuple(map(str, range(1, 91))), "test")
    sums = every.received_all()
    assert sums.dtype == np.float32 and sums.shape == (3, 4, 90) and not sums.flags.writeable
    np.testing.assert_array_equal(sums, expected)
    assert every.received_all() is sums  # computed once
    np.testing.assert_array_equal(every.received(-1, 2), expected[2, 2])  # then served from it
    with pytest.raises(paw.LayerHeadIndexError):
        every.received(3, 0)


def test_shape_mismatch_is_rejected():
    with pytest.raises(ValueError, match="residues"):
        Attention(np.zeros((1, 1, 3, 3), np.float32), "AAAA", ("1", "2", "3", "4"), "test")


def test_1a0q_heavy_chain_attention_keeps_kabat_insertion_codes(antiberty):
    chain = paw.load_structure(paw.example_path("1a0q"))["H"]
    attn = antiberty.attention(chain)
    assert attn.residue_ids == tuple(chain.residue_ids)
    assert len(attn) == len(chain) == 205
    assert {"52A", "82A", "82B", "82C"} <= set(attn.residue_ids)
    # the model read the deposited SEQRES sequence (1a0q H misses a loop), not the observed residues
    assert attn.sequence_source == "deposited" and len(attn.model_sequence) > len(chain)
    # read as the observed residues, a chain's attention is that of its sequence: same cached array
    observed = antiberty.attention(chain, sequence="observed")
    assert antiberty.attention(chain.sequence).values is observed.values
    i = chain.index_of("82B")
    assert attn.sequence[i] == chain.sequence[i]
    assert (attn.chain_id, attn.structure_name) == ("H", "1a0q")


def test_7hvp_modified_aba_residues_stay_in_place(antiberty):
    chain = paw.load_structure(paw.example_path("7hvp"))["A"]
    attn = antiberty.attention(chain)
    assert len(attn) == 99
    for residue_id in ("67", "95"):
        i = chain.index_of(residue_id)
        # ABA (aminobutyric acid) reads as its parent alanine (issue 9), not as an unknown X
        assert chain.residue_names[i] == "ABA" and attn.sequence[i] == "A"
    inputs, positions = antiberty.encode(attn.sequence)
    tokens = antiberty.tokenizer.convert_ids_to_tokens(inputs["input_ids"][0, positions])
    assert "[UNK]" not in tokens and [tokens[chain.index_of(r)] for r in ("67", "95")] == ["A", "A"]
    assert tokens[chain.index_of("25")] == "D"  # the catalytic Asp25 is where it should be


def test_edges_are_typed_pairs_and_weights():
    edges = make_attention(HAND).edges(0, 0, threshold=0.3, mode="max")
    assert isinstance(edges, Edges)
    assert edges.pairs.dtype == np.int64 and edges.pairs.shape == (3, 2)
    assert edges.weights.dtype == np.float32 and edges.weights.shape == (3,)
    assert edges[0] == (1, 3, pytest.approx(0.7)) and len(edges[:2]) == 2
    np.testing.assert_array_equal(edges.i, edges.pairs[:, 0])
    empty = make_attention(HAND).edges(0, 0, threshold=1.0)
    assert empty.pairs.shape == (0, 2) and empty.weights.shape == (0,)


@pytest.mark.parametrize("threshold", ["0.3", True, False, None, float("nan"), -0.01, 1.01, [0.3]])
def test_edges_threshold_must_be_a_number_in_the_unit_interval(threshold):
    with pytest.raises(InvalidOptionError, match="threshold"):
        make_attention(HAND).edges(0, 0, threshold=threshold)
