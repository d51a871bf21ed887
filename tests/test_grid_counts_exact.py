"""Head-grid counts are exact at every threshold when attention is stored as float16, or the grid
says they are approximate (issue 23 item 2: a random 12 x 20 ESM-shaped model on 1HZH H)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets.analysis import analyze, records_from_structure
from protattn_widgets.cache import AttentionCache
from protattn_widgets.widgets import AttentionExplorer
from protattn_widgets.widgets.head_grid import HeadGrid

import tiny_models

HZH = Path(paw.__file__).parent / "data" / "antibodies" / "1hzh.pdb.gz"
# The thresholds, every slider position below the strong-pair floor, the floor and the paper's.
THRESHOLDS = (0.003, 0.0025, 0.02, 0.04, 0.05, 0.3)


@pytest.fixture(scope="module")
def esm(tmp_path_factory):
    # Head dimension 16: attention spread around 1/L, so 0.003 and 0.0025 fall among many pairs.
    folder = tiny_models.save_shaped(tmp_path_factory.mktemp("esm12x20"), "esm", 12, 20, hidden_size=320)
    return paw.load_model(str(folder), cache=AttentionCache())


@pytest.fixture(scope="module")
def structure():
    return paw.load_structure(HZH)


@pytest.fixture(scope="module")
def truth(esm, structure):
    """``analyze``'s contact counts (float32, one forward pass each) at every threshold."""
    record = records_from_structure(structure, ["H"])
    return {t: analyze(esm, record, ["contact"], threshold=t, min_total=1, progress=False)["contact"]
            for t in THRESHOLDS}


def test_the_explorers_grid_counts_are_analyzes_at_every_threshold(esm, structure, truth):
    ex = AttentionExplorer(structure, model=esm, chain="H")
    assert ex.attention.values.dtype == np.float16  # 240 heads at L = 457: stored as float16
    runs = esm.forward_count
    for t in THRESHOLDS:
        ex.threshold = t
        acc = ex.grid.contact_accumulator()
        np.testing.assert_array_equal(acc.total, truth[t].total, err_msg=f"threshold {t}")
        np.testing.assert_array_equal(acc.hits, truth[t].hits, err_msg=f"threshold {t}")
        assert ex.grid.pair_index.exact_at(t) and "approximate" not in ex.grid.caption
    assert ex.grid.pair_index.exact
    # 0.003 cost one float32 pass, which also counted 0.01-0.04; 0.0025 one more.
    assert esm.forward_count - runs == 2


def test_without_the_model_the_grid_says_its_counts_below_the_floor_are_approximate(esm, structure, truth):
    chain = structure["H"]
    attention = esm.attention(chain)
    grid = HeadGrid(attention, chain, threshold=0.3)
    assert grid.pair_index.exact_at(0.3) and "approximate" not in grid.caption
    np.testing.assert_array_equal(grid.contact_accumulator().total, truth[0.3].total)
    grid.threshold = 0.0025
    assert not grid.pair_index.exact and not grid.pair_index.exact_at(0.0025)
    assert "approximate" in grid.caption
    acc = grid.contact_accumulator()
    # What the caption warns about: the float16 copy moves pairs across 0.0025.
    assert (acc.total != truth[0.0025].total).any() or (acc.hits != truth[0.0025].hits).any()
