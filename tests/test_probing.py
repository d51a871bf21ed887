"""Probing classifiers per layer on AntiBERTy: embeddings know secondary structure, pairs know contacts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from protattn_widgets.analysis.probing import (
    SS3_CLASSES,
    attention_received,
    contact_pairs,
    contact_probe,
    layer_embeddings,
    pair_attention_features,
    pair_embedding_features,
    residue_probe,
    ss3_labels,
)

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def ss_records():
    """HELIX/SHEET labels of 19 chains (a copy of the shared pdb_header_ss.jsonl)."""
    return [json.loads(line) for line in (DATA / "pdb_header_ss.jsonl").read_text().splitlines()]


def test_ss3_labels_group_helices_strands_and_the_rest():
    assert SS3_CLASSES == ("helix", "strand", "other")
    assert ss3_labels("HGIEB-TS ").tolist() == [0, 0, 0, 1, 1, 2, 2, 2, 2]


def test_layer_embeddings_drop_special_tokens_and_are_cached(antiberty):
    sequence = "EVQLVESGGGLVQPGGSLRLSCAAS"
    embeddings = layer_embeddings(antiberty, sequence)
    assert embeddings.shape == (antiberty.n_layers, len(sequence), antiberty.module.config.hidden_size)
    assert layer_embeddings(antiberty, sequence) is embeddings
    np.testing.assert_allclose(layer_embeddings(antiberty, sequence, use_cache=False), embeddings, atol=1e-5)


def test_feature_builders_have_the_documented_shapes():
    rng = np.random.default_rng(0)
    values = rng.random((3, 4, 10, 10))
    pairs = np.array([[0, 6], [2, 9]])
    assert attention_received(values).shape == (3, 10, 4)
    np.testing.assert_allclose(attention_received(values)[1, 6, 2], values[1, 2, :, 6].sum())
    features = pair_attention_features(values, pairs)
    assert features.shape == (3, 2, 8)
    assert features[2, 1, 3] == values[2, 3, 2, 9] and features[2, 1, 4 + 3] == values[2, 3, 9, 2]
    embeddings = rng.random((3, 10, 5))
    assert pair_embedding_features(embeddings, pairs).shape == (3, 2, 10)


def test_embedding_probe_predicts_secondary_structure_of_a_held_out_antibody(antiberty, ss_records):
    # Held out: the Fab 1a0q (both chains); trained on the 13 other chains that fit AntiBERTy.
    usable = [r for r in ss_records if len(r["sequence"]) <= antiberty.max_length]
    train = [(r["sequence"], ss3_labels(r["ss"])) for r in usable if r["pdb_id"] != "1a0q"]
    test = [(r["sequence"], ss3_labels(r["ss"])) for r in usable if r["pdb_id"] == "1a0q"]
    assert len(test) == 2

    result = residue_probe(antiberty, train, test, task="secondary_structure", source="embedding")

    assert result.metrics["accuracy"].shape == (antiberty.n_layers,)
    majority = result.baseline["accuracy"]
    assert np.all(result.metrics["accuracy"] > majority)
    assert result.metrics["accuracy"].max() > majority + 0.1
    assert np.all(result.metrics["f1"] > result.baseline["f1"])


def test_contact_probes_score_every_layer(antiberty):
    import protattn_widgets as paw

    complex_ = paw.load_structure(paw.example_path("1vfb_complex"))
    fab = paw.load_structure(paw.example_path("1a0q"))
    train, test = [complex_["A"], complex_["B"], fab["L"][:108]], [fab["H"][:114]]

    pairs, contacts = contact_pairs(test[0], max_pairs=500)
    assert len(pairs) == 500 and np.all(pairs[:, 1] - pairs[:, 0] >= 6) and contacts.any()

    by_attention = contact_probe(antiberty, train, test, source="attention", max_pairs=1500)
    assert set(by_attention.metrics) == {"accuracy", "f1", "precision", "average_precision"}
    assert by_attention.n_train == 3 * 1500 and by_attention.n_test == 1500
    # Ranking pairs by a probe beats the contact rate (what a random ranking scores): raw
    # attention of one layer by about 1.5x, the embeddings by about 2x (0.11 vs 0.05).
    assert by_attention.metrics["average_precision"].max() > by_attention.baseline["average_precision"]
    by_embedding = contact_probe(antiberty, train, test, source="embedding", max_pairs=1000)
    assert by_embedding.metrics["average_precision"].max() > 1.5 * by_embedding.baseline["average_precision"]
