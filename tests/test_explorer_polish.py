"""AttentionExplorer without a browser: default head, busy state, export buttons, domain warning, layout."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets.widgets.explorer import AttentionExplorer, OutOfDomainWarning


@pytest.fixture(scope="module")
def complex_1vfb():
    return paw.load_structure(paw.example_path("1vfb_complex"))


@pytest.fixture(scope="module")
def explorer(antiberty, complex_1vfb):
    return AttentionExplorer(complex_1vfb, model=antiberty, chain="B")


def test_default_head_is_the_grids_best_and_has_edges(explorer, antiberty, complex_1vfb):
    assert (explorer.layer, explorer.head) == explorer.grid.best_heads(1)[0]
    assert len(explorer.structure_view.edges) > 0
    asked = AttentionExplorer(complex_1vfb, model=antiberty, chain="B", layer=0, head=0, structure_view=False)
    assert (asked.layer, asked.head) == (0, 0)  # what the user passed wins


def test_default_head_without_any_graded_head_is_the_one_with_most_strong_pairs(antiberty, complex_1vfb):
    ex = AttentionExplorer(complex_1vfb, model=antiberty, chain="B", min_total=10**9, structure_view=False)
    strong = (ex.attention.values >= ex.threshold).sum(axis=(2, 3))
    assert strong[ex.layer, ex.head] == strong.max() > 0


def test_chain_switch_shows_busy_and_stale_then_clears(explorer):
    seen = []
    explorer.status.observe(lambda c: seen.append((c["new"], explorer.busy)), "value")
    explorer.controls.chain_dropdown.value = "A"
    assert explorer.chain == "A" and explorer.attention.chain_id == "A"
    assert seen[0] == ('<span class="protattn-busy">computing attention for chain A ...</span>', True)
    assert seen[-1] == ("", False) and not explorer.busy
    explorer.controls.chain_dropdown.value = "B"


def test_model_attention_reports_progress_layer_by_layer(antiberty):
    calls = []
    antiberty.attention("EVQLVESGGGLVQPGGSLRLSCAAS", use_cache=False, progress=lambda *a: calls.append(a))
    assert calls == [(k, antiberty.n_layers) for k in range(1, antiberty.n_layers + 1)]


def test_chain_switch_shows_a_progress_bar_while_the_model_runs(explorer, antiberty, monkeypatch):
    from protattn_widgets.cache import AttentionCache

    monkeypatch.setattr(antiberty, "cache", AttentionCache())  # chain A is not cached: the model runs
    seen = []
    explorer.status.observe(lambda c: seen.append(c["new"]), "value")
    try:
        explorer.controls.chain_dropdown.value = "A"
        bars = [value for value in seen if "<progress" in value]
        assert len(bars) == antiberty.n_layers
        assert bars[-1].endswith(f'<progress value="{antiberty.n_layers}" max="{antiberty.n_layers}"></progress> '
                                 f"layer {antiberty.n_layers} of {antiberty.n_layers}")
        assert "computing attention for chain A" in bars[0] and seen[-1] == ""
    finally:
        explorer.controls.chain_dropdown.value = "B"


def test_antiberty_on_an_antigen_warns_and_says_so_in_the_explorer(explorer, antiberty, complex_1vfb):
    with pytest.warns(OutOfDomainWarning, match="but chain C of 1vfb_complex does not look like one"):
        AttentionExplorer(complex_1vfb, model=antiberty, chain="C", structure_view=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", OutOfDomainWarning)
        AttentionExplorer(complex_1vfb, model=antiberty, chain="A", structure_view=False)  # a light chain: quiet
        explorer.controls.chain_dropdown.value = "C"  # the explorer shows it instead of raising
    assert "AntiBERTy was trained on antibody chains, but chain C of 1vfb_complex does not look like one" in explorer.status.value
    explorer.controls.chain_dropdown.value = "B"
    assert explorer.status.value == ""


def test_export_buttons_write_the_figure_and_the_page(explorer, tmp_path):
    explorer.export_dir = tmp_path
    explorer.layer, explorer.head = 3, 5
    for fmt, magic in (("png", b"\x89PNG"), ("svg", b"<?xml"), ("html", b"<!DOCTYPE html")):
        explorer.export_buttons[fmt].click()
        path = explorer.export_name(fmt)
        assert path.read_bytes()[: len(magic)].lower() == magic.lower(), fmt
        assert f'href="{path}"' in explorer.status.value or path.name in explorer.status.value
    assert explorer.export_name("png").name == "1vfb_complex_B_4-6.png"
    assert explorer.export_name("html").name == "1vfb_complex_B.html"
    # the same figure as save_figure
    explorer.save_figure(tmp_path / "direct.svg")
    def strip(text):  # matplotlib's random clip-path ids and the date aside
        return [re.sub(r'(id="|#)[0-9A-Za-z_]+', "", line) for line in text.splitlines() if "<dc:date>" not in line]
    assert strip((tmp_path / "direct.svg").read_text()) == strip(explorer.export_name("svg").read_text())


def test_layout_keeps_structure_and_heatmap_first_and_marks_keys(explorer):
    views = explorer._views
    assert views.children[:2] == (explorer._structure_box, explorer.heatmap)
    assert "protattn-views" in views._dom_classes
    assert {"protattn-explorer", "protattn-keys"} <= set(explorer._dom_classes)
    assert "protattn-structure-box" in explorer._structure_box._dom_classes
    assert all(w.tooltip and w.tooltip != "null" for w in explorer.controls.widgets)
