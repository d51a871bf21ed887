"""Model family knowledge on the adapter: display names and "which chains is this model for".

The explorer, ``protattn figure`` and ``analyze`` warn the same way (one
sentence from :func:`protattn_widgets.models.out_of_domain_note`), and the
warning points at the line that asked for the attention, not at our internals.
Also: a bad ``fingerprints.json`` memo entry is rehashed, never fatal.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

import protattn_widgets as paw
from protattn_widgets import antibody
from protattn_widgets.errors import OutOfDomainWarning
from protattn_widgets.models import ADAPTERS, fingerprints, model_display_name, out_of_domain_note

import tiny_models

STRUCTURES = Path(paw.__file__).parent / "data" / "structures"


@pytest.fixture(scope="module")
def vfb():
    return paw.load_structure(STRUCTURES / "1vfb_complex.pdb")


@pytest.fixture(scope="module")
def crn():
    return paw.load_structure(STRUCTURES / "1crn.pdb")


def _domain_warnings(caught) -> list:
    return [w for w in caught if issubclass(w.category, OutOfDomainWarning)]


def test_display_names_come_from_the_adapters(antiberty):
    assert antiberty.adapter.display_name == "AntiBERTy"
    assert model_display_name("antiberty") == model_display_name("AntiBERTy") == "AntiBERTy"
    assert model_display_name("facebook/esm2_t6_8M_UR50D") == "esm2_t6_8M_UR50D"
    assert model_display_name("/models/my_esm/") == "my_esm"
    assert ADAPTERS["esm"].domain is None and ADAPTERS["antiberty"].domain == "antibody chains"


def test_domain_check_names_the_chains_outside_it(antiberty, vfb, crn):
    assert out_of_domain_note(antiberty, [vfb["B"], vfb["A"]]) == ""
    note = out_of_domain_note(antiberty, [crn["A"]])
    assert note.startswith("AntiBERTy was trained on antibody chains, but chain A of 1crn does not look like one")
    several = out_of_domain_note("antiberty", [vfb["A"], vfb["B"], vfb["C"]])
    assert "1 of 3 proteins" in several and "chain C of 1vfb_complex" in several


def test_a_model_for_any_protein_never_warns(tiny_dir, crn):
    esm = paw.load_model(tiny_models.save_esm(tiny_dir / "esm_domain"))
    assert esm.adapter.domain is None
    assert out_of_domain_note(esm, [crn["A"]]) == ""


@pytest.mark.parametrize("library", [True, False], ids=["anarci", "j-motif"])
def test_domain_check_uses_the_numbering_library_or_the_motif_fallback(antiberty, crn, vfb, library, monkeypatch):
    if library and not antibody.numbering_available():
        pytest.fail("the antibody extra (anarci, hmmer) is part of the test environment")
    monkeypatch.setattr(antibody, "numbering_available", lambda: library)
    note = out_of_domain_note(antiberty, [crn["A"], vfb["B"]])
    assert ("ANARCI" in note) is library and ("J-region motif" in note) is (not library)
    assert "chain A of 1crn" in note and "chain B" not in note


def test_explorer_warning_points_at_the_users_line(antiberty, crn):
    from protattn_widgets import AttentionExplorer

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        AttentionExplorer(crn, chain="A", model=antiberty, structure_view=False)
    [warning] = _domain_warnings(caught)
    assert "chain A of 1crn" in str(warning.message)
    assert warning.filename == __file__, "the warning must point at the user's line, not at our code or IPython"


def test_analyze_warns_once_at_the_users_line_and_notes_it(antiberty, vfb):
    from protattn_widgets.analysis import analyze, records_from_structure

    records = records_from_structure(vfb)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = analyze(antiberty, records, ["contact"], progress=False, min_total=1)
    [warning] = _domain_warnings(caught)
    assert "1 of 3 proteins" in str(warning.message) and "1vfb_complex:C" in str(warning.message)
    assert warning.filename == __file__
    assert any("1vfb_complex:C" in note for note in result.notes)


def test_protattn_figure_warns_out_of_domain_like_the_explorer(tmp_path, capsys):
    from protattn_widgets.cli import main

    code = main(["figure", "1crn", "--chain", "A", "--layer", "1", "--head", "1", "-o", str(tmp_path / "f.png")])
    err = capsys.readouterr().err
    assert code == 0
    assert "warning: AntiBERTy was trained on antibody chains, but chain A of 1crn does not look like one" in err
    code = main(["figure", "1vfb_complex", "--chain", "B", "--layer", "1", "--head", "1", "-o", str(tmp_path / "g.png")])
    assert code == 0 and "warning" not in capsys.readouterr().err


# ------------------------------------------------------------------ fingerprints.json memo


BAD_ENTRIES = [
    [None, "0" * 64],
    [5, "0" * 64],
    [[1, 2, 3], "0" * 64],
    [[1, 2, 3, "4"], "0" * 64],
    [[True, 0, 0, 0], "0" * 64],
    [[-1, 0, 0, 0], "0" * 64],
    [[1, 2, 3, 4], 5],
    [[1, 2, 3, 4], "not a sha"],
    [[1, 2, 3, 4], "0" * 64, "extra"],
    "text",
    None,
    {"stamp": [1, 2, 3, 4]},
]


@pytest.mark.parametrize("entry", BAD_ENTRIES, ids=[json.dumps(e)[:30] for e in BAD_ENTRIES])
def test_a_bad_fingerprint_memo_entry_is_rehashed_not_fatal(entry, tmp_path, monkeypatch):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "esm"}')
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("PROTATTN_CACHE_DIR", str(cache))
    expected = fingerprints.directory_fingerprint(folder)  # hashed afresh: the memo file is then rewritten
    name = str((folder / "config.json").resolve())
    (cache / "fingerprints.json").write_text(json.dumps({name: entry, "other": [None, 1]}))
    monkeypatch.setattr(fingerprints, "_HASHES", {})
    monkeypatch.setattr(fingerprints, "_HASHES_LOADED", False)
    assert fingerprints.directory_fingerprint(folder) == expected
    stored = json.loads((cache / "fingerprints.json").read_text())
    stat = (folder / "config.json").stat()
    assert stored[name][0] == [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]
    assert "other" not in stored, "invalid entries are dropped when the memo is rewritten"


@pytest.mark.parametrize("content", ["[1, 2]", "not json", "", "\x00\xff"])
def test_an_unreadable_fingerprint_memo_is_ignored(content, tmp_path, monkeypatch):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "weights.bin").write_bytes(b"abc")
    monkeypatch.setenv("PROTATTN_CACHE_DIR", str(tmp_path))
    (tmp_path / "fingerprints.json").write_text(content)
    monkeypatch.setattr(fingerprints, "_HASHES", {})
    monkeypatch.setattr(fingerprints, "_HASHES_LOADED", False)
    assert fingerprints.directory_fingerprint(folder).startswith("local-")


def test_load_model_survives_a_null_memo_entry(tiny_dir, tmp_path, monkeypatch):
    folder = tiny_models.save_esm(tmp_path / "esm")
    monkeypatch.setenv("PROTATTN_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir()
    memo = {str(p.resolve()): [None, "0" * 64] for p in folder.iterdir()}
    (tmp_path / "cache" / "fingerprints.json").write_text(json.dumps(memo))
    monkeypatch.setattr(fingerprints, "_HASHES", {})
    monkeypatch.setattr(fingerprints, "_HASHES_LOADED", False)
    model = paw.load_model(folder, cache=paw.AttentionCache())
    assert model.revision.startswith("local-")


def test_chain_switch_warning_points_at_the_users_line(antiberty, vfb):
    from protattn_widgets import AttentionExplorer

    explorer = AttentionExplorer(vfb, chain="B", model=antiberty, structure_view=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        explorer.chain = "C"  # through traitlets' observers
    [warning] = _domain_warnings(caught)
    assert "chain C of 1vfb_complex" in str(warning.message) and warning.filename == __file__


def test_package_warnings_point_at_the_callers_line_not_at_our_code(tmp_path):
    """A damaged disk-cache entry is warned about at the line that asked for it (any call depth)."""
    import numpy as np

    from protattn_widgets.cache import AttentionCache, CacheKey

    key = CacheKey("m", "r", "ACDE")
    AttentionCache(directory=tmp_path).put(key, np.ones((2, 2), np.float32))
    next(tmp_path.glob("*.npy")).write_bytes(b"damaged")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert AttentionCache(directory=tmp_path).get(key) is None
    [warning] = [w for w in caught if "damaged" in str(w.message)]
    assert issubclass(warning.category, paw.ProtAttnWarning) and warning.filename == __file__
