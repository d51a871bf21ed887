"""Findings of a hands-on pass as a new user (JupyterLab, CLI), each fixed with a test."""

from __future__ import annotations

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets.errors import StructureError


def test_bundled_example_name_loads_like_in_the_cli():
    # `protattn figure 1vfb_complex ...` works; the same name in Python raised StructureError.
    by_name = paw.load_structure("1vfb_complex")
    by_path = paw.load_structure(paw.example_path("1vfb_complex"))
    assert by_name.name == by_path.name == "1vfb_complex"
    assert by_name.chain_ids == by_path.chain_ids
    assert by_name["B"].sequence == by_path["B"].sequence


def test_unknown_name_is_still_a_clean_error():
    with pytest.raises(StructureError, match="not an existing file"):
        paw.load_structure("1vfb_complexx")


def test_antibody_variable_domains_keep_every_residue_up_to_the_j_motif():
    # 1a0q misses residues before the end of its variable domains: the domain end (counted in
    # observed residues) was used as a model-input length, cutting 5 residues off 1a0q:H and 1 off
    # 1a0q:L, and `analyze` then reported them as "truncated to their first 510 residues".
    from protattn_widgets.analysis.antibodies import ANTIBODY_STRUCTURES, antibody_dataset, variable_domain_end
    from protattn_widgets.analysis.datasets import records_from_structure

    entry = ANTIBODY_STRUCTURES["1a0q"]
    roles = {**{c: "heavy" for c in entry.heavy}, **{c: "light" for c in entry.light}}
    full = {r.chain.chain_id: r for r in records_from_structure(paw.load_structure(entry.path), roles)}
    cut = {r.chain.chain_id: r for r in antibody_dataset(["1a0q"])}
    assert any(full[c].chain.gaps_after for c in full)  # the case: missing residues in the chain
    for chain_id, record in cut.items():
        end = variable_domain_end(full[chain_id].sequence, roles[chain_id])
        assert end < len(full[chain_id])
        assert record.sequence == full[chain_id].sequence[:end]
        assert not record.truncated
    assert not any(r.truncated for r in antibody_dataset())


def test_heatmap_caption_of_a_flat_head_states_its_largest_weight():
    # A random ESM-2-shaped model on a 1,000-residue chain: every weight ~0.001, the caption read "largest 0.00".
    from protattn_widgets.attention import Attention
    from protattn_widgets.widgets.heatmap import AttentionHeatmap

    chain = paw.load_structure("1vfb_complex")["B"]
    n = len(chain)
    values = np.full((1, 1, n, n), 1.0 / n, dtype=np.float32)
    attention = Attention(values, chain.sequence, tuple(chain.residue_ids), "flat", chain.chain_id, chain.structure_name)
    heatmap = AttentionHeatmap(attention, chain, layer=0, head=0)
    assert f"largest {1 / n:.3f})" in heatmap.caption, heatmap.caption  # the one weight format: 3 decimals
    assert "largest 0.000)" not in heatmap.caption
