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
    explorer.observe(lambda c: seen.append((dict(c["new"]), explorer.busy)), "_status")
    explorer.set_state({"chain": "A"})  # the page's chain menu
    assert explorer.chain == "A" and explorer.attention.chain_id == "A"
    assert seen[0] == ({"text": "computing attention for chain A ...", "kind": "busy"}, True)
    assert seen[-1] == ({}, False) and not explorer.busy
    explorer.set_state({"chain": "B"})


def test_model_attention_reports_progress_layer_by_layer(antiberty):
    calls = []
    antiberty.attention("EVQLVESGGGLVQPGGSLRLSCAAS", use_cache=False, progress=lambda *a: calls.append(a))
    assert calls == [(k, antiberty.n_layers) for k in range(1, antiberty.n_layers + 1)]


def test_chain_switch_shows_a_progress_bar_while_the_model_runs(explorer, antiberty, monkeypatch):
    from protattn_widgets.cache import AttentionCache

    monkeypatch.setattr(antiberty, "cache", AttentionCache())  # chain A is not cached: the model runs
    seen = []
    explorer.observe(lambda c: seen.append(dict(c["new"])), "_status")
    try:
        explorer.set_state({"chain": "A"})
        steps = [value for value in seen if "done" in value]
        assert [value["done"] for value in steps] == list(range(1, antiberty.n_layers + 1))
        assert steps[-1]["text"] == (f"computing attention for chain A ... "
                                     f"(layer {antiberty.n_layers} of {antiberty.n_layers})")
        assert all(value["kind"] == "busy" for value in steps) and seen[-1] == {}
    finally:
        explorer.set_state({"chain": "B"})


def test_antiberty_on_an_antigen_warns_and_says_so_in_the_explorer(explorer, antiberty, complex_1vfb):
    with pytest.warns(OutOfDomainWarning, match="but chain C of 1vfb_complex does not look like one"):
        AttentionExplorer(complex_1vfb, model=antiberty, chain="C", structure_view=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", OutOfDomainWarning)
        AttentionExplorer(complex_1vfb, model=antiberty, chain="A", structure_view=False)  # a light chain: quiet
        explorer.set_state({"chain": "C"})  # from the page: the explorer shows it instead of raising
    assert "AntiBERTy was trained on antibody chains, but chain C of 1vfb_complex does not look like one" in explorer.status
    assert explorer._status["kind"] == "warning"
    explorer.set_state({"chain": "B"})
    assert explorer.status == ""


def test_export_buttons_write_the_file_and_send_its_bytes_to_the_page(explorer, tmp_path, monkeypatch):
    """The page downloads what the kernel sends (a blob: link, not a server URL): the file's own bytes."""
    sent = []
    monkeypatch.setattr(explorer, "send", lambda content, buffers=None: sent.append((content, buffers)))
    explorer.export_dir = tmp_path
    explorer.layer, explorer.head = 3, 5
    for fmt, magic in (("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF"), ("html", b"<!DOCTYPE html")):
        explorer._on_message(explorer, {"type": "export", "format": fmt}, [])  # the page's button
        path = explorer.export_name(fmt)
        content, buffers = sent[-1]
        assert path.read_bytes()[: len(magic)].lower() == magic.lower(), fmt
        assert bytes(buffers[0]) == path.read_bytes(), fmt
        assert content["name"] == path.name and content["saved"] == str(path) and path.name in explorer.status
    assert sent[0][0]["mime"] == "image/png" and sent[-1][0]["mime"] == "text/html"
    assert explorer.export_name("png").name == "1vfb_complex_B_4-6.png"
    assert explorer.export_name("html").name == "1vfb_complex_B.html"
    # the same figure as save_figure
    explorer.save_figure(tmp_path / "direct.svg")
    def strip(text):  # matplotlib's random clip-path ids and the date aside
        return [re.sub(r'(id="|#)[0-9A-Za-z_]+', "", line) for line in text.splitlines() if "<dc:date>" not in line]
    assert strip((tmp_path / "direct.svg").read_text()) == strip(explorer.export_name("svg").read_text())
    # "Save 3D": the page makes the PNG (NGL makeImage) and the kernel keeps a copy in export_dir.
    png = b"\x89PNG\r\n\x1a\n" + b"rest"
    explorer._on_message(explorer, {"type": "save-3d", "name": "../x/1vfb_3d.png"}, [memoryview(png)])
    assert (tmp_path / "1vfb_3d.png").read_bytes() == png
    explorer._on_message(explorer, {"type": "save-3d", "name": "evil.png"}, [b"<html>"])
    assert not (tmp_path / "evil.png").exists() and explorer._status["kind"] == "error"


def test_the_explorer_is_one_anywidget_with_the_bundled_front_end(explorer):
    import anywidget

    from protattn_widgets.widgets._base import STATIC

    assert isinstance(explorer, anywidget.AnyWidget)
    assert explorer._esm == (STATIC / "widget.js").read_text()
    for part in (explorer.heatmap, explorer.grid, explorer.sequence, explorer.structure_view):
        assert not isinstance(part, anywidget.AnyWidget)  # parts compute; only the explorer syncs
    assert explorer._heatmap__matrix == explorer.heatmap._matrix
    assert explorer._structure__pa_structure == explorer.structure_view._pa_structure
