"""``protattn analyze``: tables, summary and figures from real structures and label files."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

import protattn_widgets as paw
from protattn_widgets.analysis import AnalysisResult
from protattn_widgets.cli import main

DATA = Path(__file__).parent / "data"


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_analyze_writes_tables_summary_and_figures(tmp_path, antiberty):
    structures = tmp_path / "structures"
    structures.mkdir()
    (structures / "1vfb_complex.pdb").write_bytes(paw.example_path("1vfb_complex").read_bytes())
    code, out, err = _run(["analyze", "--data", str(structures), str(DATA / "binding_sites_valid_head30.jsonl"),
                           "--limit", "3", "--property", "contact", "binding_site", "--min-total", "20",
                           "-o", str(tmp_path / "report"), "-q"])
    assert code == 0, err
    report = tmp_path / "report"
    summary = json.loads((report / "summary.json").read_text())
    assert summary["proteins"] == 6 and summary["max_length"] == 510
    top = pd.read_csv(report / "top_heads.csv")
    assert set(top["feature"]) == {"contact", "binding_site"}
    result = AnalysisResult.load(report / "result")
    assert top[top["feature"] == "contact"]["label"].iloc[0] == result["contact"].top_heads(1)["label"].iloc[0]
    assert summary["features"]["contact"]["top_heads"][0]["label"] == top["label"].iloc[0]
    # one numbering: 1-based layer/head as in the label, 0-based only as *_index
    assert {"layer", "head", "layer_index", "head_index", "targets", "top_target", "column_head"} <= set(top.columns)
    assert (top["label"] == top["layer"].astype(str) + "-" + top["head"].astype(str)).all()
    assert (top["layer"] == top["layer_index"] + 1).all() and (top["head"] == top["head_index"] + 1).all()
    assert (top["strong_edges"] >= 20).all()  # heads under --min-total are not ranked
    # the concentration counts exactly the strong edges each statistic counts
    for prop in ("contact", "binding_site"):
        np.testing.assert_array_equal(result.concentrations[prop].total, result[prop].total)
        assert result[prop].concentration is result.concentrations[prop]
    first = summary["features"]["contact"]["top_heads"][0]
    assert first["evidence"].startswith(f"{first['hits']} of {first['total']} strong edges on 3D contacts (")
    assert first["layer"] == first["layer_index"] + 1 and "layer-head" in summary["numbering"]
    assert isinstance(summary["features"]["contact"]["column_heads"], int)
    assert (report / "figures" / "contact.png").read_bytes().startswith(b"\x89PNG")
    assert (report / "figures" / "center_of_gravity.png").read_bytes().startswith(b"\x89PNG")
    assert "contact" in out and "background" in out


def test_amino_acid_analysis_draws_the_blosum62_comparison(tmp_path, antiberty):
    code, _, err = _run(["analyze", "--data", str(paw.example_path("1crn")), str(paw.example_path("1ubq")),
                         "--property", "amino_acid", "--min-total", "5", "-o", str(tmp_path / "r"), "-q"])
    assert code == 0, err
    assert (tmp_path / "r" / "figures" / "blosum62.png").read_bytes().startswith(b"\x89PNG")
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert "blosum62" in json.dumps(summary).lower()


def test_unknown_property_lists_the_valid_ones(tmp_path):
    code, _, err = _run(["analyze", "--data", str(paw.example_path("1crn")), "--property", "contacts",
                         "-o", str(tmp_path / "r")])
    assert code == 2 and err.startswith("error: ") and "valid properties: contact, binding_site" in err


def test_batch_size_option_gives_the_unbatched_counts(tmp_path, antiberty):
    from protattn_widgets.analysis import analyze, load_dataset

    data = [str(paw.example_path("1vfb_complex")), str(DATA / "binding_sites_valid_head30.jsonl")]
    code, _, err = _run(["analyze", "--data", *data, "--limit", "2", "--property", "contact", "binding_site",
                         "--min-total", "1", "--batch-size", "3", "--no-figures", "-o", str(tmp_path / "r"), "-q"])
    assert code == 0, err
    batched = AnalysisResult.load(tmp_path / "r" / "result")
    unbatched = analyze(antiberty, load_dataset(data, limit=2), ["contact", "binding_site"], min_total=1,
                        progress=False)
    assert batched.proteins == unbatched.proteins == 5
    for feature in unbatched:
        np.testing.assert_array_equal(batched[feature].hits, unbatched[feature].hits)
        np.testing.assert_array_equal(batched[feature].total, unbatched[feature].total)
    code, _, err = _run(["analyze", "--data", data[0], "--batch-size", "0", "-o", str(tmp_path / "bad")])
    assert code == 2 and "--batch-size" in err and "must be at least 1" in err
