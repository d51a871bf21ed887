"""Bad or unusual structure input gives a clean ProtAttnError, and odd-but-valid files are read.

Cases found by fuzzing (issue 8) and residue ids / sequences that must not
collide (issue 9 section 4).  Every case is built from a real file.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest

from protattn_widgets.atoms import heavy_atoms, interface_residues
from protattn_widgets.errors import InvalidSequenceError, ProtAttnError, StructureError
from protattn_widgets.examples import example_path
from protattn_widgets.sequences import clean_sequence
from protattn_widgets.structures import load_structure

DATA = Path(__file__).parent / "data"


def _cif(name: str) -> str:
    return gzip.decompress((DATA / name).read_bytes()).decode()


# ------------------------------------------------------------- source types

def test_a_long_string_without_newline_is_a_clean_error():
    text = example_path("1crn").read_text().replace("\n", " ")
    with pytest.raises(StructureError, match="not an existing file.*line breaks"):
        load_structure(text)
    with pytest.raises(StructureError):
        load_structure("x" * 5000)


@pytest.mark.parametrize("source", [None, 42, 3.5, ["1crn"]])
def test_wrong_source_types_are_clean_errors(source):
    with pytest.raises(StructureError, match=f"not {type(source).__name__}"):
        load_structure(source)


def test_bytes_are_read_as_file_content():
    data = example_path("1crn").read_bytes()
    from_bytes = load_structure(data)["A"]
    from_file = load_structure(example_path("1crn"))["A"]
    assert from_bytes.sequence == from_file.sequence
    np.testing.assert_array_equal(from_bytes.ca, from_file.ca)
    assert load_structure(gzip.compress(data))["A"].sequence == from_file.sequence
    with pytest.raises(StructureError, match="binary"):
        load_structure(b"\x00\x01\x02" * 100)


# --------------------------------------------------------------- encodings

def test_latin1_remark_is_read_not_called_binary(tmp_path):
    text = example_path("1crn").read_text()
    path = tmp_path / "1crn_latin1.pdb"
    path.write_bytes(text.replace("REMARK   2", "REMARK   1 Müller, Gödel and Ångström\nREMARK   2", 1)
                     .encode("latin-1"))
    assert load_structure(path)["A"].sequence == load_structure(example_path("1crn"))["A"].sequence


def test_binary_file_is_still_called_binary(tmp_path):
    path = tmp_path / "weights.pdb"
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(StructureError, match="binary"):
        load_structure(path)


@pytest.mark.parametrize("newline", ["\r", "\r\n"])
def test_cr_and_crlf_line_endings(tmp_path, newline):
    reference = load_structure(example_path("1crn"))["A"]
    text = example_path("1crn").read_text().replace("\n", newline)
    path = tmp_path / "1crn.pdb"
    path.write_bytes(text.encode())
    for source in (path, text):
        chain = load_structure(source)["A"]
        assert chain.sequence == reference.sequence
        np.testing.assert_array_equal(chain.ca, reference.ca)
    cif = _cif("1aki.cif.gz").replace("\n", newline)
    assert len(load_structure(cif)["A"]) == 129


# --------------------------------------------------------------- truncation

@pytest.mark.parametrize("fraction", [0.5, 0.77, 0.9, 0.999])
def test_truncated_mmcif_says_truncated(fraction):
    text = _cif("1aki.cif.gz")
    with pytest.raises(StructureError, match="truncated") as info:
        load_structure(text[: int(len(text) * fraction)])
    assert "list index" not in str(info.value) and "modulo" not in str(info.value)


# ------------------------------------------------------------ coordinates

def _with_coordinate(text: str, serial: int, value: str) -> str:
    lines = text.split("\n")
    for k, line in enumerate(lines):
        if line.startswith("ATOM") and int(line[6:11]) == serial:
            lines[k] = line[:30] + f"{value:>8}" + line[38:]
            return "\n".join(lines)
    raise AssertionError(f"no atom {serial}")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_coordinates_are_missing_atoms(value):
    text = example_path("1crn").read_text()
    serial_ca = next(int(line[6:11]) for line in text.split("\n")
                     if line.startswith("ATOM") and line[12:16] == " CA " and line[22:26] == "   5")
    structure = load_structure(_with_coordinate(text, serial_ca, value))
    chain = structure["A"]
    i = chain.index_of("5")
    assert np.isnan(chain.ca[i]).all() and not np.isnan(np.delete(chain.ca, i, axis=0)).any()
    assert np.isfinite(chain.cb[~np.isnan(chain.cb).any(axis=1)]).all()
    assert not chain.contact_map(atom="ca")[i].any() and chain.contact_map(atom="ca").any()
    atoms = heavy_atoms(structure, "A")
    assert np.isfinite(atoms.coords).all()
    assert len(atoms) == len(heavy_atoms(load_structure(text), "A")) - 1


def test_non_finite_coordinates_do_not_break_interfaces():
    text = example_path("1vfb_complex").read_text()
    lines = text.split("\n")
    k = next(k for k, line in enumerate(lines) if line.startswith("ATOM") and line[21] == "C")
    lines[k] = lines[k][:30] + f"{'nan':>8}{'nan':>8}{'nan':>8}" + lines[k][54:]
    structure = load_structure("\n".join(lines))
    reference = interface_residues(load_structure(text), "B", ["C"])
    labels = interface_residues(structure, "B", ["C"])
    assert labels.shape == reference.shape and labels.sum() >= reference.sum() - 1


# ------------------------------------------------------------ download cache

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_a_binary_cached_cif_is_downloaded_again(tmp_path, monkeypatch):
    root = tmp_path / "rcsb"
    root.mkdir()
    (root / "1AKI.cif").write_text(_cif("1aki.cif.gz"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("PROTATTN_PDB_URL", f"http://127.0.0.1:{server.server_port}/{{pdb_id}}.cif")
        cache = tmp_path / "cache"
        cache.mkdir()
        (cache / "1aki.cif").write_bytes(bytes(range(256)) * 10)
        with pytest.warns(UserWarning, match="downloading it again"):
            structure = load_structure("1aki", cache_dir=cache)
        assert len(structure["A"]) == 129
        assert (cache / "1aki.cif").read_text() == (root / "1AKI.cif").read_text()
        # a cached text file that no longer parses (cut off) is fetched again too
        (cache / "1aki.cif").write_text(_cif("1aki.cif.gz")[:50000])
        with pytest.warns(UserWarning, match="cannot be parsed"):
            assert len(load_structure("1aki", cache_dir=cache)["A"]) == 129
    finally:
        server.shutdown()
        server.server_close()


# -------------------------------------------------------------- residue ids

def _set_insertion_code(text: str, author_number: int, code: str) -> str:
    """1aki.cif with ``code`` as the insertion code of residue ``author_number`` (atom_site only)."""
    lines = text.split("\n")
    header = [line.strip() for line in lines if line.startswith("_atom_site.")]
    ins, seq = header.index("_atom_site.pdbx_PDB_ins_code"), header.index("_atom_site.auth_seq_id")
    out = []
    for line in lines:
        fields = line.split()
        if line.startswith("ATOM") and len(fields) == len(header) and int(fields[seq]) == author_number:
            fields[ins] = code
            line = " ".join(fields)
        out.append(line)
    return "\n".join(out)


def test_digit_insertion_code_does_not_collide_with_another_residue():
    chain = load_structure(_set_insertion_code(_cif("1aki.cif.gz"), 3, "1"))["A"]
    assert "3^1" in chain.residue_ids and "31" in chain.residue_ids
    assert len(set(chain.residue_ids)) == len(chain) == 129
    assert chain.index_of("3^1") == 2 and chain.index_of("31") == 30


def test_letter_insertion_codes_keep_their_style():
    heavy = load_structure(example_path("1a0q"))["H"]
    assert heavy.index_of("52A") == heavy.index_of("52^A") == heavy.index_of("52") + 1


def test_duplicate_residue_ids_are_an_error():
    # residue 4 renumbered 3 and made a HETATM MSE: Biopython keeps both (different hetero
    # flags), but chain A then has two residues "3"
    text = _cif("1aki.cif.gz")
    lines = text.split("\n")
    header = [line.strip() for line in lines if line.startswith("_atom_site.")]
    columns = {name: header.index(f"_atom_site.{name}") for name in
               ("group_PDB", "auth_seq_id", "label_comp_id", "auth_comp_id")}
    out = []
    for line in lines:
        fields = line.split()
        if line.startswith("ATOM") and len(fields) == len(header) and fields[columns["auth_seq_id"]] == "4":
            fields[columns["auth_seq_id"]] = "3"
            fields[columns["group_PDB"]] = "HETATM"
            fields[columns["label_comp_id"]] = fields[columns["auth_comp_id"]] = "MSE"
            line = " ".join(fields)
        out.append(line)
    with pytest.raises(StructureError, match=r"chain 'A'.*two residues with id '3'"):
        load_structure("\n".join(out))  # its only chain: the load fails (else accessing "A" would)


# ---------------------------------------------------------------- sequences

@pytest.mark.parametrize("text, position", [("AßC", 2), ("Aſ", 2), ("ıAC", 1), ("ACﬀ", 3), ("AC\u00a0D", 3)])
def test_non_ascii_sequence_is_an_error_naming_the_position(text, position):
    with pytest.raises(InvalidSequenceError, match=f"at position {position}"):
        clean_sequence(text)


def test_ascii_case_and_whitespace_still_cleaned():
    assert clean_sequence(" acd\nEF\tg ") == "ACDEFG"
    with pytest.raises(ProtAttnError):
        clean_sequence("AC1D")


def test_structure_view_spells_a_digit_insertion_code_as_ngl_does():
    from protattn_widgets.widgets.structure_view import ngl_residue_key

    chain = load_structure(_set_insertion_code(_cif("1aki.cif.gz"), 3, "1"))["A"]
    keys = [ngl_residue_key(rid) for rid in chain.residue_ids]
    assert keys[2] == "3^1" and keys[30] == "31" and len(set(keys)) == len(keys)
    assert ngl_residue_key("52A") == "52^A" and ngl_residue_key("-3") == "-3"
