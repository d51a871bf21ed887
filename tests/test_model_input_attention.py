"""Attention over the deposited sequence, restricted to the observed residues, equals a direct run.

``test_model_attention_of_a_chain_*`` need the engine change (``model.attention(source,
sequence=None)`` calling ``source.model_input(sequence)`` and restricting to
``.positions``); before it, the model reads the observed residues glued together
and 1a0q H (two missing loops) fails.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from protattn_widgets.examples import example_path
from protattn_widgets.structures import load_structure
from test_models import reference_antiberty_attention

DATA = Path(__file__).parent / "data"

CHAINS = [
    (example_path("1a0q"), "H"),       # PDB SEQRES, 12 residues missing
    (DATA / "1ncb.cif.gz", "H"),       # mmCIF _pdbx_poly_seq_scheme
    (DATA / "1igy.cif.gz", "A"),
    (DATA / "1hzh.pdb.gz", "K"),       # PDB SEQRES, 13 missing (two loops and the C-terminus)
    (DATA / "1atp.pdb.gz", "E"),       # no deposited sequence: observed (TPO/SEP read as T/S)
]
IDS = ["1a0q-H", "1ncb-H", "1igy-A", "1hzh-K", "1atp-E"]


def restricted_reference(chain, sequence=None) -> np.ndarray:
    """Direct transformers run on what the chain's model input says, restricted to its observed residues."""
    model_input = chain.model_input(sequence)
    full = reference_antiberty_attention(model_input.sequence)
    return full[:, :, model_input.positions[:, None], model_input.positions[None, :]]


def attention_on_model_input(model, chain, sequence=None) -> np.ndarray:
    """The package's attention on the model input, restricted by hand (what the engine does for a chain)."""
    model_input = chain.model_input(sequence)
    values = model.attention(model_input.sequence).values
    return values[:, :, model_input.positions[:, None], model_input.positions[None, :]]


@pytest.mark.parametrize("path, chain_id", CHAINS, ids=IDS)
def test_attention_on_the_model_input_equals_a_direct_run(antiberty, path, chain_id):
    chain = load_structure(path)[chain_id]
    np.testing.assert_allclose(attention_on_model_input(antiberty, chain), restricted_reference(chain), atol=1e-5)


def test_reading_the_deposited_sequence_changes_the_attention(antiberty):
    heavy = load_structure(example_path("1a0q"))["H"]
    deposited = attention_on_model_input(antiberty, heavy)
    observed = attention_on_model_input(antiberty, heavy, "observed")
    assert deposited.shape == observed.shape == (8, 8, len(heavy), len(heavy))
    assert np.abs(deposited - observed).max() > 0.05


# --------------------------------------------------- needs the engine branch

@pytest.mark.parametrize("path, chain_id", CHAINS, ids=IDS)
def test_model_attention_of_a_chain_reads_the_deposited_sequence(antiberty, path, chain_id):
    chain = load_structure(path)[chain_id]
    attention = antiberty.attention(chain, use_cache=False)
    assert attention.values.shape == (8, 8, len(chain), len(chain))
    np.testing.assert_allclose(attention.values, restricted_reference(chain), atol=1e-5)


def test_model_attention_of_a_chain_takes_observed_and_user_sequences(antiberty):
    kinase = load_structure(DATA / "1atp.pdb.gz")["E"]
    full = "GNAAAAKKGSEQES" + kinase.sequence  # PKA's N-terminus before residue 15
    attention = antiberty.attention(kinase, sequence=full, use_cache=False)
    np.testing.assert_allclose(attention.values, restricted_reference(kinase, full), atol=1e-5)
    heavy = load_structure(example_path("1a0q"))["H"]
    observed = antiberty.attention(heavy, sequence="observed", use_cache=False)
    np.testing.assert_allclose(observed.values, reference_antiberty_attention(heavy.sequence), atol=1e-5)
