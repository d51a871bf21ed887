"""The ``protattn`` command, run in-process on the real model and the bundled structures."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets.cli import main

ROOT = Path(__file__).resolve().parents[1]
VFB = paw.example_path("1vfb_complex")
DEMO_FILES = ("contact_heads.png", "contact_heads.svg", "top_head_attention.png",
              "top_head_structure.png", "summary.txt", "summary.json")


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def demo(tmp_path_factory, antiberty):
    outdir = tmp_path_factory.mktemp("demo")
    code, out, err = _run(["demo", "-o", str(outdir)])
    return outdir, code, out, err


def _pooled_share_by_hand(model, threshold=0.3, min_total=20):
    """The paper's contact statistic over 1vfb chains B and A, in plain numpy."""
    structure = paw.load_structure(VFB)
    hits = total = 0
    background_hits = background_total = 0
    for chain_id in ("B", "A"):
        chain = structure[chain_id]
        values = model.attention(chain).values
        has_cb = ~np.isnan(chain.cb).any(axis=1)
        counted = has_cb[:, None] & has_cb[None, :]
        contacts = chain.contact_map()
        strong = (values >= threshold) & counted
        total = total + strong.sum(axis=(2, 3))
        hits = hits + (strong & contacts).sum(axis=(2, 3))
        background_hits += int((contacts & counted).sum())
        background_total += int(counted.sum())
    share = np.where(total >= min_total, hits / np.maximum(total, 1), -1.0)
    return share, total, background_hits / background_total


def test_demo_writes_every_file(demo):
    outdir, code, out, err = demo
    assert code == 0, err
    for name in DEMO_FILES:
        assert (outdir / name).stat().st_size > 500, name
    assert (outdir / "contact_heads.png").read_bytes().startswith(b"\x89PNG")
    assert b"<svg" in (outdir / "contact_heads.svg").read_bytes()[:2000]
    # Progress goes to stderr, results to stdout.
    assert "loading model" in err and "loading model" not in out
    assert str(outdir.resolve()) in out


def test_demo_top_head_matches_the_statistic_recomputed_by_hand(demo, antiberty):
    outdir, *_ = demo
    summary = json.loads((outdir / "summary.json").read_text(encoding="utf-8"))
    share, total, background = _pooled_share_by_hand(antiberty)
    layer, head = np.unravel_index(np.argmax(share), share.shape)
    expected = f"{layer + 1}-{head + 1}"
    assert summary["top_head"] == expected
    top = summary["top_heads"][0]
    assert (top["layer"], top["head"], top["layer_index"], top["head_index"]) == (layer + 1, head + 1, layer, head)
    assert top["share"] == pytest.approx(share[layer, head])
    assert top["strong_edges"] == total[layer, head]
    assert summary["background_contact_rate"] == pytest.approx(background)
    assert top["enrichment"] == pytest.approx(share[layer, head] / background)
    # The ranking is the statistic sorted: ten heads, shares never increasing.
    shares = [row["share"] for row in summary["top_heads"]]
    assert len(shares) == 10 and shares == sorted(shares, reverse=True)
    assert [c["id"] for c in summary["chains"]] == ["B", "A"]
    assert summary["chains"][0]["role"] == "heavy"
    # Masked heads are null in JSON, never NaN.
    grid = summary["share_by_layer_head"]
    assert len(grid) == 8 and all(len(row) == 8 for row in grid)
    assert sum(v is None for row in grid for v in row) == int((share < 0).sum())
    assert "NaN" not in (outdir / "summary.json").read_text(encoding="utf-8")


def test_demo_summary_text_names_the_top_head(demo):
    outdir, _, out, _ = demo
    summary = json.loads((outdir / "summary.json").read_text(encoding="utf-8"))
    text = (outdir / "summary.txt").read_text(encoding="utf-8")
    label = summary["top_head"]
    assert f"Head {label} " in text and summary["sentence"] in text
    assert "AntiBERTy" in text and "B (heavy, 116 residues)" in text
    assert f"{summary['background_contact_rate']:.2%}" in text
    rows = [line.split() for line in text.splitlines() if line.strip()[:2].strip().isdigit()]
    assert [(r[0], r[1]) for r in rows] == [(str(h["rank"]), h["label"]) for h in summary["top_heads"]]
    assert label in out
    # The terminal's top heads state their evidence too: hits of strong edges and the 95% CI.
    top = summary["top_heads"][0]
    assert (f"({top['contact_edges']} of {top['strong_edges']} strong edges, "
            f"95% CI {top['ci_low']:.1%}-{top['ci_high']:.1%})") in out


def test_figure_command_writes_an_svg(tmp_path, antiberty):
    out = tmp_path / "f.svg"
    code, stdout, stderr = _run(["figure", str(VFB), "--chain", "B", "--layer", "3", "--head", "5",
                                 "-o", str(out)])
    assert code == 0, stderr
    data = out.read_bytes()
    assert b"<svg" in data[:2000] and len(data) > 20_000
    assert "3-5" in stdout


def test_figure_command_accepts_a_bundled_example_name(tmp_path, antiberty):
    out = tmp_path / "f.png"
    code, _, stderr = _run(["figure", "1vfb_complex", "--chain", "A", "--layer", "1", "--head", "1",
                            "-o", str(out), "--top-k", "5", "--threshold", "0.2"])
    assert code == 0, stderr
    assert out.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("flag, value, valid", [("--layer", "9", "1..8"), ("--layer", "0", "1..8"),
                                                ("--head", "9", "1..8")])
def test_figure_command_rejects_out_of_range_heads(tmp_path, antiberty, flag, value, valid):
    args = {"--layer": "3", "--head": "5", flag: value}
    code, _, stderr = _run(["figure", str(VFB), "--chain", "B", "--layer", args["--layer"],
                            "--head", args["--head"], "-o", str(tmp_path / "f.png")])
    assert code == 2
    assert stderr.startswith("error: ") and valid in stderr and "1-based" in stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "f.png").exists()


def test_figure_command_lists_chains_when_one_is_missing(tmp_path):
    code, _, stderr = _run(["figure", str(VFB), "--chain", "H", "--layer", "1", "--head", "1",
                            "-o", str(tmp_path / "f.png")])
    assert code == 2
    assert stderr.startswith("error: ") and "'H'" in stderr and "A, B, C" in stderr


def test_figure_command_rejects_unknown_output_format(tmp_path):
    code, _, stderr = _run(["figure", str(VFB), "--chain", "B", "--layer", "1", "--head", "1",
                            "-o", str(tmp_path / "f.jpg")])
    assert code == 2 and ".png, .svg, .pdf" in stderr


def test_missing_structure_file_is_a_clean_error(tmp_path):
    code, _, stderr = _run(["figure", str(tmp_path / "nope.pdb"), "--chain", "A", "--layer", "1",
                            "--head", "1", "-o", str(tmp_path / "f.png")])
    assert code == 2 and stderr.startswith("error: ") and "no such file" in stderr


def test_bad_threshold_is_refused_by_the_parser(capsys):
    assert main(["demo", "--threshold", "1.5"]) == 2
    assert "[0, 1]" in capsys.readouterr().err


def test_help_says_labels_are_one_based(capsys):
    assert main(["figure", "--help"]) == 0
    assert "1-based" in capsys.readouterr().out


@pytest.mark.parametrize("module", ["protattn_widgets", "protattn_widgets.cli"])
def test_version_from_a_subprocess(module):
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"protattn {paw.__version__}"
