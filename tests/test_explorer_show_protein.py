"""AttentionExplorer.show_protein: one explorer switched to another structure's chain (the dataset browser's click)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets.errors import ChainNotFoundError, LayerHeadIndexError
from protattn_widgets.widgets.explorer import AttentionExplorer


@pytest.fixture(scope="module")
def explorer(antiberty):
    ex = AttentionExplorer(paw.example_path("1vfb_complex"), antiberty, chain="B", layer=1, head=6)
    yield ex
    ex.close()


def test_show_protein_switches_every_view_to_the_new_chain(explorer, antiberty):
    ex = explorer
    ex.heatmap_kind = "apc"
    ex.selected_residue = 5
    other = paw.load_structure(paw.example_path("1a0q"))
    chain = other.chain_ids[0]
    messages = []
    ex.comm.send = lambda data=None, *a, **k: messages.append(data) if ex.comm else None  # what leaves the kernel
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ex.show_protein(other, chain, layer=3, head=2)
    attention = antiberty.attention(other[chain])
    assert ex.structure is other and ex.chain == chain and ex.attention.values is attention.values  # cached
    assert (ex.layer, ex.head, ex.selected_residue) == (3, 2, None)
    assert ex.heatmap_kind == "apc"  # the reader's choices stay
    assert ex.residue_ids == list(other[chain].residue_ids) and ex.chain_id == chain
    assert [c["id"] for c in ex._chains] == list(other.chain_ids)
    for part in (ex.grid, ex.heatmap, ex.sequence):
        assert part.attention is ex.attention and (part.layer, part.head) == (3, 2)
    view = ex.structure_view
    assert view.structure is other and view._pa_name == other.name == ex._structure__pa_name
    assert ex._structure__pa_structure == view._pa_structure and ex._structure__pa_chain == chain
    assert len(ex._structure__pa_residue_keys) == len(other[chain])
    np.testing.assert_array_equal(view.edges[:, :2].astype(int), view.edges[:, :2])
    assert view._pa_head_label.endswith("4-3 (max)")
    # one state message carries the switch (the views never see a new structure with the old chain's data)
    states = [m for m in messages if isinstance(m, dict) and m.get("method") == "update"
              and set(m["state"]) - {"_status"}]  # besides the busy line's progress
    assert len(states) == 1, [sorted(m["state"]) for m in states]
    assert {"_structure__pa_structure", "_structure__pa_chain", "chain", "layer", "residue_ids"} <= set(states[0]["state"])
    del ex.comm.send


def test_show_protein_refuses_clearly_and_changes_nothing(explorer):
    ex = explorer
    before = (ex.structure, ex.chain, ex.layer, ex.head)
    with pytest.raises(ChainNotFoundError):
        ex.show_protein(paw.example_path("1vfb_complex"), "Q")
    with pytest.raises(LayerHeadIndexError):
        ex.show_protein(paw.example_path("1vfb_complex"), "B", layer=99)
    assert (ex.structure, ex.chain, ex.layer, ex.head) == before
    assert ex._status.get("kind") == "error" and "99" in ex.status
    ex.show_protein(paw.example_path("1vfb_complex"), "B")  # back, at the head shown
    assert ex.chain == "B" and (ex.layer, ex.head) == before[2:] and ex.status == ""
