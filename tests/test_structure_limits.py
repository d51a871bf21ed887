"""Bounded structure input (issue 23 items 3 and 11): gzip bombs, bad options, huge chains.

Memory is measured with tracemalloc (zlib's output and the joined text are Python
objects), on a bomb scaled down with the limit so that the test stays small for CI.
"""

from __future__ import annotations

import gzip
import math
import tracemalloc

import numpy as np
import pytest

import protattn_widgets as paw
import protattn_widgets.structure_text as structure_text
from protattn_widgets.errors import InvalidOptionError, StructureError
from protattn_widgets.structures import MAX_PAIRWISE_RESIDUES, Chain

LIMIT = 4 * 2**20  # the cap under test; the shipped one is MAX_STRUCTURE_BYTES (512 MiB)


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(structure_text, "MAX_STRUCTURE_BYTES", LIMIT)


def _remark_bomb(expanded: int) -> bytes:
    """A valid PDB head followed by ``expanded`` bytes of REMARK lines, gzipped."""
    line = b"REMARK 999 " + b"X" * 68 + b"\n"
    body = paw.example_path("1crn").read_bytes() + line * (expanded // len(line))
    return gzip.compress(body, compresslevel=9)


def _peak_during(call) -> tuple[BaseException | None, int]:
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        call()
        error = None
    except BaseException as exc:  # noqa: BLE001 - the test inspects it
        error = exc
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return error, peak


def test_a_gzip_bomb_file_stops_at_the_limit_with_bounded_memory(tmp_path, small_limit):
    bomb = tmp_path / "bomb.pdb.gz"
    bomb.write_bytes(_remark_bomb(16 * LIMIT))  # 64 MiB of text in about 100 KiB
    assert bomb.stat().st_size < LIMIT // 16
    error, peak = _peak_during(lambda: paw.load_structure(bomb))
    assert isinstance(error, StructureError), error
    assert "expands to more than 4 MiB" in str(error) and "bomb.pdb.gz" in str(error)
    assert peak < 3 * LIMIT, f"peak {peak / 2**20:.1f} MiB while refusing a 64 MiB bomb"


def test_a_gzip_of_zeros_is_binary_after_the_first_mib(tmp_path, small_limit):
    zeros = tmp_path / "zeros.pdb.gz"
    zeros.write_bytes(gzip.compress(bytes(16 * LIMIT), compresslevel=9))
    error, peak = _peak_during(lambda: paw.load_structure(zeros))
    assert isinstance(error, StructureError) and "binary data" in str(error), error
    assert peak < 4 * 2**20


def test_a_bomb_as_bytes_and_as_a_download_stops_too(tmp_path, small_limit, monkeypatch):
    import functools
    import http.server
    import threading

    with pytest.raises(StructureError, match="expands to more than 4 MiB"):
        paw.load_structure(_remark_bomb(2 * LIMIT))
    root = tmp_path / "rcsb"
    root.mkdir()
    (root / "9BMB.cif").write_bytes(_remark_bomb(2 * LIMIT))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("PROTATTN_PDB_URL", f"http://127.0.0.1:{server.server_port}/{{pdb_id}}.cif")
        with pytest.raises(StructureError, match="download of 9BMB.*expands to more than 4 MiB"):
            paw.fetch_pdb("9bmb", cache_dir=tmp_path / "cache")
        assert not (tmp_path / "cache" / "9bmb.cif").exists()
    finally:
        server.shutdown()
        server.server_close()


def test_gzip_under_the_limit_multi_member_and_corrupt(tmp_path):
    text = paw.example_path("1crn").read_bytes()
    two = tmp_path / "two.pdb.gz"
    half = len(text) // 2
    two.write_bytes(gzip.compress(text[:half]) + gzip.compress(text[half:]))  # two members, like `cat a.gz b.gz`
    assert paw.load_structure(two)["A"].sequence == paw.example("1crn")["A"].sequence
    cut = tmp_path / "cut.pdb.gz"
    cut.write_bytes(gzip.compress(text)[:-40])
    with pytest.raises(StructureError, match="corrupt gzip"):
        paw.load_structure(cut)
    trailing = tmp_path / "trailing.pdb.gz"
    trailing.write_bytes(gzip.compress(text) + b"garbage")
    with pytest.raises(StructureError, match="corrupt gzip"):
        paw.load_structure(trailing)


def test_a_plain_file_over_the_limit_is_refused_before_reading(tmp_path, small_limit):
    big = tmp_path / "big.pdb"
    with big.open("wb") as handle:
        handle.truncate(LIMIT + 1)  # sparse: nothing is written
    with pytest.raises(StructureError, match="more than the 4 MiB"):
        paw.load_structure(big)


def test_memory_error_while_parsing_names_the_reason(monkeypatch):
    from Bio.PDB import PDBParser

    def exhausted(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(PDBParser, "get_structure", exhausted)
    with pytest.raises(StructureError, match=r"out of memory reading its \d+ MiB of text"):
        paw.load_structure(paw.example_path("1crn"))


@pytest.mark.parametrize("model", ["0", 0.0, True, None])
def test_model_must_be_a_whole_number(model):
    with pytest.raises(StructureError, match="model must be a whole number"):
        paw.load_structure(paw.example_path("1crn"), model=model)


def test_an_empty_slice_has_a_repr_and_clean_lookups():
    chain = paw.example("1a0q")["H"]
    empty = chain[0:0]
    assert repr(empty) == "<Chain 1a0q:H L=0>" and len(empty) == 0
    with pytest.raises(paw.ResidueNotFoundError, match="no residues"):
        empty.index_of("5")


@pytest.mark.parametrize("cutoff", ["8", math.nan, -1, 0, math.inf, True, None])
def test_contact_map_cutoff_is_checked(cutoff):
    with pytest.raises(InvalidOptionError, match="cutoff"):
        paw.example("1crn")["A"].contact_map(cutoff=cutoff)


@pytest.mark.parametrize("separation", [-1, 1.5, "6", True])
def test_contact_map_min_separation_is_checked(separation):
    with pytest.raises(InvalidOptionError, match="min_separation"):
        paw.example("1crn")["A"].contact_map(min_separation=separation)


def test_contact_map_is_unchanged_by_the_blocked_computation():
    chain = paw.example("1vfb_complex")["B"]
    distances = np.sqrt(((chain.cb[:, None, :] - chain.cb[None, :, :]) ** 2).sum(-1))
    index = np.arange(len(chain))
    with np.errstate(invalid="ignore"):
        expected = (distances < 7.5) & (np.abs(index[:, None] - index[None, :]) >= 4)
    np.testing.assert_array_equal(chain.contact_map(7.5, 4), expected)
    assert chain.contact_map(8) is chain.contact_map(8.0)  # one memo entry per definition


def test_a_200000_residue_chain_is_refused_before_allocating():
    n = 200_000
    coords = np.zeros((n, 3))
    chain = Chain("A", "huge", "A" * n, [str(i) for i in range(n)], ["ALA"] * n, coords, coords)
    for method in (chain.contact_map, chain.distance_map, chain.pair_mask):
        error, peak = _peak_during(method)
        assert isinstance(error, StructureError), error
        assert "200,000 residues" in str(error) and f"{MAX_PAIRWISE_RESIDUES:,}" in str(error)
        assert peak < 2**20
