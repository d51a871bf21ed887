"""Contact prediction from attention (ESM's recipe): APC, precision at L/k, a real fit on AntiBERTy."""

from __future__ import annotations

import numpy as np
import pytest

from protattn_widgets.analysis import antibody_dataset
from protattn_widgets.analysis.contact_prediction import (
    ContactPrecision,
    ContactPredictor,
    apc,
    attention_features,
    precision_at,
)


def test_apc_equals_its_formula_on_a_hand_matrix():
    a = np.array([[1.0, 2.0, 3.0],
                  [4.0, 5.0, 6.0],
                  [7.0, 8.0, 10.0]])
    # Row sums 6, 15, 25; column sums 12, 15, 19; total 46.
    expected = np.array([
        [1 - 6 * 12 / 46, 2 - 6 * 15 / 46, 3 - 6 * 19 / 46],
        [4 - 15 * 12 / 46, 5 - 15 * 15 / 46, 6 - 15 * 19 / 46],
        [7 - 25 * 12 / 46, 8 - 25 * 15 / 46, 10 - 25 * 19 / 46],
    ])
    np.testing.assert_allclose(apc(a), expected, rtol=0, atol=1e-12)
    stacked = apc(np.stack([a, 2 * a]))  # leading axes broadcast; APC is scale-equivariant
    np.testing.assert_allclose(stacked[1], 2 * expected, atol=1e-12)


def test_attention_features_are_symmetrised_apc_per_head_in_layer_major_order():
    rng = np.random.default_rng(0)
    values = rng.random((2, 3, 9, 9))
    features, pairs = attention_features(values, min_separation=6)
    assert features.shape == (len(pairs), 2 * 3)
    assert np.all(pairs[:, 1] - pairs[:, 0] >= 6)
    layer, head = 1, 2
    corrected = apc(values[layer, head] + values[layer, head].T)
    column = layer * 3 + head
    np.testing.assert_allclose(features[:, column], corrected[pairs[:, 0], pairs[:, 1]])


def test_precision_at_l_on_a_hand_made_case():
    length = 30
    i, j = np.triu_indices(length, k=1)
    short = [(a, b) for a, b in zip(i, j) if 6 <= b - a <= 11]
    long_ = [(a, b) for a, b in zip(i, j) if b - a >= 24]
    assert len(short) == 129 and len(long_) == 21
    contacts = np.zeros((length, length), dtype=bool)
    probabilities = np.zeros((length, length))

    # Short range: we rank 30 pairs on top; truth along that ranking is
    # top 6: T F T F T F (3), ranks 7-15: 7 T 2 F (10 of 15), ranks 16-30: 8 T 7 F (18 of 30).
    truth = [1, 0, 1, 0, 1, 0] + [1] * 7 + [0] * 2 + [1] * 8 + [0] * 7
    for rank, (pair, true) in enumerate(zip(short[:30], truth)):
        probabilities[pair] = 1.0 - rank / 100
        contacts[pair] = bool(true)
    for pair in short[30:40]:  # true contacts ranked below the top L: they do not count
        contacts[pair] = True
    # A short pair without coordinates, scored highest and "true": excluded entirely.
    hidden = short[60]
    probabilities[hidden], contacts[hidden] = 2.0, True
    mask = np.ones((length, length), dtype=bool)
    mask[hidden] = False
    # Long range: the top 6 (L/5) hold 2 contacts.
    for rank, pair in enumerate(long_):
        probabilities[pair] = 0.5 - rank / 100
        contacts[pair] = rank in (1, 4, 10)

    table = precision_at(probabilities, contacts, mask)
    assert table["short", "L"] == pytest.approx(18 / 30)
    assert table["short", "L/2"] == pytest.approx(10 / 15)
    assert table["short", "L/5"] == pytest.approx(3 / 6)
    assert table["long", "L/5"] == pytest.approx(2 / 6)
    assert table["long", "L"] == pytest.approx(3 / 21)  # only 21 long pairs exist: all are taken
    assert table.n_pairs.tolist() == [128, sum(1 for a, b in zip(i, j) if 12 <= b - a <= 23), 21]
    assert table.background[0] == pytest.approx(28 / 128)

    both = ContactPrecision.mean([table, table])
    assert both.n_proteins == 2 and both["short", "L"] == pytest.approx(0.6)
    assert both.to_dict()["long"]["L/5"] == pytest.approx(1 / 3)
    assert "short (6-11)" in str(both)


@pytest.fixture(scope="module")
def antibody_split(antiberty):
    """Variable domains of six bundled antibodies (those docs/analysis_contact_prediction.md uses): 4 to train on, 2 held out."""
    records = antibody_dataset(["1vfb_complex", "1mlc_complex", "5grj_complex", "5sv3_complex", "1a0q", "1hzh"])
    held_out = ("5grj_complex", "5sv3_complex")
    train = [r for r in records if not r.id.startswith(held_out)]
    test = [r for r in records if r.id.startswith(held_out)]
    assert len(train) == 10 and len(test) == 3
    attention = {r.id: antiberty.attention(r.chain) for r in records}
    return train, test, attention


def _held_out_precision(predictor, test, attention) -> ContactPrecision:
    return ContactPrecision.mean([predictor.score(attention[r.id], r.chain) for r in test])


def test_predicted_contacts_beat_background_on_held_out_antibodies(antibody_split, tmp_path):
    train, test, attention = antibody_split
    predictor = ContactPredictor().fit([attention[r.id] for r in train], [r.chain for r in train])
    assert predictor.coef_.shape == (8, 8) and predictor.model_name == "antiberty"

    table = _held_out_precision(predictor, test, attention)
    # AntiBERTy's heads carry short- and medium-range contacts (about 3-4x background here);
    # with ESM's training on all |i - j| >= 6, long-range precision stays near background.
    assert table["short", "L/5"] > 2 * table.background[0]
    assert table["medium", "L/5"] > 2 * table.background[1]

    probabilities = predictor.predict_proba(attention[test[0].id])
    length = len(test[0])
    assert probabilities.shape == (length, length)
    np.testing.assert_array_equal(probabilities, probabilities.T)
    near = np.abs(np.subtract.outer(np.arange(length), np.arange(length))) < 6
    assert np.all(probabilities[near] == 0) and np.all((probabilities >= 0) & (probabilities <= 1))

    path = predictor.save(tmp_path / "contacts.json")
    loaded = ContactPredictor.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(attention[test[0].id]), probabilities)
    assert loaded.training_ == predictor.training_


def test_a_long_range_predictor_beats_background_at_long_range(antibody_split):
    train, test, attention = antibody_split
    predictor = ContactPredictor(min_separation=24).fit([attention[r.id] for r in train],
                                                        [r.chain for r in train])
    table = _held_out_precision(predictor, test, attention)
    assert table["long", "L/5"] > 2 * table.background[2]


def test_predict_refuses_attention_of_another_shape(antibody_split):
    train, _, attention = antibody_split
    predictor = ContactPredictor().fit([attention[train[0].id]], [train[0].chain])
    with pytest.raises(ValueError, match="8 layers x 8 heads"):
        predictor.predict_proba(np.zeros((2, 3, 20, 20)))
    with pytest.raises(RuntimeError, match="not fitted"):
        ContactPredictor().predict_proba(np.zeros((2, 3, 20, 20)))
