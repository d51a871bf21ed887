"""The per-head property statistic against a brute-force loop, and on a real protein."""

from __future__ import annotations

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets.analysis import PropertyAccumulator, contact_accumulator


def brute_force(values, labels, mask, threshold):
    """provis' loop, written out: every head, every pair."""
    n_layers, n_heads, length, _ = values.shape
    hits = np.zeros((n_layers, n_heads), int)
    total = np.zeros((n_layers, n_heads), int)
    for layer in range(n_layers):
        for head in range(n_heads):
            for i in range(length):
                for j in range(length):
                    pair_label = labels[i, j] if labels.ndim == 2 else labels[j]
                    pair_mask = mask[i, j] if mask.ndim == 2 else mask[j]
                    if pair_mask and values[layer, head, i, j] >= threshold:
                        total[layer, head] += 1
                        hits[layer, head] += bool(pair_label)
    return hits, total


@pytest.mark.parametrize("per_target", [False, True])
def test_counts_equal_brute_force(per_target):
    rng = np.random.default_rng(7)
    acc = PropertyAccumulator(3, 2, threshold=0.3, min_total=1)
    expected_hits = expected_total = 0
    for length in (9, 14):
        values = rng.random((3, 2, length, length)).astype(np.float32) ** 3
        shape = (length,) if per_target else (length, length)
        labels, mask = rng.random(shape) < 0.3, rng.random(shape) < 0.8
        acc.add(values, labels, mask)
        hits, total = brute_force(values, labels, mask, 0.3)
        expected_hits, expected_total = expected_hits + hits, expected_total + total
    np.testing.assert_array_equal(acc.hits, expected_hits)
    np.testing.assert_array_equal(acc.total, expected_total)
    assert acc.total.sum() > 0 and acc.hits.sum() > 0


def test_merging_equals_adding_everything_to_one():
    rng = np.random.default_rng(1)
    proteins = [(rng.random((2, 2, n, n)), rng.random((n, n)) < 0.2) for n in (5, 8, 11)]
    one = PropertyAccumulator(2, 2, 0.3)
    for values, labels in proteins:
        one.add(values, labels)
    a, b = PropertyAccumulator(2, 2, 0.3), PropertyAccumulator(2, 2, 0.3)
    a.add(*proteins[0])
    for values, labels in proteins[1:]:
        b.add(values, labels)
    merged = a + b
    np.testing.assert_array_equal(merged.hits, one.hits)
    assert (merged.background_hits, merged.background_total, merged.proteins) == (
        one.background_hits, one.background_total, 3)


def test_share_masks_heads_with_too_few_edges_and_background_counts_masked_pairs_out():
    values = np.zeros((1, 2, 4, 4))
    values[0, 0, 0, 1] = values[0, 0, 2, 3] = 0.9  # head 0: two strong edges
    labels = np.zeros((4, 4), bool)
    labels[0, 1] = True
    mask = np.ones((4, 4), bool)
    mask[3, :] = mask[:, 3] = False  # residue 4 has no coordinates
    acc = PropertyAccumulator(1, 2, 0.5, min_total=1).add(values, labels, mask)
    assert acc.total.tolist() == [[1, 0]]  # the edge to residue 4 is not counted
    assert acc.share[0, 0] == 1.0 and acc.share.mask.tolist() == [[False, True]]
    assert acc.background == 1 / 9
    acc.min_total = 2
    assert acc.share.mask.tolist() == [[True, True]]


def test_top_heads_use_paper_labels():
    acc = PropertyAccumulator(2, 3, 0.3, min_total=1)
    acc.hits[:] = [[1, 2, 3], [4, 9, 0]]
    acc.total[:] = 10
    top = acc.top_heads(2)
    assert top["label"].tolist() == ["2-2", "2-1"]
    # people read 1-based layer/head, as in the label; 0-based only under names that say so
    assert (top["layer"].tolist(), top["head"].tolist()) == ([2, 2], [2, 1])
    assert (top["layer_index"].tolist(), top["head_index"].tolist()) == ([1, 1], [1, 0])


def test_top_heads_table_has_intervals_and_bonferroni_tests():
    acc = PropertyAccumulator(2, 2, 0.3, min_total=5)
    acc.hits[:] = [[60, 5], [2, 0]]
    acc.total[:] = [[100, 100], [4, 100]]
    acc.background_hits, acc.background_total = 1, 10  # background 10%
    top = acc.top_heads(None)
    assert list(top.columns) == ["label", "layer", "head", "share", "hits", "total", "ci_low", "ci_high",
                                 "enrichment", "p_value", "significant", "flags", "layer_index", "head_index"]
    assert top["label"].tolist() == ["1-1", "1-2", "2-2"]  # 2-1 has 4 < min_total strong edges
    assert ((top["ci_low"] <= top["share"]) & (top["share"] <= top["ci_high"])).all()
    # 60 of 100 against a 10% background is overwhelming; 5 of 100 is below it
    assert top["significant"].tolist() == [True, False, False]
    assert top["p_value"].iloc[0] < 1e-20 and top["p_value"].iloc[1] > 0.9
    assert top["enrichment"].iloc[0] == pytest.approx(6.0)


def test_clopper_pearson_matches_the_beta_quantiles_and_known_values():
    from scipy.stats import beta

    from protattn_widgets.analysis.statistics import clopper_pearson

    hits = np.array([0, 1, 9, 57, 100, 3, 0])
    total = np.array([10, 10, 57, 57, 100, 1000, 0])
    low, high = clopper_pearson(hits, total)
    with np.errstate(invalid="ignore"):
        expected_low = np.where(hits > 0, beta.ppf(0.025, hits, total - hits + 1), 0.0)
        expected_high = np.where(hits < total, beta.ppf(0.975, hits + 1, total - hits), 1.0)
    np.testing.assert_array_equal(low[:-1], expected_low[:-1])
    np.testing.assert_array_equal(high[:-1], expected_high[:-1])
    assert np.isnan(low[-1]) and np.isnan(high[-1])  # no edges: no interval
    # 9 of 57 strong pairs: the 7.5-27.9% the head grid's tooltip quotes
    assert (round(100 * low[2], 1), round(100 * high[2], 1)) == (7.5, 27.9)
    assert (low[0], high[4]) == (0.0, 1.0)


def test_bad_shapes_are_rejected():
    acc = PropertyAccumulator(2, 2)
    with pytest.raises(ValueError, match="shape"):
        acc.add(np.zeros((3, 2, 4, 4)), np.zeros((4, 4), bool))
    with pytest.raises(ValueError, match="labels"):
        acc.add(np.zeros((2, 2, 4, 4)), np.zeros((5,), bool))


def test_contact_statistic_on_a_real_antibody(antiberty):
    chain = paw.load_structure(paw.example_path("1vfb_complex"))["B"]
    acc = contact_accumulator(antiberty.attention(chain), chain, threshold=0.3, min_total=10)
    contacts = chain.contact_map()
    assert acc.background == pytest.approx(contacts.sum() / len(chain) ** 2)
    best = acc.top_heads(1).iloc[0]
    # heads that attend to 3D contacts beat the background rate several times over
    assert best["share"] > 2 * acc.background
    # every ranked head states its evidence: edges, interval, and where its strong edges go
    top = acc.top_heads(None)
    assert (top["total"] >= 10).all() and (top["targets"] >= 1).all()
    assert (top["top_target_edges"] <= top["total"]).all()
    assert top["top_target"].str.match(r"^B [A-Z]{3} \d+[A-Z]?$").all()
    assert (top["column_head"] == (top["column_share"] >= 0.5)).all()


def test_the_antibody_dataset_includes_the_mmcif_entries_1ncb_and_1igy():
    from protattn_widgets.analysis import ANTIBODY_STRUCTURES, antibody_dataset

    assert ANTIBODY_STRUCTURES["1ncb"].path.name == "1ncb.cif.gz" and ANTIBODY_STRUCTURES["1ncb"].path.is_file()
    records = {r.id: r for r in antibody_dataset(["1ncb", "1igy"])}
    assert sorted(records) == ["1igy:A", "1igy:B", "1igy:C", "1igy:D", "1ncb:H", "1ncb:L"]
    # NC41 binds neuraminidase: its paratope is labelled; the intact IgG 1igy has no antigen
    assert 5 <= records["1ncb:H"].labels["paratope"].sum() < len(records["1ncb:H"])
    assert all("paratope" not in records[f"1igy:{c}"].labels for c in "ABCD")
    # cut to the variable domain: the heavy chain ends 11 residues after its J motif WGxG
    for rid in ("1ncb:H", "1igy:B"):
        assert records[rid].sequence[-11:-9] == "WG"
        assert 105 <= len(records[rid]) <= 130
