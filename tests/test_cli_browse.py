"""``protattn analyze ... --browse``: the standalone dataset-browser page in the report folder.

The page itself is clicked through in Chromium in tests/browser/test_browser_page.py; here: what
it embeds (the report's own counts, one explorer per protein with a structure, each structure
once), the progress and size lines, the options and their errors.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets.analysis import AnalysisResult
from protattn_widgets.errors import InvalidOptionError
from protattn_widgets.widgets.browser_page import read_browser_data
from test_cli_analyze import _run  # main(argv) -> (status, stdout, stderr)

DATA = Path(__file__).parent / "data"


def _structures(folder: Path) -> Path:
    folder.mkdir()
    (folder / "1vfb_complex.pdb").write_bytes(paw.example_path("1vfb_complex").read_bytes())
    return folder


def test_browse_writes_the_page_into_the_report_from_outside_the_repo(tmp_path, antiberty):
    _structures(tmp_path / "structures")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    run = subprocess.run([sys.executable, "-m", "protattn_widgets", "analyze", "--data", "structures", "--property",
                          "contact", "--min-total", "10", "-o", "report", "--browse"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    page = tmp_path / "report" / "browser.html"
    assert page.is_file()
    # progress on stderr, the page's place, size and contents on stdout
    assert "writing the dataset browser (3 protein explorers, heads: all)" in run.stderr
    assert "browser page" in run.stderr  # the progress bar's label
    megabytes = len(page.read_bytes()) / 1e6
    assert f"dataset browser: {page.resolve()} ({megabytes:.1f} MB: 3 of 3 proteins open an explorer with 64 of 64 " \
           "heads each)" in run.stdout
    text = page.read_text(encoding="utf-8")
    assert "<script src" not in text and "https://" not in text.split("protattn-browser-data")[0]

    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert summary["files"]["browser"] == "browser.html"
    data = read_browser_data(page)
    result = AnalysisResult.load(tmp_path / "report" / "result")
    counts = result["contact"].protein_counts
    assert [f["name"] for f in data["features"]] == ["contact"]
    assert data["features"][0]["proteins"] == counts.proteins == ["1vfb_complex:A", "1vfb_complex:B", "1vfb_complex:C"]
    shape = (3, 8, 8)
    np.testing.assert_array_equal(data["arrays"]["hits_0"].reshape(shape), counts.hits)
    np.testing.assert_array_equal(data["arrays"]["total_0"].reshape(shape), counts.total)
    np.testing.assert_array_equal(data["arrays"]["top_index_0"].reshape(shape).astype(np.int64) - 1, counts.top_index)
    np.testing.assert_array_equal(data["arrays"]["counts_0"].reshape(8, 8), result["contact"].total)
    # the dataset grid is the notebook browser's, flags included
    browser = result.browse("contact")
    assert data["features"][0]["flags"] == list(browser._flags)
    assert data["features"][0]["caption"] == browser.caption
    np.testing.assert_array_equal(data["arrays"]["values_0"].tobytes(), browser._values)
    # one explorer per chain with every head; the complex's text stored once for its three chains
    assert sorted(data["explorers"]) == counts.proteins
    for protein, explorer in data["explorers"].items():
        assert explorer["source"] == protein and explorer["embedded_heads"] == list(range(64))
        assert "_structure__pa_structure" not in explorer["traits"]
    assert set(data["structures"].values()) == {"structure_0"}
    assert bytes(data["arrays"]["structure_0"]).decode().startswith(("HEADER", "ATOM", "REMARK", "CRYST1", "MODEL"))


def test_browse_heads_top_embeds_the_top_heads_of_each_property(tmp_path, antiberty):
    structures = _structures(tmp_path / "structures")
    code, out, err = _run(["analyze", "--data", str(structures), "--property", "contact", "--min-total", "10",
                           "--top-k", "3", "-o", str(tmp_path / "report"), "--browse", "--browse-heads", "top", "-q"])
    assert code == 0, err
    data = read_browser_data(tmp_path / "report" / "browser.html")
    top = AnalysisResult.load(tmp_path / "report" / "result")["contact"].top_heads(3)
    expected = sorted((top["layer_index"] * 8 + top["head_index"]).tolist())
    assert data["embedded_heads"] == expected and len(expected) == 3
    for explorer in data["explorers"].values():
        assert explorer["embedded_heads"] == expected
        assert "--browse-heads all" in explorer["missing_head_hint"]
    assert "with 3 of 64 heads each" in out


def test_browse_heads_without_browse_is_an_error_before_any_work(tmp_path):
    code, out, err = _run(["analyze", "--data", "antibodies", "-o", str(tmp_path / "report"), "--browse-heads", "top"])
    assert code == 2 and "--browse-heads chooses the heads of the --browse page: add --browse" in err
    assert not (tmp_path / "report").exists()


def test_browse_of_label_files_lists_proteins_that_cannot_open(tmp_path, antiberty):
    code, out, err = _run(["analyze", "--data", str(DATA / "binding_sites_valid_head30.jsonl"), "--limit", "2",
                           "--property", "binding_site", "-o", str(tmp_path / "report"), "--browse", "-q"])
    assert code == 0, err
    assert "none of the 2 proteins has a structure (label files carry sequences only)" in err
    data = read_browser_data(tmp_path / "report" / "browser.html")
    assert data["pages"] == {} and len(data["proteins"]) == 2
    assert all("label files carry sequences only" in why for why in data["closed"].values())
    assert "0 of 2 proteins open an explorer" in out


def test_a_result_without_per_protein_counts_cannot_be_browsed(tmp_path, antiberty):
    from protattn_widgets.analysis import analyze, antibody_dataset
    from protattn_widgets.analysis.per_protein import ProteinCounts

    result = analyze(antiberty, antibody_dataset(["1vfb_complex"]), ["contact"], progress=False)
    result["contact"].protein_counts = ProteinCounts(8, 8)  # as a result saved before they existed
    with pytest.raises(InvalidOptionError, match="kept no per-protein counts for 'contact'.*run the analysis again"):
        result.browse("contact").to_html(tmp_path / "browser.html")
    assert not (tmp_path / "browser.html").exists()


def test_a_large_page_is_written_with_a_warning_naming_browse_heads_top(tmp_path, antiberty, monkeypatch):
    from protattn_widgets.widgets import browser_page

    monkeypatch.setattr(browser_page, "LARGE_BROWSER_BYTES", 1_000_000)  # the real limit is 200 MB
    structures = _structures(tmp_path / "structures")
    code, out, err = _run(["analyze", "--data", str(structures), "--property", "contact", "-o", str(tmp_path / "report"),
                           "--browse", "-q"])
    assert code == 0, err
    assert "warning: the dataset browser page is" in err and "(--browse-heads top)" in err
    assert (tmp_path / "report" / "browser.html").is_file()
