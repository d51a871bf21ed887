"""Contacts by sequence separation (short 6-11, medium 12-23, long >= 24): statistics and predictor."""

from __future__ import annotations

import numpy as np
import pytest

from protattn_widgets import analysis
from protattn_widgets.analysis import ContactPredictor, precision_at
from protattn_widgets.analysis.report import feature_title
from protattn_widgets.definitions import SEPARATION_RANGES

RANGES = [f"contact_{name}" for name in SEPARATION_RANGES]


def test_range_statistics_partition_the_contact_statistic(antiberty):
    records = analysis.antibody_dataset(["1vfb_complex", "5sv3_complex"])
    result = analysis.analyze(antiberty, records, ["contact", *RANGES], min_total=10, progress=False)
    contact = result["contact"]
    # every contact lies in exactly one range
    np.testing.assert_array_equal(sum(result[f].hits for f in RANGES), contact.hits)
    assert sum(result[f].background_hits for f in RANGES) == contact.background_hits
    # each range counts only the strong edges at its separations (the contact total also has |i-j| < 6)
    for record in records:
        chain, attention = record.chain, antiberty.attention(record.chain)
        strong = attention.values >= 0.3
        separation = np.abs(np.subtract.outer(np.arange(len(chain)), np.arange(len(chain))))
        cb = chain.pair_mask("cb")
        for feature, (low, high) in zip(RANGES, SEPARATION_RANGES.values()):
            band = cb & (separation >= low) & (separation <= (high or len(chain)))
            mine = result[feature].per_protein.query("protein == @record.id")["total"].to_numpy().reshape(8, 8)
            np.testing.assert_array_equal(mine, strong[:, :, band].sum(axis=-1))
    backgrounds = [result[f].background for f in RANGES]
    assert backgrounds[0] > backgrounds[2] > 0  # short-range pairs are far more often in contact
    assert feature_title("contact_long") == "contacts at |i-j| ≥ 24"
    assert "contact_long" in result.summary()["features"]


def test_predictor_reports_long_range_precision_at_l_and_l5(antiberty):
    records = analysis.antibody_dataset(["1vfb_complex", "5sv3_complex"])
    chains = [r.chain for r in records]
    attentions = [antiberty.attention(c) for c in chains]
    predictor = ContactPredictor().fit(attentions[:2], chains[:2])
    table = predictor.score(attentions[2], chains[2])
    assert table.ranges == ("short", "medium", "long")
    assert table.separations == ((6, 11), (12, 23), (24, None))
    assert table.long_range == {"L": table["long", "L"], "L/5": table["long", "L/5"]}
    assert 0 <= table.long_range["L"] <= 1 and "long-range P@L" in str(table)


def test_long_range_precision_by_hand():
    length = 30
    probabilities = np.zeros((length, length))
    contacts = np.zeros((length, length), dtype=bool)
    probabilities[0, 29] = probabilities[1, 28] = 0.9  # two long-range predictions, one true
    contacts[0, 29] = True
    probabilities[2, 27] = 0.8
    contacts[5, 29] = True  # a long-range contact predicted low
    table = precision_at(probabilities, contacts)
    assert table.long_range["L/5"] == pytest.approx(1 / 6)  # top 30 // 5 = 6 long-range pairs, one true
    assert table.long_range["L"] == pytest.approx(2 / 21)  # only 21 pairs have |i - j| >= 24: all are taken
