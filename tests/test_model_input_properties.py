"""Property tests: placing observed residues in a deposited sequence, slicing, sequence cleaning."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

from protattn_widgets.errors import InvalidSequenceError
from protattn_widgets.examples import example_path
from protattn_widgets.sequences import ALLOWED_RESIDUES, clean_sequence, map_onto
from protattn_widgets.structures import load_structure

HEAVY = load_structure(example_path("1a0q"))["H"]


@st.composite
def observed_in_target(draw):
    """A target sequence, a strictly increasing subset of its positions and the true gaps."""
    alphabet = draw(st.sampled_from(["ACDEFGHIKLMNPQRSTVWY", "AG", "G"]))
    target = draw(st.text(alphabet=alphabet, min_size=1, max_size=80))
    keep = sorted(draw(st.sets(st.integers(0, len(target) - 1), min_size=1, max_size=len(target))))
    return target, np.array(keep, dtype=np.int64)


@settings(max_examples=200, deadline=None)
@given(observed_in_target())
def test_map_onto_with_the_true_numbering_reproduces_its_gaps(case):
    target, truth = case
    observed = "".join(target[i] for i in truth)
    expected = np.diff(truth) - 1
    positions = map_onto(observed, target, expected)
    assert positions is not None
    assert "".join(target[i] for i in positions) == observed
    # a placement with every gap as announced exists, so the one chosen has them all
    np.testing.assert_array_equal(np.diff(positions) - 1, expected)


@settings(max_examples=200, deadline=None)
@given(observed_in_target(), st.integers(0, 19))
def test_map_onto_never_places_a_residue_on_another_letter(case, letter):
    target, truth = case
    observed = list("".join(target[i] for i in truth))
    observed[0] = "ACDEFGHIKLMNPQRSTVWY"[letter]
    positions = map_onto("".join(observed), target)
    if positions is not None:
        assert "".join(target[i] for i in positions) == "".join(observed)
        assert (np.diff(positions) > 0).all()
    else:  # only when no in-order placement on identical letters exists at all
        remaining = iter(target)
        assert not all(letter in remaining for letter in observed)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, len(HEAVY) - 1), st.integers(1, len(HEAVY)))
def test_every_slice_keeps_the_model_input_consistent(start, size):
    part = HEAVY[start:start + size]
    model_input = part.model_input()
    assert "".join(model_input.sequence[i] for i in model_input.positions) == part.sequence
    assert model_input.sequence in HEAVY.deposited_sequence


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=30))
def test_clean_sequence_never_changes_the_residue_count(text):
    try:
        cleaned = clean_sequence(text)
    except InvalidSequenceError:
        return
    assert set(cleaned) <= set(ALLOWED_RESIDUES)
    assert len(cleaned) == sum(not c.isspace() for c in text)
    assert cleaned == "".join(c for c in text if not c.isspace()).upper()
