"""A structure file is parsed once (issue 21 §2): chains, interfaces, site labels, contact maps,
the NGL text and an explorer's chain switch all read the atom table held by the Structure.

The parser is wrapped and every parse counted: Biopython's PDB and mmCIF parsers and MMCIF2Dict.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from Bio.PDB import MMCIFParser, PDBParser
from Bio.PDB.MMCIF2Dict import MMCIF2Dict

import protattn_widgets as paw
from protattn_widgets import analysis
from protattn_widgets.atoms import chain_interfaces, heavy_atoms, interface_residues

DATA = Path(__file__).parent / "data"


@pytest.fixture
def parses(monkeypatch):
    """A list that gets one entry per parse of a structure text (MMCIFParser runs MMCIF2Dict
    inside its own parse: only the outermost call counts)."""
    seen: list[str] = []
    depth = [0]
    for cls, method in ((PDBParser, "get_structure"), (MMCIFParser, "get_structure"), (MMCIF2Dict, "__init__")):
        original = getattr(cls, method)

        def counting(self, *args, _original=original, _name=f"{cls.__name__}.{method}", **kwargs):
            if depth[0] == 0:
                seen.append(_name)
            depth[0] += 1
            try:
                return _original(self, *args, **kwargs)
            finally:
                depth[0] -= 1

        monkeypatch.setattr(cls, method, counting)
    return seen


def _use_everything(structure) -> None:
    for chain in structure:
        chain.contact_map()
        chain_interfaces(structure, chain.chain_id)
        heavy_atoms(structure, chain.chain_id)
        analysis.pdb_sites(structure, chain)
    structure.to_ngl_text()
    structure.to_pdb()


def test_a_pdb_file_is_parsed_once_for_every_consumer(parses):
    structure = paw.load_structure("1vfb_complex")
    assert parses == ["PDBParser.get_structure"]
    _use_everything(structure)
    interface_residues(structure, "B", ["C"])
    records = analysis.records_from_structure(structure)
    for record in records:
        analysis.get_property("binding_site").labels(record)
        analysis.get_property("contact").labels(record)
    assert parses == ["PDBParser.get_structure"]


def test_an_mmcif_file_is_parsed_once_with_its_sites_and_deposited_sequence(parses):
    structure = paw.load_structure(DATA / "3o5r.cif.gz")
    assert parses == ["MMCIFParser.get_structure"]  # MMCIFParser builds its dictionary inside that call
    assert structure.sites and structure["A"].deposited_sequence is not None
    _use_everything(structure)
    assert parses == ["MMCIFParser.get_structure"]


def test_a_chain_switch_in_the_explorer_parses_nothing(parses, antiberty):
    structure = paw.load_structure("1vfb_complex")
    ex = paw.AttentionExplorer(structure, model=antiberty, chain="B")
    ex.chain = "A"
    with pytest.warns(paw.OutOfDomainWarning):  # lysozyme is not an antibody chain
        ex.chain = "C"
    ex.chain = "B"
    assert parses == ["PDBParser.get_structure"]
    assert "contacts with chain C" in ex.sequence.annotations


def test_the_atom_table_is_the_chains_source():
    structure = paw.load_structure("1a0q")
    table = structure.atoms
    assert table.coords.shape == (len(table), 3) and table.coords.dtype == np.float32
    assert len(table.atom_name) == len(table.element) == len(table.residue) == len(table.occupancy) == len(table)
    assert len(table.res_chain) == len(table.res_seq) == len(table.res_icode) == len(table.res_name)
    heavy = structure["H"]
    rows = table.chain_residues("H")
    assert [f"{n}{c}" for n, c in zip(table.res_seq[rows], table.res_icode[rows])] == heavy.residue_ids
    assert "52A" in heavy.residue_ids  # insertion codes come through the table
    ca = table.residue_atom_coords(rows, "CA")
    np.testing.assert_array_equal(ca, heavy.ca)
    assert not table.coords.flags.writeable and not table.res_name.flags.writeable
    # ligands and water stay in the table (NGL shows them) but belong to no chain's residues
    assert (~table.amino).any() and len(rows) == len(heavy)


def test_ngl_text_round_trips_through_the_parser():
    for name in ("1vfb_complex", "7hvp", "1a0q"):
        structure = paw.load_structure(name)
        text, ext = structure.to_ngl_text()
        assert ext == "pdb" and structure.to_ngl_text() is structure.to_ngl_text()  # computed once
        again = paw.load_structure(text)
        assert again.chain_ids == structure.chain_ids
        for chain in structure:
            other = again[chain.chain_id]
            assert other.sequence == chain.sequence and other.residue_ids == chain.residue_ids
            np.testing.assert_allclose(other.ca, chain.ca, atol=1e-3)
        lines = [line for line in text.splitlines() if line.startswith(("ATOM", "HETATM"))]
        assert len(lines) == len(structure.atoms) and all(line[76:78].strip() for line in lines)


def test_ngl_text_of_an_mmcif_without_chem_comp_is_complete():
    # Biopython's MMCIFIO writes no _chem_comp; NGL 2.5 fails on such a file ("reading 'getField'").
    import io

    from Bio.PDB import MMCIFIO

    writer = MMCIFIO()
    writer.set_structure(PDBParser(QUIET=True).get_structure("7hvp", str(paw.example_path("7hvp"))))
    out = io.StringIO()
    writer.save(out)
    assert "_chem_comp." not in out.getvalue()
    structure = paw.load_structure(out.getvalue())
    assert structure.format == "cif"
    text, ext = structure.to_ngl_text()
    assert ext == "pdb" and paw.load_structure(text)["A"].sequence == structure["A"].sequence
    # where PDB cannot hold the structure (a two-letter chain id), the mmCIF written has _chem_comp
    from protattn_widgets.atoms import cif_text

    cif = cif_text(structure.atoms)
    assert "_chem_comp.id" in cif and "_atom_site.Cartn_x" in cif
    np.testing.assert_allclose(paw.load_structure(cif)["A"].ca, structure["A"].ca, atol=1e-3)


def test_a_long_chain_id_gets_mmcif_for_ngl():
    import dataclasses

    from protattn_widgets.atoms import ngl_text

    structure = paw.load_structure("1crn")
    table = dataclasses.replace(structure.atoms, chain_ids=("AA",))  # a two-letter chain id: no PDB column for it
    text, ext = ngl_text(table)
    assert ext == "cif" and "_chem_comp.id" in text
    again = paw.load_structure(text)
    assert again["AA"].sequence == structure["A"].sequence
    np.testing.assert_allclose(again["AA"].ca, structure["A"].ca, atol=1e-3)


def _ranges(text: str) -> list[tuple]:
    """Helix and strand ranges as NGL's PDB parser reads them (its columns)."""
    out = []
    for line in text.splitlines():
        if line.startswith("HELIX "):
            out.append(("H", line[19], int(line[21:25]), line[25].strip(), line[31], int(line[33:37]), line[37].strip()))
        elif line.startswith("SHEET "):
            out.append(("E", line[21], int(line[22:26]), line[26].strip(), line[32], int(line[33:37]), line[37].strip()))
    return out


def test_ngl_text_keeps_the_deposited_helices_and_strands():
    # Without HELIX/SHEET lines NGL assigns its own (1a0q: 234 helix/strand residues became 154).
    raw = paw.example_path("1a0q").read_text()
    assert _ranges(paw.load_structure("1a0q").to_ngl_text().text) == _ranges(raw) != []
    # from mmCIF's _struct_conf/_struct_sheet_range, the same ranges as the PDB twin's records
    pdb_twin = gzip.decompress((DATA / "3o5r.pdb.gz").read_bytes()).decode()
    from_cif = _ranges(paw.load_structure(DATA / "3o5r.cif.gz").to_ngl_text().text)
    assert sorted(from_cif) == sorted(_ranges(pdb_twin)) != []
