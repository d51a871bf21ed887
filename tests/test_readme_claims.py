"""What the README and the packaging claim holds: the images' sources, the hover example,
the license, the dask extra."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

import protattn_widgets as paw
from protattn_widgets.cli import main
from protattn_widgets.widgets._checks import format_weight  # js/lib/format.js formatWeight, as the hover shows it
from protattn_widgets.widgets.encoding import dequantize, quantize

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PYPROJECT = (ROOT / "pyproject.toml").read_text()


def test_hover_example_is_a_real_pair_of_the_head_it_names(antiberty):
    match = re.search(r"on hover \(`(\w) (\w{3}) (\w+) -> (\w) (\w{3}) (\w+): ([\d.]+)` for head (\d+)-(\d+)[;)]", README)
    assert match, "the README's hover example names a pair and its head"
    chain_i, name_i, id_i, chain_j, name_j, id_j, shown, layer, head = match.groups()
    chain = paw.load_structure(paw.example_path("1vfb_complex"))[chain_i]
    assert chain_i == chain_j == "B"
    i, j = chain.residue_ids.index(id_i), chain.residue_ids.index(id_j)
    assert (chain.residue_names[i], chain.residue_names[j]) == (name_i, name_j)
    matrix = antiberty.attention(chain).head(int(layer) - 1, int(head) - 1)
    codes, scale = quantize(matrix)  # what the heatmap holds, as the hover decodes it
    assert format_weight(float(dequantize(codes, scale).reshape(matrix.shape)[i, j])) == shown


def test_second_image_is_what_protattn_figure_draws(tmp_path, antiberty):
    from PIL import Image

    caption = README[README.index("docs/demo_top_head.png"):][:900]
    command = re.search(r"`protattn figure ([^`]+) -o head\.png`", caption)
    assert command, "the caption says which command drew the image"
    out = tmp_path / "head.png"
    assert main(["figure", *command.group(1).split(), "-o", str(out)]) == 0
    drawn = np.asarray(Image.open(out).convert("L"), dtype=float)
    committed = np.asarray(Image.open(ROOT / "docs" / "demo_top_head.png").convert("L"), dtype=float)
    assert drawn.shape == committed.shape
    assert np.abs(drawn - committed).mean() < 2.0, "the committed image is not this command's output"
    demo_files = set(paw.demo.run_demo.__doc__.split("Returns")[0].replace("``", " ").split())
    assert "head.png" not in demo_files and "top_head_attention.png" in demo_files


def test_license_file_is_bsd_3_clause_as_the_metadata_says():
    text = (ROOT / "LICENSE").read_text()
    assert 'license = "BSD-3-Clause"' in PYPROJECT
    assert text.startswith("BSD 3-Clause License") and "protattn-widgets developers" in text
    assert "Neither the name of the copyright holder" in text


def test_dask_extra_is_documented_as_installable_today():
    extra = re.search(r"^dask = \[(.*)\]$", PYPROJECT, re.MULTILINE)
    assert extra and '"dask>=' in extra.group(1) and '"distributed>=' in extra.group(1)
    assert 'pip install -e ".[dask]"' in README
    assert "`pip install protattn-widgets[dask]`" not in README, "not on an index: that command fails"


def test_citation_file_matches_the_package_and_the_readme():
    import yaml

    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    version = re.search(r'^version = "([^"]+)"', PYPROJECT, re.MULTILINE).group(1)
    assert citation["cff-version"] == "1.2.0" and citation["version"] == version
    assert citation["license"] == re.search(r'^license = "([^"]+)"', PYPROJECT, re.MULTILINE).group(1)
    paper = citation["preferred-citation"]
    assert paper["title"] == "BERTology Meets Biology: Interpreting Attention in Protein Language Models"
    assert [a["family-names"] for a in paper["authors"]][0] == "Vig"
    bibtex = README[README.index("## How to cite"):]
    assert "arXiv:2006.15222" in bibtex and "Vig, Jesse" in bibtex and f"version = {{{version}}}" in bibtex


def test_readme_names_the_licence_and_how_to_install_and_work_offline():
    assert "## Licence" in README and "**BSD 3-Clause License**" in README
    assert "## Install into your own environment" in README
    install = README[README.index("## Install into your own environment"):]
    assert "pip install ." in install and "pip wheel --no-deps -w dist ." in install
    assert "HF_HUB_OFFLINE=1" in README and "--local-dir" in README
    assert "needs\nthe network once" in README or "needs the network once" in README
    assert "git+<repository URL>" not in README


def test_vscode_finds_anywidgets_front_end_in_the_environment():
    """README (VS Code, untested): a local kernel's environment holds anywidget's front-end where
    VS Code looks for third-party widget modules, and every widget of ours asks for that module."""
    import sys

    from protattn_widgets.widgets import AttentionExplorer, StructureAttentionView

    assert "`share/jupyter/nbextensions/anywidget/`, which `pip install protattn-widgets` installs" in README
    assert (Path(sys.prefix) / "share" / "jupyter" / "nbextensions" / "anywidget" / "index.js").is_file()
    for widget in (AttentionExplorer, StructureAttentionView):
        assert widget._view_module.default_value == widget._model_module.default_value == "anywidget"
