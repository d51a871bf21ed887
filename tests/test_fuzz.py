"""Property tests (hypothesis): the fuzzers of issue 8, kept small enough for CI.

* Structure text mutations: ``load_structure`` of a damaged PDB or mmCIF file
  returns a usable Structure (consistent arrays, a contact map, the chain
  interfaces the explorer draws) or raises a ``ProtAttnError``; nothing else.
  A NaN coordinate must be treated as missing or rejected at load (issue 8).
* Random sequences: ``clean_sequence`` returns a sequence of residue codes made
  of exactly the input's non-space characters (upper-cased), or raises a
  ``ProtAttnError``.
* Cache damage: an :class:`AttentionCache` entry on disk damaged in any way
  (truncated, zeroed, a byte flipped, swapped with another entry's file, a
  sidecar that is ``null`` or a list, a header claiming a huge array) is never
  served: reading returns the stored array exactly or ``None`` (recompute), and
  never raises.
"""

from __future__ import annotations

import io
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protattn_widgets import example_path, load_structure
from protattn_widgets.atoms import chain_interfaces
from protattn_widgets.cache import AttentionCache, CacheKey
from protattn_widgets.errors import ProtAttnError
from protattn_widgets.sequences import ALLOWED_RESIDUES, clean_sequence
from protattn_widgets.structures import Structure

# Deterministic (derandomize) so CI runs the same cases every time; deadlines generous because
# CI machines are shared: a parse of a damaged file must still never take 10 s.
FAST = settings(max_examples=60, deadline=10_000, suppress_health_check=[HealthCheck.too_slow],
                derandomize=True)
PDB_TEXT = example_path("7hvp").read_text()  # two protein chains and a ligand


def _cif_text() -> str:
    from Bio.PDB import MMCIFIO, PDBParser

    out = io.StringIO()
    writer = MMCIFIO()
    writer.set_structure(PDBParser(QUIET=True).get_structure("7hvp", str(example_path("7hvp"))))
    writer.save(out)
    return out.getvalue()


CIF_TEXT = _cif_text()

# ---------------------------------------------------------------------------- structure mutations

_noise = st.text(alphabet=st.sampled_from(list("0123456789.-+ eEnaNIf\t\r\x00\x7fABCXYZ_#';\"é\u00b5\ufffd")),
                 max_size=24)


@st.composite
def _mutation(draw, lines: int, size: int):
    kind = draw(st.sampled_from(["truncate", "delete", "duplicate", "swap", "overwrite", "insert",
                                 "coordinate", "cr_only", "crlf"]))
    return (kind, draw(st.integers(0, max(lines - 1, 0))), draw(st.integers(0, max(lines - 1, 0))),
            draw(st.integers(0, size)), draw(_noise),
            draw(st.sampled_from(["nan", "inf", "-inf", "1e308", "", "****", "12.3.4"])))


def _mutate(text: str, mutation) -> str:
    kind, a, b, position, noise, number = mutation
    lines = text.split("\n")
    a, b = a % len(lines), b % len(lines)
    if kind == "truncate":
        return text[:position]
    if kind == "delete":
        del lines[a]
    elif kind == "duplicate":
        lines.insert(a, lines[a])
    elif kind == "swap":
        lines[a], lines[b] = lines[b], lines[a]
    elif kind == "overwrite":
        line = lines[a]
        start = position % (len(line) + 1)
        lines[a] = line[:start] + noise + line[start + len(noise):]
    elif kind == "insert":
        lines.insert(a, noise)
    elif kind == "coordinate":  # a coordinate field becomes nan, inf, huge or junk
        line = lines[a]
        if line.startswith(("ATOM", "HETATM")) and len(line) >= 54:
            lines[a] = line[:30] + f"{number:>8}"[:8] + line[38:]
        else:
            words = line.split(" ")
            words[position % len(words)] = number
            lines[a] = " ".join(words)
    elif kind == "cr_only":
        return text.replace("\n", "\r")
    elif kind == "crlf":
        return text.replace("\n", "\r\n")
    return "\n".join(lines)


def _check_loaded_or_clean_error(text: str, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzzed{suffix}"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            structure = load_structure(path)
        except ProtAttnError:
            return
    assert isinstance(structure, Structure) and structure.chain_ids
    for chain in structure:  # a structure that loads is usable: consistent arrays, a contact map
        n = len(chain)
        assert n == len(chain.residue_ids) == len(chain.residue_names) == chain.ca.shape[0] == chain.cb.shape[0]
        contacts = chain.contact_map()
        assert contacts.shape == (n, n) and contacts.dtype == bool
        chain_interfaces(structure, chain.chain_id)  # what the explorer draws by default (KD-trees)


@pytest.mark.parametrize("fmt", ["pdb", "cif"])
@FAST
@given(data=st.data())
def test_mutated_structure_file_loads_or_is_a_clean_error(fmt, data):
    text = PDB_TEXT if fmt == "pdb" else CIF_TEXT
    lines = text.count("\n") + 1
    mutations = data.draw(st.lists(_mutation(lines, len(text)), min_size=1, max_size=3))
    for mutation in mutations:
        text = _mutate(text, mutation)
    _check_loaded_or_clean_error(text, f".{fmt}")


@FAST
@given(st.binary(max_size=400))
def test_arbitrary_bytes_as_a_structure_file(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.pdb"
        path.write_bytes(data)
        try:
            load_structure(path)
        except ProtAttnError:
            pass


# ---------------------------------------------------------------------------- sequences

_residueish = st.text(alphabet=st.sampled_from(list(ALLOWED_RESIDUES + ALLOWED_RESIDUES.lower() + " \n\t\r")),
                      max_size=60)


@FAST
@given(st.one_of(_residueish, st.text(max_size=40), _residueish.map(lambda s: s + "ſ"), _residueish.map(lambda s: "ﬁ" + s)))
def test_clean_sequence_is_residue_codes_or_a_clean_error(text):
    try:
        cleaned = clean_sequence(text)
    except ProtAttnError as error:
        assert str(error)
        return
    kept = [c for c in text if not c.isspace()]
    assert cleaned and set(cleaned) <= set(ALLOWED_RESIDUES)
    assert all(c in ALLOWED_RESIDUES + ALLOWED_RESIDUES.lower() for c in kept), \
        f"{text!r} holds characters that are not residue codes, yet became {cleaned!r}"
    assert cleaned == "".join(kept).upper()
    assert clean_sequence(cleaned) == cleaned


@FAST
@given(st.one_of(st.none(), st.integers(), st.floats(), st.binary(max_size=20), st.lists(st.text(max_size=3))))
def test_clean_sequence_of_a_non_string(value):
    with pytest.raises(ProtAttnError):
        clean_sequence(value)


# ---------------------------------------------------------------------------- cache damage
#
# EXPECTED BEHAVIOUR (issue 8, "Disk cache trusts its files"): every entry is verified on read
# (key, shape, dtype and a content hash written at store time); a damaged entry is warned
# about, deleted and recomputed. Whatever the file layout, a damaged entry must read as
# exactly the stored array or as None, and reading must never raise.

_KEYS = [CacheKey("fuzz-model", "rev", "ACDEFGHIK"), CacheKey("fuzz-model", "rev", "KLMNPQRST")]


def _arrays() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.random((2, 3, 9, 9), dtype=np.float32) for _ in _KEYS]


def _damage(files: list[Path], others: list[Path], how: str, position: int, value: int) -> None:
    target = files[position % len(files)]
    data = target.read_bytes()
    if how == "truncate":
        target.write_bytes(data[: position % (len(data) + 1)])
    elif how == "empty":
        target.write_bytes(b"")
    elif how == "zero":
        target.write_bytes(bytes(len(data)))
    elif how == "flip":  # one byte changed, anywhere: header, sidecar text or the numbers
        where = position % max(len(data), 1)
        target.write_bytes(data[:where] + bytes([(data[where] ^ (value or 1)) if data else value]) + data[where + 1:])
    elif how == "tail_flip":  # a byte among the array's numbers (the end of the largest file)
        biggest = max(files, key=lambda p: p.stat().st_size)
        raw = bytearray(biggest.read_bytes())
        raw[-1 - position % 64] ^= value or 1
        biggest.write_bytes(bytes(raw))
    elif how == "swap":  # the same-named file of the other entry
        partner = next((o for o in others if o.suffix == target.suffix), None)
        if partner is not None:
            target.write_bytes(partner.read_bytes())
    elif how == "json_null":
        for path in files:
            if path.suffix == ".json":
                path.write_text("null")
    elif how == "json_list":
        for path in files:
            if path.suffix == ".json":
                path.write_text("[1, 2, 3]")
    elif how == "huge_header":  # an .npy header claiming a 36 TiB array
        for path in files:
            if path.suffix == ".npy":
                buffer = io.BytesIO()
                np.lib.format.write_array_header_1_0(
                    buffer, {"descr": "<f4", "fortran_order": False, "shape": (3000, 3000, 1000, 1000)})
                path.write_bytes(buffer.getvalue() + b"\x00" * 64)
    elif how == "delete":
        target.unlink()


def _entry_files(directory: Path, key: CacheKey) -> list[Path]:
    digest = key.digest()
    found = sorted(p for p in directory.rglob("*") if p.is_file() and digest in p.name)
    assert found, f"no file of the entry in {sorted(p.name for p in directory.rglob('*'))}"
    return found


@settings(max_examples=40, deadline=10_000, derandomize=True)
@given(how=st.sampled_from(["truncate", "empty", "zero", "flip", "tail_flip", "swap", "json_null", "json_list",
                            "huge_header", "delete"]),
       position=st.integers(0, 10_000), value=st.integers(0, 255))
def test_damaged_disk_cache_entry_is_never_served(how, position, value):
    arrays = _arrays()
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        writer = AttentionCache(directory=directory)
        for key, values in zip(_KEYS, arrays):
            writer.put(key, values)
        _damage(_entry_files(directory, _KEYS[0]), _entry_files(directory, _KEYS[1]), how, position, value)
        reader = AttentionCache(directory=directory)  # a fresh process: nothing in memory
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a damaged entry may (should) be warned about
            got = reader.get(_KEYS[0])
            other = reader.get(_KEYS[1])
        assert got is None or (got.shape == arrays[0].shape and got.dtype == arrays[0].dtype
                               and np.array_equal(got, arrays[0])), f"damage {how!r} served wrong attention"
        assert other is None or np.array_equal(other, arrays[1])
        if got is None:  # recomputed and stored again: served from then on
            reader.put(_KEYS[0], arrays[0])
            assert np.array_equal(AttentionCache(directory=directory).get(_KEYS[0]), arrays[0])

