"""The sequence track marks where residues are missing (a disordered loop) between two neighbours."""

from __future__ import annotations

import re

from protattn_widgets.examples import example_path
from protattn_widgets.structures import load_structure
from protattn_widgets.widgets.sequence_track import SequenceTrack


def test_track_sends_the_gaps_of_1a0q_heavy_chain(antiberty):
    heavy = load_structure(example_path("1a0q"))["H"]
    track = SequenceTrack(antiberty.attention(heavy), heavy)
    state = track.get_state()
    pairs = {(heavy.residue_ids[i], heavy.residue_ids[i + 1]): n
             for i, n in zip(state["_gap_after"], state["_gap_missing"])}
    assert pairs == {("97", "100B"): 4, ("126", "134"): 7}
    assert track.gaps == heavy.gaps_after


def test_track_of_a_complete_chain_has_no_gap_marks(antiberty):
    light = load_structure(example_path("1a0q"))["L"]
    track = SequenceTrack(antiberty.attention(light), light)
    assert track.get_state()["_gap_after"] == [] and track.gaps == {}


def test_switching_chains_updates_the_gaps(antiberty):
    structure = load_structure(example_path("1a0q"))
    light, heavy = structure["L"], structure["H"]
    track = SequenceTrack(antiberty.attention(light), light)
    track.set_attention(antiberty.attention(heavy), heavy)
    assert len(track._gap_after) == 2 and sum(track._gap_missing) == 11


def test_the_built_front_end_draws_the_gap_marks():
    from protattn_widgets.widgets._base import STATIC

    bundle = (STATIC / "sequence_track.js").read_text()
    assert "_gap_after" in bundle and "_gap_missing" in bundle
    assert re.search(r"missing residues", bundle)
