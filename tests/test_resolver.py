"""One rule resolves a structure source, the same in Python, the CLI, the demo and the explorer.

Offline (RCSB unreachable): the bundled ids 1a0q, 7hvp, 1crn and 1ubq are the bundled files
everywhere, ``fetch_pdb`` always asks RCSB, and a near miss (``1vfb``) names ``1vfb_complex``.
"""

from __future__ import annotations

import ast
import contextlib
import io
import socket
from pathlib import Path

import pytest

import protattn_widgets as paw
from protattn_widgets.cli import main
from protattn_widgets.errors import ExampleNotFoundError, StructureDownloadError, StructureError

BUNDLED_PDB_IDS = ("1a0q", "7hvp", "1crn", "1ubq")


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """RCSB replaced by a port nobody listens on, and an empty cache."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("PROTATTN_PDB_URL", f"http://127.0.0.1:{port}/{{pdb_id}}.cif")
    monkeypatch.setenv("PROTATTN_CACHE_DIR", str(tmp_path / "cache"))


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", BUNDLED_PDB_IDS + ("1VFB_COMPLEX", "7HVP", "1crn.pdb"))
def test_a_bundled_name_is_the_bundled_file_offline(offline, name):
    by_name = paw.load_structure(name)
    by_example = paw.example(name)
    by_path = paw.load_structure(paw.example_path(name))
    assert by_name.name == by_example.name == by_path.name == paw.example_path(name).stem
    assert by_name.chain_ids == by_path.chain_ids
    for chain in by_path:
        assert by_name[chain.chain_id].sequence == chain.sequence


def test_fetch_pdb_asks_rcsb_even_for_a_bundled_id(offline):
    with pytest.raises(StructureDownloadError, match="'1CRN'.*offline"):
        paw.fetch_pdb("1crn")
    with pytest.raises(StructureError, match="not a PDB id"):
        paw.fetch_pdb("1vfb_complex")


def test_example_refuses_other_names():
    with pytest.raises(ExampleNotFoundError, match="did you mean '1vfb_complex'"):
        paw.example("1vfb")


def test_an_existing_file_wins_over_a_bundled_name(tmp_path, monkeypatch):
    # A path is explicit: a file called "7hvp" in the working folder is that file.
    (tmp_path / "7hvp").write_text(paw.example_path("1crn").read_text())
    monkeypatch.chdir(tmp_path)
    assert paw.load_structure("7hvp").chain_ids == paw.example("1crn").chain_ids


def test_a_near_miss_of_an_example_names_it(offline):
    with pytest.raises(StructureDownloadError, match="'1vfb_complex'") as info:
        paw.load_structure("1vfb")
    assert "offline" in str(info.value)  # the download failure is still said
    with pytest.raises(StructureError, match="did you mean the bundled example '1vfb_complex'"):
        paw.load_structure("1vfb_complx")


def test_cli_uses_the_same_rule(offline, tmp_path, antiberty):
    out = tmp_path / "f.png"
    code, _, stderr = _run(["figure", "7hvp", "--chain", "A", "--layer", "1", "--head", "1", "-o", str(out),
                            "--top-k", "3"])
    assert code == 0, stderr
    code, _, stderr = _run(["figure", "1vfb", "--chain", "B", "--layer", "1", "--head", "1",
                            "-o", str(tmp_path / "g.png")])
    assert code == 2 and stderr.startswith("error:") and "'1vfb_complex'" in stderr
    assert "Traceback" not in stderr


def test_explorer_uses_the_same_rule(offline, antiberty):
    with pytest.warns(paw.OutOfDomainWarning):  # HIV protease is not an antibody
        explorer = paw.AttentionExplorer("7hvp", model=antiberty, chain="A", structure_view=False)
    assert explorer.structure.name == "7hvp" and explorer.chain == "A"


def test_examples_does_not_import_structures():
    # The old examples <-> structures cycle: examples.py is data only now.
    tree = ast.parse((Path(paw.__file__).parent / "examples.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(m and m.endswith("structures") for m in imported), imported
