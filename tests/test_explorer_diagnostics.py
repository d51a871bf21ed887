"""The explorer's APC heatmap mode, grid colour choices and per-head flags (issue 22 §2), kernel side."""

from __future__ import annotations

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets import head_statistics as hs
from protattn_widgets.errors import InvalidOptionError
from protattn_widgets.widgets.encoding import float32_bytes


@pytest.fixture(scope="module")
def ex(antiberty):
    return paw.AttentionExplorer(paw.example_path("1vfb_complex"), antiberty, chain="B", layer=2, head=3,
                                 structure_view=False)


def grid_values(ex) -> np.ndarray:
    return np.frombuffer(ex._grid__values, np.float32).reshape(8, 8)


def test_grid_offers_every_statistic_and_shows_flags(ex):
    assert ex._grid__choices == list(hs.GRID_STATISTICS)  # AntiBERTy reports special-token mass
    assert ex.grid_statistic == "contact_share"
    assert ex._grid__flags == hs.flag_words_per_head(hs.protein_flags(ex.attention, ex.threshold))
    ex.threshold = 0.2
    assert ex._grid__flags == hs.flag_words_per_head(hs.protein_flags(ex.attention, 0.2))
    ex.threshold = 0.3


@pytest.mark.parametrize("name", ["entropy", "special_token_mass", "mean_separation"])
def test_grid_statistic_choice_recolours_the_grid(ex, name):
    ex.grid_statistic = name
    expected = hs.head_statistic(ex.attention, name, threshold=ex.threshold, min_total=ex.grid.min_total)
    assert ex._grid__values == float32_bytes(expected)
    assert ex._grid_caption == hs.grid_view(ex.attention, name, threshold=ex.threshold,
                                            min_total=ex.grid.min_total)["caption"]
    assert ex._grid_value_format == hs.GRID_FORMATS[name]
    ex.grid_statistic = "contact_share"
    assert ex._grid_value_format == "percent" and "contacts" in ex._grid_caption


def test_attention_to_the_selected_residue_follows_the_selection(ex):
    ex._grid_statistic_choice = "attention_to_residue"  # as the page's menu writes it
    assert ex.grid_statistic == "attention_to_residue"
    ex.selected_residue = 30
    np.testing.assert_allclose(grid_values(ex), hs.attention_to_residue(ex.attention, 30), rtol=1e-6)
    ex.selected_residue = 31
    np.testing.assert_allclose(grid_values(ex), hs.attention_to_residue(ex.attention, 31), rtol=1e-6)
    ex.grid_statistic = "contact_share"
    with pytest.raises(InvalidOptionError, match="the grid can show"):
        ex.grid_statistic = "contacts"


def test_apc_heatmap_mode(ex):
    raw = ex.heatmap.matrix.copy()
    ex.heatmap_kind = "apc"
    expected = hs.heatmap_matrix(ex.attention, ex.layer, ex.head, "apc")
    np.testing.assert_allclose(ex.heatmap.matrix, expected, atol=expected.max() / 254)
    assert "APC" in ex._heatmap_caption and ex._heatmap_kind == "apc"
    ex.head = 4  # a head change keeps the mode
    np.testing.assert_allclose(ex.heatmap.matrix, hs.heatmap_matrix(ex.attention, ex.layer, 4, "apc"),
                               atol=ex.heatmap._scale / 254)
    ex._heatmap_kind = "raw"  # as the page's menu writes it
    assert ex.heatmap_kind == "raw"
    ex.head = 3
    np.testing.assert_array_equal(ex.heatmap.matrix, raw)


def test_entropy_colouring_from_the_page_shows_its_progress_once(antiberty):
    """The first entropy colouring of a chain reads every head: the status line counts the layers, then clears;
    choosing it again reads nothing (kept on the attention)."""
    explorer = paw.AttentionExplorer(paw.example_path("1a0q"), antiberty, chain="H", structure_view=False)
    object.__setattr__(explorer.attention, "_entropy", None)  # as if this chain's entropy was never computed
    seen = []
    explorer.observe(lambda change: seen.append(dict(change["new"])), names="_status")
    explorer._grid_statistic_choice = "entropy"  # as the page's menu writes it
    layers = [s["done"] for s in seen if "done" in s and "entropy" in s["text"]]  # the first has no count yet
    assert layers == list(range(1, 9)) and "(layer 8 of 8)" in seen[-2]["text"] and seen[-1] == {}
    np.testing.assert_allclose(grid_values(explorer), hs.attention_entropy(explorer.attention), rtol=1e-6)
    explorer._grid_statistic_choice = "contact_share"
    seen.clear()
    explorer.grid_statistic = "entropy"
    assert not [s for s in seen if s.get("kind") == "busy"]
    explorer.close()
