"""What the model reads for a chain: the deposited sequence, with the observed residues placed in it.

Real files: 1a0q (PDB, SEQRES, a CDR-H3 gap and a constant-domain gap), 1hzh K
(PDB, 13 missing), 1ncb / 1igy (mmCIF with ``_pdbx_poly_seq_scheme``), 1atp
(header stripped: no deposited sequence; real TPO 197 / SEP 338), 1aki and
3o5r in both formats.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from Bio.PDB.MMCIF2Dict import MMCIF2Dict

from protattn_widgets.analysis.datasets import ProteinRecord, records_from_structure
from protattn_widgets.errors import InvalidSequenceError, StructureError
from protattn_widgets.examples import example_path
from protattn_widgets.sequences import map_onto
from protattn_widgets.structures import MissingResiduesWarning, ModelInput, load_structure

DATA = Path(__file__).parent / "data"


def _gz_text(name: str) -> str:
    import gzip

    return gzip.decompress((DATA / name).read_bytes()).decode()


def _consistent(chain, model_input: ModelInput) -> None:
    """The contract: positions strictly increasing and the model input's letters there are the chain's."""
    positions = model_input.positions
    assert positions.dtype == np.int64 and positions.shape == (len(chain),)
    assert (np.diff(positions) > 0).all()
    assert "".join(model_input.sequence[i] for i in positions) == chain.sequence


def _gap_table(chain) -> dict[tuple[str, str], int]:
    return {(chain.residue_ids[i], chain.residue_ids[i + 1]): n for i, n in chain.gaps_after.items()}


# ------------------------------------------------------------- PDB SEQRES

def test_1a0q_heavy_chain_reads_its_seqres_with_both_gaps():
    heavy = load_structure(example_path("1a0q"))["H"]
    seqres = re.findall(r"^SEQRES.{5}H.{7}(.*)$", example_path("1a0q").read_text(), flags=re.M)
    assert len(heavy.deposited_sequence) == sum(len(line.split()) for line in seqres) == 217
    assert len(heavy) == 205
    # 98, 99, 100, 100A (CDR H3) and 127..133 are missing in the file's numbering.
    assert _gap_table(heavy) == {("97", "100B"): 4, ("126", "134"): 7}
    model_input = heavy.model_input()
    assert model_input.source == "deposited" and model_input.sequence == heavy.deposited_sequence
    _consistent(heavy, model_input)
    assert model_input.sequence[100:105] == "YGRSN"  # the CDR-H3 residues the model no longer loses
    assert heavy.model_input("observed").sequence == heavy.sequence


def test_1hzh_k_misses_13_residues():
    chain = load_structure(DATA / "1hzh.pdb.gz")["K"]
    assert len(chain.deposited_sequence) - len(chain) == 13
    assert sum(chain.gaps_after.values()) == 10  # and 3 after the last observed residue
    assert len(chain.deposited_sequence) - 1 - chain.deposited_positions[-1] == 3
    _consistent(chain, chain.model_input())


def test_seqres_that_does_not_match_the_atoms_is_an_error_naming_the_chain():
    text = example_path("1a0q").read_text()
    # SEQRES H line 1 claims TRP for the first residues: the observed residues no longer fit.
    broken = re.sub(r"^(SEQRES   1 H  217  )(\w\w\w \w\w\w \w\w\w)", r"\1TRP TRP TRP", text, flags=re.M)
    assert broken != text
    heavy = load_structure(broken)["H"]
    with pytest.raises(StructureError, match=r"chain 'H'.*SEQRES.*sequence='observed'"):
        heavy.model_input()
    assert heavy.model_input("observed").sequence == heavy.sequence  # the way out still works
    assert load_structure(broken)["L"].model_input().source == "deposited"  # other chains unaffected


# ------------------------------------------------ mmCIF _pdbx_poly_seq_scheme

@pytest.mark.parametrize("name", ["1ncb.cif.gz", "1igy.cif.gz"])
def test_mmcif_deposited_sequence_is_the_entity_sequence(name):
    import io

    table = MMCIF2Dict(io.StringIO(_gz_text(name)))
    canonical = {}
    for strands, code in zip(table["_entity_poly.pdbx_strand_id"], table["_entity_poly.pdbx_seq_one_letter_code_can"]):
        for strand in strands.split(","):
            canonical[strand.strip()] = re.sub(r"\s+", "", code)
    structure = load_structure(DATA / name)
    for chain in structure:
        assert chain.deposited_sequence == canonical[chain.chain_id]
        model_input = chain.model_input()
        assert model_input.source == "deposited"
        _consistent(chain, model_input)
    # author ids come from the scheme: every observed id is where the scheme puts it
    rows = zip(table["_pdbx_poly_seq_scheme.pdb_strand_id"], table["_pdbx_poly_seq_scheme.seq_id"],
               table["_pdbx_poly_seq_scheme.pdb_seq_num"], table["_pdbx_poly_seq_scheme.pdb_ins_code"])
    where = {(s, n + ("" if c in ".?" else c)): int(k) - 1 for s, k, n, c in rows}
    for chain in structure:
        expected = [where[(chain.chain_id, rid)] for rid in chain.residue_ids]
        np.testing.assert_array_equal(chain.deposited_positions, expected)


def _drop_residues(text: str, fmt: str, chain_id: str, first: int, last: int) -> str:
    """``text`` without the atoms of residues ``first..last`` (author numbers) of ``chain_id``: a missing loop."""
    if fmt == "pdb":
        return "\n".join(line for line in text.split("\n")
                         if not (line.startswith(("ATOM", "HETATM")) and line[21] == chain_id
                                 and first <= int(line[22:26]) <= last)) + "\n"
    lines = text.split("\n")
    start = next(k for k, line in enumerate(lines) if line.startswith("_atom_site."))
    header = []
    for line in lines[start:]:
        if not line.startswith("_atom_site."):
            break
        header.append(line.strip())
    auth_seq, auth_asym = header.index("_atom_site.auth_seq_id"), header.index("_atom_site.auth_asym_id")
    kept = []
    for line in lines:
        fields = line.split()
        if (line.startswith(("ATOM", "HETATM")) and len(fields) == len(header)
                and fields[auth_asym] == chain_id and first <= int(fields[auth_seq]) <= last):
            continue
        kept.append(line)
    return "\n".join(kept)


@pytest.mark.parametrize("entry, chain_id, loop", [("1aki", "A", (45, 50)), ("3o5r", "A", (60, 64))])
def test_pdb_and_mmcif_of_one_entry_give_the_same_mapping(entry, chain_id, loop):
    pdb, cif = _gz_text(f"{entry}.pdb.gz"), _gz_text(f"{entry}.cif.gz")
    for with_gap in (False, True):
        if with_gap:
            pdb, cif = _drop_residues(pdb, "pdb", chain_id, *loop), _drop_residues(cif, "cif", chain_id, *loop)
        a, b = load_structure(pdb)[chain_id], load_structure(cif)[chain_id]
        assert a.residue_ids == b.residue_ids and a.sequence == b.sequence
        assert a.deposited_sequence == b.deposited_sequence is not None
        np.testing.assert_array_equal(a.deposited_positions, b.deposited_positions)
        gap = loop[1] - loop[0] + 1
        assert _gap_table(a) == ({(str(loop[0] - 1), str(loop[1] + 1)): gap} if with_gap else {})
        assert len(a.deposited_sequence) - len(a) == (gap if with_gap else 0)


def test_mmcif_scheme_that_disagrees_with_the_atoms_is_an_error_naming_the_chain():
    text = _gz_text("1aki.cif.gz")
    # the scheme row of author residue 1 (LYS) claims TRP
    broken, count = re.subn(r"^(A 1 1\s+)LYS(.*)$", r"\1TRP\2", text, count=1, flags=re.M)
    assert count == 1
    chain = load_structure(broken)["A"]
    with pytest.raises(StructureError, match=r"chain 'A' of .*residue 1 is LYS but _pdbx_poly_seq_scheme has TRP"):
        chain.model_input()


# ------------------------------------------------------ no deposited sequence

def test_1atp_has_no_deposited_sequence_and_reads_modified_residues_as_parents():
    structure = load_structure(DATA / "1atp.pdb.gz")
    kinase = structure["E"]
    assert kinase.deposited_sequence is None
    for rid, name, letter in (("197", "TPO", "T"), ("338", "SEP", "S")):
        i = kinase.index_of(rid)
        assert kinase.residue_names[i] == name and kinase.sequence[i] == letter
    assert "X" not in kinase.sequence
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # author numbering 15..350 without jumps: no warning
        model_input = kinase.model_input()
    assert model_input.source == "observed" and model_input.sequence == kinase.sequence
    np.testing.assert_array_equal(model_input.positions, np.arange(len(kinase)))


def test_fallback_warns_when_the_numbering_jumps():
    text = "\n".join(line for line in example_path("1a0q").read_text().split("\n") if not line.startswith("SEQRES"))
    heavy = load_structure(text)["H"]
    assert heavy.deposited_sequence is None
    with pytest.warns(MissingResiduesWarning, match=r"chain 'H'.*97->100B.*126->134"):
        model_input = heavy.model_input()
    assert model_input.source == "observed"
    # numbering estimates the gaps for the sequence track
    assert _gap_table(heavy) == {("97", "100B"): 2, ("126", "134"): 7}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert heavy.model_input("observed").source == "observed"


def test_user_sequence_places_the_observed_residues():
    kinase = load_structure(DATA / "1atp.pdb.gz")["E"]
    # the full PKA catalytic subunit starts GNAAAAKKGSEQESVKEFLAKAKEDFLKKWE... (residue 15 is V here)
    full = "GNAAAAKKGSEQES" + kinase.sequence
    model_input = kinase.model_input(full.lower())
    assert model_input.source == "user" and model_input.sequence == full
    np.testing.assert_array_equal(model_input.positions, np.arange(14, 14 + len(kinase)))
    with pytest.raises(StructureError, match="chain 'E'.*do not map"):
        kinase.model_input(full.replace("W", "A"))
    with pytest.raises(InvalidSequenceError):
        kinase.model_input("GNAßA")


# ---------------------------------------------------- slices and truncation

def test_slices_keep_the_model_input_consistent():
    heavy = load_structure(example_path("1a0q"))["H"]
    whole = heavy[:]
    assert whole.deposited_sequence == heavy.deposited_sequence
    np.testing.assert_array_equal(whole.deposited_positions, heavy.deposited_positions)
    for start, stop in ((0, 50), (90, 140), (120, 205), (5, 6), (126, 128)):
        part = heavy[start:stop]
        _consistent(part, part.model_input())
        first, last = heavy.deposited_positions[start], heavy.deposited_positions[stop - 1]
        lo = 0 if start == 0 else first
        hi = len(heavy.deposited_sequence) if stop == len(heavy) else last + 1
        assert part.model_input().sequence == heavy.deposited_sequence[lo:hi]
    # the gap inside the slice is still there
    assert _gap_table(heavy[120:140]) == {("126", "134"): 7}


@pytest.mark.parametrize("limit", [1, 50, 100, 101, 130, 216, 217, 300])
def test_truncation_bounds_what_the_model_reads(limit):
    heavy = load_structure(example_path("1a0q"))["H"]
    short = heavy.truncate(limit)
    assert len(short.model_input().sequence) <= limit
    _consistent(short, short.model_input())
    if len(short) < len(heavy):  # maximal: one more residue would not fit
        assert len(heavy[:len(short) + 1].model_input().sequence) > limit
    record = records_from_structure(load_structure(example_path("1a0q")), ["H"])[0]
    cut = record.truncate(limit)
    assert len(cut) == len(short) and cut.chain.residue_ids == short.residue_ids
    assert len(cut.model_input().sequence) <= limit
    assert cut.truncated == (len(short) < len(heavy))


def test_record_model_input_follows_the_chain_or_its_own_sequence():
    record = records_from_structure(load_structure(example_path("1a0q")), ["H"])[0]
    assert record.model_input().sequence == record.chain.deposited_sequence
    bare = ProteinRecord("x", "ACDEFG", ("1", "2", "3", "7", "8", "9"))
    assert bare.model_input().source == "observed" and bare.model_input().sequence == "ACDEFG"
    user = bare.model_input("ACDWWWEFG")
    assert user.source == "user"
    np.testing.assert_array_equal(user.positions, [0, 1, 2, 6, 7, 8])
    with pytest.raises(StructureError):
        bare.model_input("ACD")


# --------------------------------------------------------------- map_onto

def test_map_onto_uses_the_numbering_to_place_a_gap_among_equal_letters():
    # observed G G S with a jump of 2 between the two Gs: the second G is the last one of GGGG
    assert map_onto("GGS", "GGGGS", np.array([2, 0])).tolist() == [0, 3, 4]
    assert map_onto("GGS", "GGGGS", np.array([0, 0])).tolist() in ([0, 1, 4], [2, 3, 4])
    assert map_onto("AW", "ACD") is None
    assert map_onto("ACDE", "ACD") is None
