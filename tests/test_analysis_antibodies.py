"""The bundled antibody dataset (19 structures, 16 with an antigen: 36 variable domains, 26 bound), its CDR labels and the paratope-vs-CDR control."""

from __future__ import annotations

import numpy as np
import pytest

from protattn_widgets import analysis
from protattn_widgets.analysis.antibodies import ANTIBODY_STRUCTURES, ORIGINAL_STRUCTURES, cdr_method
from protattn_widgets.antibody import chain_type, numbering_available

ADDED = ["1ahw_complex", "1bvk_complex", "1dqj_complex", "2vxt_complex", "2w9e_complex", "3hmx_complex",
         "3rjq_complex", "4pou_complex", "5hgg_complex", "6cwg_complex", "6ey6_complex"]


@pytest.fixture(scope="module")
def records():
    return analysis.antibody_dataset()


def test_the_eleven_docking_benchmark_complexes_are_bundled_with_their_chain_roles(records):
    assert set(ADDED) <= set(ANTIBODY_STRUCTURES) and len(ANTIBODY_STRUCTURES) == 19
    assert set(ORIGINAL_STRUCTURES) | set(ADDED) == set(ANTIBODY_STRUCTURES)
    for name in ADDED:
        entry = ANTIBODY_STRUCTURES[name]
        assert entry.path.name == f"{name}.pdb.gz" and entry.path.parent.name == "antibodies", name
        assert entry.antigen
    by_id = {r.id: r for r in records}
    assert len(records) == 36 and sum("paratope" in r.labels for r in records) == 26
    for name in ADDED:  # every antibody chain is what the table says, by its sequence
        entry = ANTIBODY_STRUCTURES[name]
        for chain_id in entry.heavy:
            assert chain_type(by_id[f"{name}:{chain_id}"].sequence) in ("heavy", "VHH"), (name, chain_id)
        for chain_id in entry.light:
            assert chain_type(by_id[f"{name}:{chain_id}"].sequence) in ("kappa", "lambda", "light"), (name, chain_id)
    for record in records:  # each a variable domain, with a paratope only where there is an antigen
        assert 100 <= len(record) <= 130, record.id
        if "paratope" in record.labels:
            assert 5 <= record.labels["paratope"].sum() < len(record) / 3, record.id


def test_cdr_labels_come_from_the_antibody_numbering(records):
    assert cdr_method() == ("anarci" if numbering_available() else "j-motif")
    for record in records:
        cdr = record.labels["cdr"]
        assert 15 <= cdr.sum() <= 45, record.id
        if "paratope" in record.labels:  # most paratope residues lie in the CDRs
            paratope = record.labels["paratope"]
            assert (paratope & cdr).sum() >= 0.6 * paratope.sum(), record.id


def test_paratope_in_cdr_counts_only_edges_landing_on_cdrs(antiberty, records):
    chosen = [r for r in records if r.id.startswith(("1vfb_complex", "4pou_complex"))]
    result = analysis.analyze(antiberty, chosen, ["cdr", "paratope", "paratope_in_cdr"], min_total=5,
                              progress=False)
    control = result["paratope_in_cdr"]
    paratope_and_cdr = sum(int((r.labels["paratope"] & r.labels["cdr"]).sum()) for r in chosen)
    cdr_residues = sum(int(r.labels["cdr"].sum()) for r in chosen)
    assert (control.background_hits, control.background_total) == (paratope_and_cdr, cdr_residues)
    # its strong edges are exactly the cdr property's hits; its hits never exceed the paratope's
    np.testing.assert_array_equal(control.total, result["cdr"].hits)
    assert (control.hits <= result["paratope"].hits).all()
    for record in chosen:  # by hand, for one protein
        strong = antiberty.attention(record.chain).values >= 0.3
        into = strong.sum(axis=2)  # (layers, heads, L): strong edges into each target
        mine = control.per_protein.query("protein == @record.id")
        cdr, paratope = record.labels["cdr"], record.labels["paratope"]
        np.testing.assert_array_equal(mine["total"].to_numpy().reshape(8, 8), into[..., cdr].sum(-1))
        np.testing.assert_array_equal(mine["hits"].to_numpy().reshape(8, 8), into[..., cdr & paratope].sum(-1))
