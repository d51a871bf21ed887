"""Antibody knowledge from a numbering library (ANARCI, the ``antibody`` extra), with the J-motif fallback.

Chains from the bundled structures whose types PROVENANCE.md states: 1vfb (D1.3, mouse
kappa + heavy), 5grj (avelumab, lambda), 5sv3 (a llama VHH), 1crn (not an antibody).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets import antibody

DATA = Path(paw.__file__).parent / "data"


@pytest.fixture(scope="module")
def chains():
    vfb = paw.load_structure(DATA / "structures" / "1vfb_complex.pdb")
    grj = paw.load_structure(DATA / "antibodies" / "5grj_complex.pdb.gz")
    sv3 = paw.load_structure(DATA / "antibodies" / "5sv3_complex.pdb.gz")
    crn = paw.load_structure(DATA / "structures" / "1crn.pdb")
    return {"VH": vfb["B"].sequence, "VK": vfb["A"].sequence, "lysozyme": vfb["C"].sequence,
            "VL": grj["L"].sequence, "VHH": sv3["C"].sequence, "crambin": crn["A"].sequence}


def _segments(sequence: str, found) -> dict[str, str]:
    return {name: "".join(r for r, label in zip(sequence, found.cdrs) if label == name) for name in found.cdrs_found}


def test_the_numbering_library_is_installed_for_the_tests():
    assert antibody.numbering_available(), "the test extra installs anarci and hmmer"


def test_chain_types_from_anarci(chains):
    assert {name: antibody.chain_type(seq) for name, seq in chains.items()} == {
        "VH": "heavy", "VK": "kappa", "lysozyme": None, "VL": "lambda", "VHH": "VHH", "crambin": None}


def test_d13_cdrs_follow_each_scheme_s_definition(chains):
    vh, vk = chains["VH"], chains["VK"]
    imgt = antibody.number_chain(vh)
    assert imgt.method == "anarci" and imgt.scheme == "imgt" and imgt.domain == (0, len(vh))
    assert _segments(vh, imgt) == {"CDR1": "GFSLTGYG", "CDR2": "IWGDGNT", "CDR3": "ARERDYRLDY"}
    assert _segments(vk, antibody.number_chain(vk)) == {"CDR1": "GNIHNY", "CDR2": "YTT", "CDR3": "QHFWSTPRT"}
    assert _segments(vh, antibody.number_chain(vh, "kabat")) == {
        "CDR1": "GYGVN", "CDR2": "MIWGDGNTDYNSALKS", "CDR3": "ERDYRLDY"}
    assert _segments(vh, antibody.number_chain(vh, "Chothia")) == {"CDR1": "GFSLTGY", "CDR2": "WGDGN",
                                                                   "CDR3": "ERDYRLDY"}
    # the CDR numbers are the scheme's: IMGT CDR3 is 105-117, Kabat's 95-102
    imgt_numbers = [n for n, label in zip(imgt.numbers, imgt.cdrs) if label == "CDR3"]
    assert imgt_numbers[0] == "105" and imgt_numbers[-1] == "117"


def test_cdr_labels_per_residue_and_sequence_tracks(chains):
    vh = chains["VH"]
    labels = antibody.cdr_labels(vh)
    assert len(labels) == len(vh) and set(labels) == {"", "CDR1", "CDR2", "CDR3"}
    assert antibody.cdr_labels(vh, prefix=True)[labels.index("CDR3")] == "CDR-H3"
    tracks = antibody.cdr_tracks(vh)
    assert list(tracks) == ["CDR-H1", "CDR-H2", "CDR-H3"]
    np.testing.assert_array_equal(tracks["CDR-H3"], np.asarray(labels) == "CDR3")
    assert list(antibody.cdr_tracks(chains["VK"], "kabat")) == ["CDR-L1 (Kabat)", "CDR-L2 (Kabat)", "CDR-L3 (Kabat)"]
    assert antibody.cdr_tracks(chains["lysozyme"]) == {} and antibody.cdr_labels("MKT") == ["", "", ""]


def test_unknown_scheme_is_a_clean_error():
    with pytest.raises(paw.InvalidOptionError, match="imgt, kabat, chothia"):
        antibody.number_chain("EVQL", "aho")


def test_explorer_shows_cdr_tracks_for_an_antibody_chain_only(antiberty):
    from protattn_widgets import AttentionExplorer

    vfb = paw.load_structure(DATA / "structures" / "1vfb_complex.pdb")
    explorer = AttentionExplorer(vfb, chain="A", model=antiberty, structure_view=False)
    tracks = explorer.sequence.annotations
    assert list(tracks)[:3] == ["CDR-L1", "CDR-L2", "CDR-L3"]
    np.testing.assert_array_equal(tracks["CDR-L3"], np.asarray(antibody.cdr_labels(vfb["A"].sequence)) == "CDR3")


FALLBACK = """
import json, sys
sys.modules["anarci"] = None  # hidden: as if the antibody extra were not installed
from pathlib import Path
import protattn_widgets as paw
from protattn_widgets import antibody
data = Path(paw.__file__).parent / "data"
vfb = paw.load_structure(data / "structures" / "1vfb_complex.pdb")
sv3 = paw.load_structure(data / "antibodies" / "5sv3_complex.pdb.gz")
crn = paw.load_structure(data / "structures" / "1crn.pdb")
out = {"available": antibody.numbering_available()}
for name, seq in {"VH": vfb["B"].sequence, "VK": vfb["A"].sequence, "antigen": vfb["C"].sequence,
                  "VHH": sv3["C"].sequence, "crambin": crn["A"].sequence}.items():
    found = antibody.number_chain(seq)
    out[name] = None if found is None else [found.chain_type, found.method, list(found.cdrs_found),
        {n: "".join(r for r, l in zip(seq, found.cdrs) if l == n) for n in found.cdrs_found}]
out["tracks"] = list(antibody.cdr_tracks(vfb["B"].sequence))
out["kabat"] = list(antibody.number_chain(vfb["B"].sequence, "kabat").cdrs_found)
out["note"] = paw.models.out_of_domain_note("antiberty", [crn["A"]])
print(json.dumps(out))
"""


def test_without_the_library_the_j_motif_rule_is_the_fallback():
    result = subprocess.run([sys.executable, "-c", FALLBACK], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["available"] is False
    # heavy/light only (no kappa/lambda, no VHH); IMGT CDR1 and CDR3 between their anchors, the same as ANARCI's
    assert out["VH"] == ["heavy", "j-motif", ["CDR1", "CDR3"], {"CDR1": "GFSLTGYG", "CDR3": "ARERDYRLDY"}]
    assert out["VK"] == ["light", "j-motif", ["CDR1", "CDR3"], {"CDR1": "GNIHNY", "CDR3": "QHFWSTPRT"}]
    assert out["VHH"][0] == "heavy" and out["antigen"] is None and out["crambin"] is None
    assert out["tracks"] == ["CDR-H1", "CDR-H3"]
    assert out["kabat"] == [], "the fallback places IMGT CDRs only"
    assert "J-region motif" in out["note"]


def test_fallback_and_library_agree_on_cdr1_and_cdr3_of_every_bundled_antibody():
    for path in sorted((DATA / "antibodies").glob("*")):
        for chain in paw.load_structure(path):
            library = antibody.number_chain(chain.sequence)
            motif = antibody.number_chain(chain.sequence, use_numbering=False)
            assert (library is None) == (motif is None), f"{path.name}:{chain.chain_id}"
            if library is None:
                continue
            assert library.is_heavy == motif.is_heavy
            for name in motif.cdrs_found:
                np.testing.assert_array_equal(motif.cdr_mask(name), library.cdr_mask(name),
                                              err_msg=f"{path.name}:{chain.chain_id} {name}")
