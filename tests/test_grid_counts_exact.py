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
from protattn_widgets.errors import InvalidOptionError
from protattn_widgets.widgets.grid_counts import model_float32_source
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


def _agrees(acc, truth) -> bool:
    return bool((acc.total == truth.total).all() and (acc.hits == truth.hits).all())


def test_threshold_changes_never_run_the_model_and_the_grid_says_when_counts_are_approximate(esm, structure, truth):
    ex = AttentionExplorer(structure, model=esm, chain="H", threshold=0.3)
    assert ex.attention.values.dtype == np.float16  # 240 heads at L = 457: stored as float16
    assert not ex.grid.pair_index.exact  # not exact at every threshold (float16 below the floor)
    runs = esm.forward_count
    for t in THRESHOLDS:
        ex.threshold = t
        acc = ex.grid.contact_accumulator()
        below = t < ex.grid.floor
        assert ex.grid.pair_index.exact_at(t) is not below, t
        assert ("approximate" in ex.grid.caption) is below, (t, ex.grid.caption)
        # What the page draws: the caption and the button are the explorer's synced grid traits.
        assert ex._grid_caption == ex.grid.caption and ex._grid_recount_available is below
        if not below:
            assert _agrees(acc, truth[t]), t
    assert esm.forward_count == runs  # no model run on any threshold change
    # The two thresholds: what the caption warns about (float16 rounds pairs across them).
    for t in (0.003, 0.0025):
        ex.threshold = t
        assert not _agrees(ex.grid.contact_accumulator(), truth[t]), t


def test_recount_exactly_gives_analyzes_counts_from_one_model_run(esm, structure, truth):
    ex = AttentionExplorer(structure, model=esm, chain="H", threshold=0.003)
    runs = esm.forward_count
    assert ex.grid.recount_available and "approximate" in ex.grid.caption
    ex._on_message(ex, {"type": "recount"}, [])  # the page's "recount exactly" button
    assert esm.forward_count == runs + 1
    assert ex.grid.pair_index.exact_at(0.003) and not ex.grid.recount_available
    assert "approximate" not in ex.grid.caption and ex._grid_caption == ex.grid.caption and ex.status == ""
    assert _agrees(ex.grid.contact_accumulator(), truth[0.003])
    # The one run also counted every slider position below the floor: dragging there stays exact.
    for t in THRESHOLDS:
        ex.threshold = t
        assert ex.grid.pair_index.exact_at(t) and "approximate" not in ex.grid.caption, t
        assert _agrees(ex.grid.contact_accumulator(), truth[t]), t
    assert esm.forward_count == runs + 1
    assert not ex.grid.pair_index.exact  # a typed threshold between slider positions ...
    ex.threshold = 0.00314
    assert not ex.grid.pair_index.exact_at(0.00314) and "approximate" in ex.grid.caption  # ... is approximate again
    assert ex.grid.recount_available and esm.forward_count == runs + 1


def test_without_the_model_the_grid_says_its_counts_below_the_floor_are_approximate(esm, structure, truth):
    chain = structure["H"]
    attention = esm.attention(chain)
    grid = HeadGrid(attention, chain, threshold=0.3)
    assert grid.pair_index.exact_at(0.3) and "approximate" not in grid.caption
    np.testing.assert_array_equal(grid.contact_accumulator().total, truth[0.3].total)
    grid.threshold = 0.0025
    assert not grid.pair_index.exact and not grid.pair_index.exact_at(0.0025)
    assert "approximate" in grid.caption and not grid.recount_available  # nothing to recount with
    acc = grid.contact_accumulator()
    # What the caption warns about: the float16 copy moves pairs across 0.0025.
    assert not _agrees(acc, truth[0.0025])
    with pytest.raises(InvalidOptionError, match="no model"):
        grid.recount_exactly()


def test_a_head_grid_widget_with_a_model_recounts_when_its_button_asks(esm, structure, truth):
    chain = structure["H"]
    grid = HeadGrid(esm.attention(chain), chain, threshold=0.0025, float32_source=model_float32_source(esm))
    assert grid.recount_available
    runs = esm.forward_count
    grid._on_message(grid, {"type": "recount"}, [])
    assert esm.forward_count == runs + 1 and not grid.recount_available
    assert _agrees(grid.contact_accumulator(), truth[0.0025])
