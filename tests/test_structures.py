"""Tests of protattn_widgets.structures on real PDB entries."""

from __future__ import annotations

import functools
import gzip
import http.server
import os
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from Bio.PDB import MMCIFIO, PDBParser

from protattn_widgets.errors import (
    ChainNotFoundError,
    ResidueNotFoundError,
    StructureDownloadError,
    StructureError,
)
from protattn_widgets.examples import EXAMPLES, example_path
from protattn_widgets.structures import (
    Chain,
    fetch_pdb,
    load_structure,
    virtual_cb,
)

DATA = Path(__file__).parent / "data"


def _fasta(path: Path) -> dict[str, tuple[str, str, str]]:
    """``{record: (file stem, chain, sequence)}`` of antibody_chains.fasta."""
    records, name = {}, None
    for line in path.read_text().splitlines():
        if line.startswith(">"):
            name = line[1:].split()[0]
            fields = dict(f.split("=", 1) for f in line.split()[1:])
            stem = Path(fields["file"]).name.removesuffix(".pdb")
            records[name] = (stem, fields["chain"], "")
        elif line.strip():
            stem, chain, seq = records[name]
            records[name] = (stem, chain, seq + line.strip())
    return records


def _available(stem: str) -> Path | None:
    for path in (DATA / f"{stem}.pdb.gz", DATA / f"{stem}.pdb"):
        if path.exists():
            return path
    return example_path(stem) if stem in EXAMPLES else None


FASTA = _fasta(DATA / "antibody_chains.fasta")
PRESENT = sorted(k for k, (stem, _, _) in FASTA.items() if _available(stem))


def _pdb_line(serial, name, resname, chain, resseq, xyz, record="ATOM", element=None):
    """One fixed-column PDB ATOM/HETATM line."""
    atom = name if len(name) == 4 else f" {name:<3}"
    element = element or name[0]
    x, y, z = xyz
    return (f"{record:<6}{serial:>5} {atom} {resname:>3} {chain}{resseq:>4}    "
            f"{x:8.3f}{y:8.3f}{z:8.3f}  1.00  0.00          {element:>2}")


def _text(name: str) -> str:
    return example_path(name).read_text()


def _no_end(text: str) -> str:
    """``text`` without its trailer (CONECT, MASTER, END), so more chains can be appended."""
    return _without(text, lambda line: not line.startswith(("CONECT", "MASTER", "END")))


def _without(text: str, keep) -> str:
    return "\n".join(line for line in text.splitlines() if keep(line)) + "\n"


def _rechain(text: str, old: str, new: str) -> str:
    return "\n".join(
        line[:21] + new + line[22:] if line.startswith(("ATOM", "HETATM")) and line[21] == old else line
        for line in text.splitlines()
    ) + "\n"


# ----------------------------------------------------------------- examples

def test_every_example_loads():
    for name in EXAMPLES:
        structure = load_structure(example_path(name))
        assert structure.name == name and structure.format == "pdb"
        assert len(structure) == len(structure.chain_ids) >= 1


def test_unknown_example_lists_available():
    with pytest.raises(KeyError, match="1vfb_complex.*7hvp"):
        example_path("9xyz")


def test_1vfb_complex_chains():
    structure = load_structure(example_path("1vfb_complex"))
    assert structure.chain_ids == ["A", "B", "C"]
    assert [len(c) for c in structure] == [107, 116, 129]
    assert structure.text == example_path("1vfb_complex").read_text()


# ----------------------------------------------------- sequences, residue ids

@pytest.mark.parametrize("record", PRESENT)
def test_antibody_sequences_match_fasta(record):
    stem, chain_id, sequence = FASTA[record]
    chain = load_structure(_available(stem))[chain_id]
    assert chain.sequence == sequence
    assert len(chain.residue_ids) == len(chain.residue_names) == len(chain.ca) == len(sequence)


def test_fasta_covers_several_files():
    assert {FASTA[r][0] for r in PRESENT} >= {"1a0q", "1vfb_complex", "1hzh"}


def test_1a0q_heavy_chain_kabat_insertion_codes():
    heavy = load_structure(example_path("1a0q"))["H"]
    for rid in ("52", "52A", "82", "82A", "82B", "82C", "83"):
        assert rid in heavy.residue_ids
    i = heavy.index_of("82")
    assert heavy.residue_ids[i:i + 5] == ["82", "82A", "82B", "82C", "83"]
    assert heavy.sequence[i:i + 4] == "LNSL"
    assert heavy.index_of("52A") == heavy.index_of("52") + 1
    assert heavy.residue_names[heavy.index_of("52A")] == "PRO"


def test_index_of_missing_residue():
    heavy = load_structure(example_path("1a0q"))["H"]
    with pytest.raises(ResidueNotFoundError, match="'52Z'.*chain 'H'") as info:
        heavy.index_of("52Z")
    assert isinstance(info.value, KeyError)


def test_7hvp_aba_reads_as_its_parent_alanine():
    structure = load_structure(example_path("7hvp"))
    for chain_id in ("A", "B"):
        chain = structure[chain_id]
        assert len(chain) == 99
        for rid in ("67", "95"):
            i = chain.index_of(rid)
            assert chain.sequence[i] == "A" and chain.residue_names[i] == "ABA"
            assert not np.isnan(chain.ca[i]).any()
        assert "X" not in chain.sequence
        # the deposited sequence (SEQRES) reads ABA as A too, and matches
        assert chain.deposited_sequence == chain.sequence


def test_7hvp_inhibitor_chain_keeps_only_amino_acids():
    structure = load_structure(example_path("7hvp"))
    assert structure.chain_ids == ["A", "B", "C"]
    inhibitor = structure["C"]
    # ACE (cap), JG3 (isostere) and VME (ester) are not amino acids; waters neither.
    assert inhibitor.sequence == "SLNI"
    assert inhibitor.residue_ids == ["1", "2", "3", "5"]
    assert inhibitor.residue_names == ["SER", "LEU", "ASN", "ILE"]


def test_mse_is_m_and_waters_dropped():
    text = _text("1ubq")
    lines = []
    for line in text.splitlines():
        if line.startswith("ATOM") and line[17:20] == "MET" and line[22:26] == "   1":
            line = "HETATM" + line[6:17] + "MSE" + line[20:]
            if line[12:16] == " SD ":
                line = line[:12] + "SE  " + line[16:76] + "SE" + line[78:]
        lines.append(line)
    chain = load_structure("\n".join(lines) + "\n")["A"]
    assert chain.residue_names[0] == "MSE" and chain.sequence[0] == "M"
    assert chain.sequence == load_structure(example_path("1ubq"))["A"].sequence
    assert len(chain) == 76 and "HOH" not in chain.residue_names


# ------------------------------------------------------------ models, chains

def test_1l2y_nmr_models():
    path = DATA / "1l2y.pdb.gz"
    first = load_structure(path)
    assert first.name == "1l2y" and first.model == 0
    chain = first["A"]
    assert len(chain) == 20 and chain.sequence == "NLYIQWLKDGGPSSGRPPPS"
    second = load_structure(path, model=1)["A"]
    assert second.sequence == chain.sequence
    assert not np.allclose(second.ca, chain.ca)
    assert np.allclose(load_structure(path, model=0)["A"].ca, chain.ca)
    with pytest.raises(StructureError, match="model 99.*38 model"):
        load_structure(path, model=99)


def test_1hzh_glycan_chains_are_not_protein_chains():
    structure = load_structure(DATA / "1hzh.pdb.gz")
    assert structure.chain_ids == ["H", "K", "L", "M"]
    assert [len(structure[c]) for c in "HKLM"] == [457, 444, 215, 215]
    with pytest.raises(ChainNotFoundError, match="only ligands"):
        structure["A"]


def test_missing_chain_lists_existing_chains():
    structure = load_structure(example_path("1vfb_complex"))
    with pytest.raises(ChainNotFoundError, match="'Z'.*A, B, C"):
        structure["Z"]
    with pytest.raises(ChainNotFoundError, match="case-sensitive"):
        structure["a"]


def test_iteration_and_slicing():
    structure = load_structure(example_path("1vfb_complex"))
    assert [c.chain_id for c in structure] == structure.chain_ids
    chain = structure["B"]
    sub = chain[10:50]
    assert isinstance(sub, Chain) and len(sub) == 40
    assert sub.sequence == chain.sequence[10:50]
    assert sub.residue_ids == chain.residue_ids[10:50]
    assert sub.structure_name == "1vfb_complex" and sub.chain_id == "B"
    np.testing.assert_array_equal(sub.cb, chain.cb[10:50])
    np.testing.assert_array_equal(sub.contact_map(), chain.contact_map()[10:50, 10:50])


# ------------------------------------------------------------------- mmCIF

def _write_cif(pdb_path: Path, out: Path) -> Path:
    cif = MMCIFIO()
    cif.set_structure(PDBParser(QUIET=True).get_structure("x", str(pdb_path)))
    cif.save(str(out))
    return out


@pytest.mark.parametrize("name", ["1a0q", "7hvp"])
def test_mmcif_file_matches_pdb(tmp_path, name):
    pdb = load_structure(example_path(name))
    cif = load_structure(_write_cif(example_path(name), tmp_path / f"{name}.cif"))
    assert cif.format == "cif" and cif.name == name
    assert cif.chain_ids == pdb.chain_ids
    for a, b in zip(pdb, cif):
        assert a.sequence == b.sequence
        assert a.residue_ids == b.residue_ids
        assert a.residue_names == b.residue_names
        np.testing.assert_allclose(a.ca, b.ca, atol=1e-3)


def test_gzipped_mmcif(tmp_path):
    cif = _write_cif(example_path("1crn"), tmp_path / "crambin.cif")
    gz = tmp_path / "crambin.cif.gz"
    gz.write_bytes(gzip.compress(cif.read_bytes()))
    structure = load_structure(gz)
    assert structure.name == "crambin" and structure.format == "cif"
    assert len(structure["A"]) == 46


def test_load_from_text(tmp_path):
    pdb_text = _text("1crn")
    from_pdb_text = load_structure(pdb_text)
    assert from_pdb_text.name == "structure" and from_pdb_text.format == "pdb"
    assert from_pdb_text.text == pdb_text
    cif_text = _write_cif(example_path("1crn"), tmp_path / "1crn.cif").read_text()
    from_cif_text = load_structure(cif_text)
    assert from_cif_text.format == "cif"
    expected = load_structure(example_path("1crn"))["A"]
    for structure in (from_pdb_text, from_cif_text):
        assert structure["A"].sequence == expected.sequence == "TTCCPSIVARSNFNVCRLPGTPEAICATYTGCIIIPGATCPGDYAN"
        np.testing.assert_allclose(structure["A"].cb, expected.cb, atol=1e-3)


# ------------------------------------------------------ geometry, contacts

def test_contact_map_properties_and_brute_force():
    chain = load_structure(example_path("1crn"))["A"]
    for atom in ("cb", "ca"):
        contacts = chain.contact_map(atom=atom)
        assert contacts.shape == (46, 46) and contacts.dtype == bool
        assert (contacts == contacts.T).all()
        assert not contacts.diagonal().any()
        i, j = np.nonzero(contacts)
        assert (np.abs(i - j) >= 6).all() and len(i) > 0
        x = chain.cb if atom == "cb" else chain.ca
        expected = np.zeros((46, 46), dtype=bool)
        for a in range(46):
            for b in range(46):
                d = float(np.sqrt(sum((x[a][k] - x[b][k]) ** 2 for k in range(3))))
                expected[a, b] = d < 8.0 and abs(a - b) >= 6
        np.testing.assert_array_equal(contacts, expected)
    assert (chain.contact_map(atom="ca") != chain.contact_map(atom="cb")).any()
    assert chain.contact_map(cutoff=12.0).sum() > chain.contact_map().sum()
    with pytest.raises(ValueError, match="atom"):
        chain.contact_map(atom="cg")


def test_virtual_cb_of_glycine():
    path = example_path("1crn")
    chain = load_structure(path)["A"]
    residues = list(PDBParser(QUIET=True).get_structure("c", str(path))[0]["A"])
    gly = [k for k, r in enumerate(residues) if r.get_resname() == "GLY"]
    assert gly and all(chain.sequence[k] == "G" for k in gly)
    for k in gly:
        n, ca, c = (residues[k][a].coord.astype(float) for a in ("N", "CA", "C"))
        b, cc = ca - n, c - ca
        expected = -0.58273431 * np.cross(b, cc) + 0.56802827 * b - 0.54067466 * cc + ca
        np.testing.assert_allclose(chain.cb[k], expected, atol=1e-5)
        assert 1.4 < np.linalg.norm(chain.cb[k] - chain.ca[k]) < 1.7
    # Real CBs are kept, and the formula reproduces them closely.
    other = [k for k in range(len(chain)) if k not in gly]
    np.testing.assert_allclose(chain.cb[other[0]], residues[other[0]]["CB"].coord, atol=1e-5)
    backbone = [np.array([residues[k][a].coord for k in other], dtype=float) for a in ("N", "CA", "C")]
    assert np.linalg.norm(virtual_cb(*backbone) - chain.cb[other], axis=1).max() < 0.3


def test_residue_without_ca_is_kept_with_nan(tmp_path):
    text = _without(_text("1crn"), lambda line: not (line.startswith("ATOM") and line[12:16] == " CA "
                                                     and line[22:26] == "  10"))
    chain = load_structure(text)["A"]
    i = chain.index_of("10")
    assert len(chain) == 46 and chain.sequence[i] == "R"
    assert np.isnan(chain.ca[i]).all()
    assert not chain.coordinate_mask("ca")[i] and chain.coordinate_mask("ca").sum() == 45
    assert chain.coordinate_mask("cb").all()  # its real CB is still there
    distances = chain.distance_map("ca")
    assert np.isnan(distances[i]).all() and np.isnan(distances[:, i]).all()
    contacts = chain.contact_map(atom="ca", cutoff=1e6, min_separation=0)
    assert not contacts[i].any() and not contacts[:, i].any()
    assert contacts.sum() == 45 * 45


def test_chain_without_any_ca():
    text = _text("1crn")
    no_ca = _without(_rechain(text, "A", "B"), lambda line: line[12:16] != " CA ")
    structure = load_structure(_no_end(text) + no_ca)
    assert structure.chain_ids == ["A"]
    with pytest.raises(StructureError, match="'B'.*no CA"):
        structure["B"]
    with pytest.raises(StructureError, match="no CA"):
        load_structure(no_ca)


# -------------------------------------------------------------- bad input

DNA = "\n".join(
    _pdb_line(k + 1, name, res, "B", seq, (k * 1.5, 0.0, 0.0))
    for k, (name, res, seq) in enumerate(
        [("P", "DA", 1), ("C1'", "DA", 1), ("N9", "DA", 1), ("P", "DT", 2), ("C1'", "DT", 2), ("N1", "DT", 2)]
    )
) + "\nEND\n"


def test_nucleic_acid_only_structure():
    with pytest.raises(StructureError, match="no usable protein chain.*DNA/RNA"):
        load_structure(DNA)


def test_nucleic_acid_chain_next_to_protein():
    structure = load_structure(_no_end(_text("1crn")) + DNA)
    assert structure.chain_ids == ["A"]
    with pytest.raises(StructureError, match="'B'.*DNA/RNA.*only protein"):
        structure["B"]


def test_waters_only():
    waters = "\n".join(_pdb_line(k + 1, "O", "HOH", "A", k + 1, (k * 3.0, 0, 0), "HETATM") for k in range(3))
    with pytest.raises(StructureError, match="no usable protein chain.*ligands/water"):
        load_structure(waters + "\nEND\n")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.pdb"
    path.write_text("")
    with pytest.raises(StructureError, match="empty.pdb is empty"):
        load_structure(path)


def test_garbage_text_and_files(tmp_path):
    with pytest.raises(StructureError, match="no ATOM/HETATM"):
        load_structure("this is\nnot a structure\n")
    garbage = tmp_path / "garbage.pdb"
    garbage.write_text("hello\nworld\n")
    with pytest.raises(StructureError, match="garbage.pdb"):
        load_structure(garbage)
    header_only = tmp_path / "header.pdb"
    header_only.write_text(_without(_text("1crn"), lambda line: not line.startswith(("ATOM", "HETATM"))))
    with pytest.raises(StructureError, match="header.pdb has no ATOM/HETATM"):
        load_structure(header_only)
    junk = tmp_path / "junk.cif"
    junk.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(StructureError, match="junk.cif.*binary"):
        load_structure(junk)
    bad_cif = tmp_path / "bad.cif"
    bad_cif.write_text("data_bad\n_cell.length_a 1.0\n")
    with pytest.raises(StructureError, match="bad.cif"):
        load_structure(bad_cif)


def test_nonexistent_path(tmp_path):
    with pytest.raises(StructureError, match="no such file"):
        load_structure(tmp_path / "missing.pdb")
    with pytest.raises(StructureError, match="not an existing file.*PDB id"):
        load_structure("not-a-structure")


# ---------------------------------------------------------------- download

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def pdb_server(tmp_path, monkeypatch):
    """A local RCSB stand-in serving 1CRN.cif; yields a function that stops it."""
    root = tmp_path / "rcsb"
    root.mkdir()
    _write_cif(example_path("1crn"), root / "1CRN.cif")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("PROTATTN_PDB_URL", f"http://127.0.0.1:{server.server_port}/{{pdb_id}}.cif")

    def stop():
        server.shutdown()
        server.server_close()

    yield stop
    if thread.is_alive():
        stop()


def test_download_by_pdb_id_and_cache(tmp_path, pdb_server):
    cache = tmp_path / "cache"
    structure = fetch_pdb("1crn", cache_dir=cache)
    assert structure.name == "1CRN" and structure.format == "cif"
    assert structure["A"].sequence == load_structure(example_path("1crn"))["A"].sequence
    assert (cache / "1crn.cif").read_text() == structure.text
    assert os.listdir(cache) == ["1crn.cif"]  # no temporary file left behind
    pdb_server()
    again = fetch_pdb("1CRN", cache_dir=cache)
    np.testing.assert_array_equal(again["A"].ca, structure["A"].ca)


def test_download_uses_cache_root_by_default(tmp_path, pdb_server, monkeypatch):
    monkeypatch.setenv("PROTATTN_CACHE_DIR", str(tmp_path / "root"))
    fetch_pdb("1crn")
    assert (tmp_path / "root" / "pdb" / "1crn.cif").is_file()


def test_download_unknown_id(tmp_path, pdb_server):
    with pytest.raises(StructureDownloadError, match="'9ZZZ' not found"):
        load_structure("9zzz", cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache" / "9zzz.cif").exists()


def test_download_unreachable_server(tmp_path, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("PROTATTN_PDB_URL", f"http://127.0.0.1:{port}/{{pdb_id}}.cif")
    start = time.monotonic()
    with pytest.raises(StructureDownloadError, match="'1CRN'.*offline.*local"):
        fetch_pdb("1crn", cache_dir=tmp_path / "cache")
    assert time.monotonic() - start < 5


def test_a_chain_slice_must_be_contiguous():
    chain = load_structure(example_path("1crn"))["A"]
    assert len(chain[5:15]) == 10
    with pytest.raises(ValueError, match="contiguous"):
        chain[::2]
