"""Target concentration (column heads) against a brute-force loop, on a real antibody, and in words."""

from __future__ import annotations

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets.analysis import PropertyAccumulator, contact_accumulator
from protattn_widgets.analysis.concentration import (COLUMN_SHARE, TargetConcentration, evidence_grid,
                                                     format_evidence, head_evidence, received_counts)


def brute_force(proteins, threshold):
    """Per head, over proteins: edges into every (protein, target), written out as loops."""
    n_layers, n_heads = proteins[0][0].shape[:2]
    out = {k: np.zeros((n_layers, n_heads), int) for k in ("total", "targets", "top", "per_protein")}
    top_label = np.full((n_layers, n_heads), "", dtype=object)
    for p, (values, mask) in enumerate(proteins):
        length = values.shape[-1]
        for layer in range(n_layers):
            for head in range(n_heads):
                into = [0] * length
                for i in range(length):
                    for j in range(length):
                        counted = mask is None or (mask[j] if mask.ndim == 1 else mask[i, j])
                        if counted and values[layer, head, i, j] >= threshold:
                            into[j] += 1
                best = max(range(length), key=lambda j: (into[j], -j))
                out["total"][layer, head] += sum(into)
                out["targets"][layer, head] += sum(n > 0 for n in into)
                out["per_protein"][layer, head] += into[best] if into[best] >= 3 else 0  # a column: >= 3 queries
                if into[best] > out["top"][layer, head]:
                    out["top"][layer, head], top_label[layer, head] = into[best], f"p{p} {best}"
    return out, top_label


@pytest.mark.parametrize("mask_kind", [None, "target", "pair", "pair_sparse"])
def test_counts_equal_brute_force_and_layers_add_up(mask_kind):
    rng = np.random.default_rng(3)
    proteins = []
    for length in (7, 12, 9):
        values = (rng.random((3, 2, length, length)) ** 4).astype(np.float32)
        values[:, 0, :, 2] = 0.9  # head 0 of every layer: a column on residue 3
        mask = {None: None, "target": rng.random(length) < 0.8, "pair": rng.random((length, length)) < 0.9,
                "pair_sparse": rng.random((length, length)) < 0.2}[mask_kind]
        proteins.append((values, mask))
    whole = TargetConcentration(3, 2, 0.3)
    by_layer = TargetConcentration(3, 2, 0.3)
    for p, (values, mask) in enumerate(proteins):
        labels = [f"p{p} {j}" for j in range(values.shape[-1])]
        whole.add(values, mask=mask, labels=labels)
        for layer in range(3):  # streamed one layer at a time
            by_layer.add(values[layer], mask=mask, labels=labels, layer=layer)
    expected, top_label = brute_force(proteins, 0.3)
    for acc in (whole, by_layer):
        np.testing.assert_array_equal(acc.total, expected["total"])
        np.testing.assert_array_equal(acc.targets, expected["targets"])
        np.testing.assert_array_equal(acc.top_edges, expected["top"])
        np.testing.assert_array_equal(acc.column_edges, expected["per_protein"])
        assert acc.top_target.tolist() == top_label.tolist()
        assert acc.proteins == 3
    assert whole.total.sum() > 0


def test_merging_keeps_the_larger_top_target_and_adds_the_rest():
    rng = np.random.default_rng(5)
    proteins = [rng.random((2, 2, n, n)) ** 3 for n in (6, 10, 8)]
    one, a, b = (TargetConcentration(2, 2, 0.3) for _ in range(3))
    for p, values in enumerate(proteins):
        labels = [f"p{p} {j}" for j in range(values.shape[-1])]
        one.add(values, labels=labels)
        (a if p == 0 else b).add(values, labels=labels)
    merged = a + b
    for name in ("total", "targets", "top_edges", "column_edges"):
        np.testing.assert_array_equal(getattr(merged, name), getattr(one, name))
    assert merged.top_target.tolist() == one.top_target.tolist() and merged.proteins == 3
    restored = TargetConcentration.from_dict(merged.to_dict())
    np.testing.assert_array_equal(restored.top_edges, merged.top_edges)
    assert restored.top_target.tolist() == merged.top_target.tolist()


def test_a_column_head_is_flagged_and_a_spread_head_is_not():
    values = np.zeros((1, 2, 6, 6), np.float32)
    values[0, 0, :, 4] = 0.8          # head 1-1: every query looks at residue 5
    values[0, 1] = np.eye(6, k=1) * 0.8  # head 1-2: each query at its neighbour, 5 targets
    acc = TargetConcentration(1, 2, 0.3).add(values, labels=[f"A GLY {n}" for n in range(1, 7)])
    assert acc.column_head.tolist() == [[True, False]]
    assert acc.top_target_share.tolist() == [[1.0, 0.2]] and acc.targets.tolist() == [[1, 5]]
    assert acc.top_target[0, 0] == "A GLY 5"
    assert COLUMN_SHARE == 0.5


def test_one_strong_edge_per_protein_is_not_a_column():
    values = np.zeros((1, 1, 5, 5), np.float32)
    values[0, 0, 0, 3] = 0.9  # one strong edge: its target has 100 % of it, but no column
    acc = TargetConcentration(1, 1, 0.3)
    for _ in range(4):
        acc.add(values)
    assert (acc.top_target_share[0, 0], acc.column_share[0, 0], bool(acc.column_head[0, 0])) == (0.25, 0.0, False)
    values[0, 0, :3, 3] = 0.9  # three queries on residue 4: a column
    acc.add(values)
    assert acc.column_edges[0, 0] == 3 and acc.total[0, 0] == 7


def test_received_counts_masks_pairs_exactly():
    rng = np.random.default_rng(2)
    strong = rng.random((2, 3, 10, 10)) < 0.4
    mask = rng.random((10, 10)) < 0.7
    np.testing.assert_array_equal(received_counts(strong, mask), (strong & mask).sum(axis=-2))
    np.testing.assert_array_equal(received_counts(strong, ~mask), (strong & ~mask).sum(axis=-2))
    with pytest.raises(ValueError, match="shape"):
        TargetConcentration(2, 3).add(strong[0].astype(float))


def test_evidence_in_words():
    assert format_evidence(9, 57, what="contacts", top_edges=26, top_target="B MET 50") == (
        "9 of 57 strong edges on contacts (16 %, 95 % CI 7.5-28 %); 46 % go to one residue (B MET 50)")
    assert format_evidence(3, 10, what="contacts", column_share=0.6).endswith(
        "; column head (60 % to one residue per protein)")
    assert format_evidence(0, 0) == "no strong edges (0 on the property)"


def test_the_demo_head_2_7_is_a_column_head_on_1vfb(antiberty):
    """The issue's own numbers: head 2-7 on D1.3 rests on 9 of 57 edges, 26 of chain B's 28 go to M50."""
    structure = paw.load_structure(paw.example_path("1vfb_complex"))
    accs = [contact_accumulator(antiberty.attention(structure[c]), structure[c], 0.3, 20) for c in "BA"]
    pooled: PropertyAccumulator = accs[0] + accs[1]
    heavy = accs[0].concentration
    assert (heavy.top_edges[1, 6], heavy.total[1, 6], heavy.top_target[1, 6]) == (26, 28, "B MET 50")
    assert head_evidence(pooled, pooled.concentration, 1, 6, what="contacts").startswith(
        "9 of 57 strong edges on contacts (16 %, 95 % CI 7.5-28 %); 46 % go to one residue (B MET 50); column head")
    row = pooled.top_heads(1).iloc[0]
    assert (row["label"], bool(row["column_head"])) == ("2-7", True)
    grid = evidence_grid(pooled, what="contacts")
    assert len(grid) == 8 and len(grid[0]) == 8 and grid[1][6] == head_evidence(pooled, pooled.concentration, 1, 6,
                                                                                 what="contacts")


def test_demo_summary_states_each_heads_evidence_and_flags_column_heads(tmp_path):
    from protattn_widgets.demo import run_demo

    summary = run_demo(tmp_path / "demo", progress=False)
    rows = summary["top_heads"]
    assert all(r["strong_edges"] >= summary["min_total"] for r in rows)
    for r in rows:
        assert r["ci_low"] <= r["share"] <= r["ci_high"]
        assert r["evidence"].startswith(f"{r['contact_edges']} of {r['strong_edges']} strong edges on contacts")
        assert r["column_head"] == (r["column_share"] >= 0.5)
        assert r["label"] == f"{r['layer']}-{r['head']}" and r["layer"] == r["layer_index"] + 1
    text = (tmp_path / "demo" / "summary.txt").read_text()
    best = rows[0]
    assert f"{best['contact_edges']} of {best['strong_edges']} strong edges" in summary["sentence"]
    if best["column_head"]:
        assert "column head" in summary["sentence"] and summary["top_head_not_column"] in summary["sentence"]
    assert "95% CI" in text and "column" in text


def test_analyze_counts_what_the_per_protein_accumulators_count_and_saves_it(antiberty, tmp_path):
    import functools
    import json
    import operator

    from protattn_widgets.analysis import AnalysisResult, analyze, antibody_dataset

    records = antibody_dataset(["1vfb_complex"])
    result = analyze(antiberty, records, ["contact", "paratope"], min_total=20, progress=False)
    pooled = functools.reduce(operator.add, (
        contact_accumulator(antiberty.attention(r.chain), r.chain, 0.3, 20) for r in records)).concentration
    engine = result["contact"].concentration
    for name in ("total", "targets", "top_edges", "column_edges"):
        np.testing.assert_array_equal(getattr(engine, name), getattr(pooled, name), err_msg=name)
    # the dataset labels name the protein: "1vfb_complex:B MET 50" where one chain says "B MET 50"
    assert all(e.endswith(p[1:]) and e.startswith("1vfb_complex:") for e, p in
               zip(engine.top_target.ravel(), pooled.top_target.ravel()) if p)
    assert engine.top_target[1, 6] == "1vfb_complex:B MET 50"
    assert result["paratope"].concentration is result.concentrations["paratope"]
    np.testing.assert_array_equal(result.concentrations["paratope"].total, result["paratope"].total)

    loaded = AnalysisResult.load(result.save(tmp_path / "r"))
    assert loaded["contact"].top_heads(None).equals(result["contact"].top_heads(None))
    assert loaded.summary() == result.summary()
    json.dumps(loaded.summary(), allow_nan=False)
    # a result saved before concentrations existed loads without them (no made-up zeros)
    meta = json.loads((tmp_path / "r" / "result.json").read_text())
    del meta["concentrations"]
    (tmp_path / "r" / "result.json").write_text(json.dumps(meta))
    old = AnalysisResult.load(tmp_path / "r")
    assert old.concentrations == {} and "column_head" not in old["contact"].top_heads(3).columns
    assert old.summary()["features"]["contact"]["column_heads"] is None


def test_count_concentration_per_layer_equals_the_whole_tensor():
    """What the engine calls: once per protein, or once per layer when attention is streamed."""
    from types import SimpleNamespace

    from protattn_widgets.analysis.concentration import count_concentration

    rng = np.random.default_rng(11)
    values = (rng.random((4, 3, 10, 10)) ** 3).astype(np.float32)
    labelled = [(SimpleNamespace(name="contact"), None, rng.random((10, 10)) < 0.9),
                (SimpleNamespace(name="paratope"), None, rng.random(10) < 0.5)]
    whole = {p.name: TargetConcentration(4, 3, 0.3) for p, _, _ in labelled}
    streamed = {p.name: TargetConcentration(4, 3, 0.3) for p, _, _ in labelled}
    count_concentration(values, 0.3, labelled, whole)
    for layer in range(4):
        count_concentration(values[layer], 0.3, labelled, streamed, layer=layer)
    for name in whole:
        for field in ("total", "targets", "top_edges", "column_edges"):
            np.testing.assert_array_equal(getattr(streamed[name], field), getattr(whole[name], field))
        np.testing.assert_array_equal(whole[name].total, received_counts(values >= 0.3, labelled[
            0 if name == "contact" else 1][2]).sum(axis=-1))
