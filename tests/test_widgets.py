"""The anywidget views and the linked explorer, in the kernel (no browser).

The browser side is tested by ``node --test js/tests/`` (pure functions) and
``tests/browser/test_explorer_browser.py`` (real JupyterLab).
"""

from __future__ import annotations

import json
import types
from pathlib import Path

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets.analysis.accumulator import contact_accumulator
from protattn_widgets.errors import (AnnotationError, ChainNotFoundError, LayerHeadIndexError, SequenceTooLongError,
                                     StructureError)
from protattn_widgets.structures import Chain
from protattn_widgets.widgets.encoding import (
    dequantize, float32_bytes, max_quantization_error, pack_bits, quantize, uint32_bytes, unpack_bits, write_js_fixture,
)
from protattn_widgets.widgets.explorer import AttentionExplorer
from protattn_widgets.widgets.head_grid import HeadGrid
from protattn_widgets.widgets.heatmap import AttentionHeatmap
from protattn_widgets.widgets import AttentionMismatchError
from protattn_widgets.widgets.sequence_track import SequenceTrack
from protattn_widgets.widgets.standalone import read_standalone_data

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def vfb():
    return paw.load_structure(paw.example_path("1vfb_complex"))


@pytest.fixture(scope="module")
def heavy(antiberty, vfb):
    chain = vfb["B"]
    return chain, antiberty.attention(chain)


@pytest.fixture(scope="module")
def explorer(antiberty, vfb):
    return AttentionExplorer(vfb, model=antiberty, chain="B", layer=3, head=5, threshold=0.3)


def synthetic(length: int, n_layers: int = 8, n_heads: int = 8, seed: int = 0) -> tuple[Chain, paw.Attention]:
    """A chain of ``length`` residues on a random compact walk, with row-stochastic attention."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(size=(length, 3))
    ca = np.cumsum(3.8 * steps / np.linalg.norm(steps, axis=1, keepdims=True), axis=0)
    ca.setflags(write=False)
    sequence = "".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), length))
    ids = [str(i + 1) for i in range(length)]
    chain = Chain("A", "synthetic", sequence, ids, ["ALA"] * length, ca, ca)
    logits = rng.normal(scale=3.0, size=(n_layers, n_heads, length, length)).astype(np.float32)
    values = np.exp(logits - logits.max(axis=-1, keepdims=True))
    values /= values.sum(axis=-1, keepdims=True)
    return chain, paw.Attention(values, sequence, tuple(ids), "synthetic", "A", "synthetic")


# --------------------------------------------------------------------------- encodings


def test_quantisation_round_trip_is_within_scale_over_510():
    rng = np.random.default_rng(1)
    values = (rng.random((300, 300)) ** 4 * 0.7).astype(np.float32)
    codes, scale = quantize(values)
    assert len(codes) == values.size and scale == pytest.approx(values.max())
    back = dequantize(codes, scale, values.shape)
    assert np.abs(back - values).max() <= max_quantization_error(scale) + 1e-7
    assert back.max() == pytest.approx(scale)
    assert quantize(np.zeros(4)) == (bytes(4), 0.0)


def test_bitsets_and_little_endian_buffers_round_trip():
    mask = np.random.default_rng(2).random((37, 37)) < 0.1
    data = pack_bits(mask)
    assert len(data) == (37 * 37 + 7) // 8
    assert np.array_equal(unpack_bits(data, mask.shape), mask)
    share = np.ma.masked_array([0.5, 0.25], mask=[False, True])
    decoded = np.frombuffer(float32_bytes(share), dtype="<f4")
    assert decoded[0] == 0.5 and np.isnan(decoded[1])
    assert np.frombuffer(uint32_bytes([7, 2**32 - 1]), dtype="<u4").tolist() == [7, 2**32 - 1]


def test_js_fixture_matches_the_python_encoders(tmp_path):
    """js/tests decode this fixture; it must be what the Python encoders write now."""
    fresh = json.loads(write_js_fixture(tmp_path / "encoding.json").read_text())
    committed = json.loads((ROOT / "js/tests/fixtures/encoding.json").read_text())
    assert fresh == committed, "run python -c 'from protattn_widgets.widgets.encoding import write_js_fixture; write_js_fixture()'"


def test_bundled_front_end_is_packaged():
    static = ROOT / "protattn_widgets/widgets/static"
    for name in ("heatmap.js", "head_grid.js", "sequence_track.js"):
        text = (static / name).read_text()
        assert "export" in text and "render" in text
        assert "http://" not in text and "https://" not in text, f"{name} must not fetch anything"


# --------------------------------------------------------------------------- single views


def test_heatmap_head_change_comes_from_the_cache_not_the_model(antiberty, heavy):
    chain, attention = heavy
    heatmap = AttentionHeatmap(attention, chain, layer=0, head=0)
    forwards = antiberty.forward_count
    before = heatmap._matrix
    heatmap.layer, heatmap.head = 3, 5
    assert heatmap._matrix != before
    assert antiberty.forward_count == forwards
    assert np.abs(heatmap.matrix - attention.head(3, 5)).max() <= max_quantization_error(heatmap._scale) + 1e-7
    assert heatmap.caption.startswith("AntiBERTy 4-6 · 1vfb_complex:B")
    assert np.array_equal(heatmap.contacts, chain.contact_map())


def test_threshold_and_mode_send_no_matrix(heavy):
    chain, attention = heavy
    heatmap = AttentionHeatmap(attention, chain, layer=2, head=1)
    sent = []
    heatmap.observe(lambda change: sent.append(change["name"]), names=["_matrix", "_scale"])
    heatmap.threshold, heatmap.mode = 0.1, "directed"
    assert sent == []
    heatmap.head = 2
    assert sent == ["_matrix", "_scale"]


def test_buffer_sizes_at_500_residues():
    chain, attention = synthetic(500)
    n = len(chain)
    heatmap = AttentionHeatmap(attention, chain, layer=7, head=7)
    assert len(heatmap._matrix) == n * n  # one byte per cell: <= L*L
    assert len(heatmap._contacts) == n * n // 8  # once per chain
    track = SequenceTrack(attention, chain)
    assert len(track._received) == n
    grid = HeadGrid(attention, chain)
    assert len(grid._values) == len(grid._counts) == 8 * 8 * 4
    state = heatmap.get_state()
    assert isinstance(state["_matrix"], (bytes, memoryview))  # a binary buffer, not a JSON list


def test_head_grid_statistic_is_contact_accumulator_share(heavy):
    chain, attention = heavy
    grid = HeadGrid(attention, chain, threshold=0.3, min_total=10)
    expected = contact_accumulator(attention, chain, 0.3, 10).share
    np.testing.assert_array_equal(grid.statistic.data, expected.data)
    np.testing.assert_array_equal(grid.statistic.mask, expected.mask)
    sent = np.frombuffer(grid._values, dtype="<f4").reshape(attention.n_layers, attention.n_heads)
    np.testing.assert_array_equal(np.isnan(sent), expected.mask)
    np.testing.assert_array_equal(sent[~expected.mask], expected.data[~expected.mask].astype(np.float32))
    counts = np.frombuffer(grid._counts, dtype="<u4").reshape(sent.shape)
    np.testing.assert_array_equal(counts, contact_accumulator(attention, chain, 0.3, 10).total)

    grid.threshold = 0.15
    expected = contact_accumulator(attention, chain, 0.15, 10).share
    np.testing.assert_array_equal(grid.statistic.filled(-1), expected.filled(-1))
    assert "0.15" in grid.caption
    layer, head = grid.best_heads(1)[0]
    assert expected[layer, head] == expected.max()


def test_head_grid_sends_each_share_s_confidence_interval(heavy):
    from protattn_widgets.analysis.statistics import clopper_pearson

    chain, attention = heavy
    grid = HeadGrid(attention, chain, threshold=0.3, min_total=10)
    acc = contact_accumulator(attention, chain, 0.3, 10)
    low, high = np.frombuffer(grid._ci, dtype="<f4").reshape(2, attention.n_layers, attention.n_heads)
    expected_low, expected_high = clopper_pearson(acc.hits, acc.total)
    np.testing.assert_allclose(low, expected_low, rtol=1e-6)
    np.testing.assert_allclose(high, expected_high, rtol=1e-6)
    share = acc.hits / np.maximum(acc.total, 1)
    ranked = acc.total > 0
    assert ranked.any() and np.all((low[ranked] <= share[ranked] + 1e-6) & (share[ranked] <= high[ranked] + 1e-6))
    before = grid._ci
    grid.threshold = 0.15
    assert grid._ci != before  # recomputed with the counts


def test_sequence_track_received_and_annotations(heavy):
    chain, attention = heavy
    cdr_h3 = [rid for rid in chain.residue_ids if rid.rstrip("ABCDEFGHIJK").isdigit() and 95 <= int(rid.rstrip("ABCDEFGHIJK")) <= 102]
    track = SequenceTrack(attention, chain, layer=1, head=2,
                          annotations={"CDR-H3": cdr_h3, "first ten": list(range(10))})
    assert track._track_names == ["CDR-H3", "first ten"]
    assert track.annotations["CDR-H3"].sum() == len(cdr_h3)
    assert track.annotations["first ten"][:10].all() and not track.annotations["first ten"][10:].any()
    received = attention.received(1, 2)
    assert np.abs(track.received - received).max() <= max_quantization_error(received.max()) + 1e-6
    with pytest.raises(AnnotationError, match="not in the chain"):
        track.set_annotations({"bad": ["9999"]})


def test_views_reject_bad_input(heavy, vfb, antiberty):
    chain, attention = heavy
    with pytest.raises(AttentionMismatchError, match="chain 'A'"):
        AttentionHeatmap(attention, vfb["A"])
    with pytest.raises(LayerHeadIndexError, match="indexed 0..7"):
        AttentionHeatmap(attention, chain, layer=8)
    heatmap = AttentionHeatmap(attention, chain)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        heatmap.threshold = 1.5
    with pytest.raises(IndexError, match="116 residues"):
        heatmap.selected_residue = 500
    with pytest.raises(ValueError, match="needs the chain"):
        HeadGrid(attention)


# --------------------------------------------------------------------------- the explorer


def test_explorer_links_every_view(explorer):
    ex = explorer
    ex.layer, ex.head = 5, 2
    for view in (ex.heatmap, ex.grid, ex.sequence, ex.structure_view):
        assert (view.layer, view.head) == (5, 2), type(view).__name__
    assert np.abs(ex.heatmap.matrix - ex.attention.head(5, 2)).max() < 0.01
    assert len(ex.structure_view.edges) == len(ex.attention.edges(5, 2, ex.threshold, ex.mode)[:2000])

    # What the page's head slider sends: the kernel computes every view's data from the cache.
    ex.set_state({"head": 6})
    assert ex.head == 6 and ex.heatmap.head == 6 and ex.structure_view.head == 6
    assert ex._heatmap__matrix == ex.heatmap._matrix and ex._structure__pa_edges == ex.structure_view._pa_edges

    ex.threshold, ex.mode = 0.2, "mean"
    for view in (ex.heatmap, ex.grid, ex.structure_view, ex.sequence):
        assert (view.threshold, view.mode) == (0.2, "mean")

    ex.set_state({"selected_residue": 31})  # a click in any view of the page
    for view in (ex, ex.heatmap, ex.sequence, ex.grid, ex.structure_view):
        assert view.selected_residue == 31
    ex.set_state({"_structure_focus": True})  # the 3D view's focus button
    assert ex.structure_view.focus and "touch B" in ex.structure_view.caption()
    ex.set_state({"_structure_focus": False})
    ex.selected_residue = None


def test_explorer_changes_chain_from_the_cache(explorer, antiberty):
    ex = explorer
    ex.chain = "A"
    assert ex.attention.chain_id == "A" and len(ex.heatmap._matrix) == 107 ** 2
    assert ex.heatmap.chain_id == ex.sequence.chain_id == "A" and ex.structure_view.chain.chain_id == "A"
    forwards = antiberty.forward_count
    ex.set_state({"chain": "B"})  # back, from the page's chain menu: cached
    assert antiberty.forward_count == forwards
    assert ex.chain == "B" and len(ex.sequence.sequence) == 116
    ex.layer = 1
    assert ex.structure_view.layer == 1  # the new structure view is linked too
    assert antiberty.forward_count == forwards


def test_explorer_save_figure_and_html(explorer, tmp_path):
    ex = explorer
    ex.layer, ex.head = 3, 5
    svg = ex.save_figure(tmp_path / "fig.svg")
    assert svg.read_text().lstrip().startswith(("<?xml", "<svg")) and "4-6" in svg.read_text()
    page = ex.to_html(tmp_path / "explorer.html")
    # The page's contents are checked in test_standalone_page.py and, in Chromium, tests/browser/.
    data = read_standalone_data(page)
    k = data["embedded_heads"].index(3 * ex.attention.n_heads + 5)
    assert data["arrays"]["matrices"][k].tobytes() == ex.heatmap._matrix  # the current head is in the page
    assert ex.status == "" and not ex.busy, "exporting leaves the explorer usable"


def test_explorer_errors_are_clear(vfb, antiberty, tmp_path):
    with pytest.raises(ChainNotFoundError, match="protein chains: A, B, C"):
        AttentionExplorer(vfb, model=antiberty, chain="Z", structure_view=False)
    with pytest.raises(ValueError, match=r"threshold must lie in \[0, 1\]"):
        AttentionExplorer(vfb, model=antiberty, chain="B", threshold=1.2, structure_view=False)
    with pytest.raises(ValueError, match="mode must be one of"):
        AttentionExplorer(vfb, model=antiberty, chain="B", mode="sum", structure_view=False)
    with pytest.raises(LayerHeadIndexError, match="8 layers"):
        AttentionExplorer(vfb, model=antiberty, chain="B", layer=8, structure_view=False)
    water = "HETATM    1  O   HOH A   1       0.000   0.000   0.000  1.00  0.00           O\nEND\n"
    with pytest.raises(StructureError, match="no usable protein chain"):
        AttentionExplorer(water, model=antiberty, structure_view=False)
    small = types.SimpleNamespace(name="tiny-model", max_length=100, attention=antiberty.attention)
    with pytest.raises(SequenceTooLongError, match=r"chain 'B' of 1vfb_complex has 116 residues but tiny-model accepts at most 100"):
        AttentionExplorer(vfb, model=small, chain="B", structure_view=False)


def test_explorer_reports_a_chain_it_cannot_show_and_stays_usable(vfb, antiberty):
    small = types.SimpleNamespace(name="tiny-model", max_length=110, attention=antiberty.attention)
    ex = AttentionExplorer(vfb, model=small, chain="A", structure_view=False)
    ex.set_state({"chain": "B"})  # from the page's menu; 116 residues: too long for this model
    assert ex.chain == "A" and ex._status["kind"] == "error"
    assert "116 residues" in ex.status and "at most 110" in ex.status
    with pytest.raises(SequenceTooLongError):
        ex.chain = "B"  # set from Python: the error is raised
    assert ex.chain == "A" and len(ex.heatmap.residue_ids) == 107


def test_explorer_overlays_predicted_contacts(explorer, antiberty):
    from protattn_widgets.analysis import ContactPredictor, antibody_dataset

    train = [r for r in antibody_dataset(["1mlc_complex", "5grj_complex"])]
    predictor = ContactPredictor().fit([antiberty.attention(r.chain) for r in train], [r.chain for r in train])
    explorer.show_predicted_contacts(predictor)
    n = len(explorer.attention)
    overlay = explorer.heatmap.contacts
    expected = predictor.top_contacts(explorer.attention)
    np.testing.assert_array_equal(overlay, expected)
    assert overlay.sum() == 2 * n and np.array_equal(overlay, overlay.T)
    assert explorer.heatmap.overlay_label == f"predicted contacts (top {n})"
    explorer.show_predicted_contacts(None)
    np.testing.assert_array_equal(explorer.heatmap.contacts, explorer.structure[explorer.chain].contact_map())
    assert explorer.heatmap.overlay_label == "contacts"
    with pytest.raises(ValueError, match="shape"):
        explorer.heatmap.set_overlay(np.zeros((3, 3), bool))


def test_explorer_tracks_the_chain_s_interfaces_by_default(explorer, vfb):
    from protattn_widgets.atoms import interface_residues

    tracks = explorer.sequence.annotations
    # the heavy chain's CDRs (IMGT, protattn_widgets.antibody), then its contacts with VL and the lysozyme antigen
    assert list(tracks) == ["CDR-H1", "CDR-H2", "CDR-H3", "contacts with chain A", "contacts with chain C"]
    np.testing.assert_array_equal(tracks["contacts with chain C"], interface_residues(vfb, "B", ["C"]))
    assert 5 <= tracks["contacts with chain C"].sum() <= 30  # a paratope, not the whole chain


def test_explorer_accepts_mode_in_any_case(vfb, antiberty):
    ex = AttentionExplorer(vfb, model=antiberty, chain="B", mode="MEAN", structure_view=False)
    assert ex.mode == "mean" and ex.heatmap.mode == "mean"


def test_a_grid_click_redraws_the_heatmap_and_rebuilds_3d_edges_once(explorer):
    """The front-end sends layer and head in one message: one heatmap matrix, one 3D edge set."""
    heatmap_sends, edge_builds = [], []
    explorer.heatmap.observe(lambda change: heatmap_sends.append(change["new"]), names=["_matrix"])
    view = explorer.structure_view
    original = view._send_head
    view._send_head = lambda: (edge_builds.append((view.layer, view.head)), original())[1]
    try:
        explorer.set_state({"layer": 6, "head": 1})  # what a tile click delivers
    finally:
        view._send_head = original
    assert len(heatmap_sends) == 1 and edge_builds == [(6, 1)]
    assert (explorer.layer, explorer.head) == (6, 1)
    assert (explorer.heatmap.layer, explorer.heatmap.head, explorer.sequence.head, explorer.grid.layer) == (6, 1, 1, 6)
    np.testing.assert_allclose(explorer.heatmap.matrix, explorer.attention.head(6, 1),
                               atol=max_quantization_error(explorer.heatmap._scale) + 1e-7)
    # Python still reaches every view.
    explorer.head = 4
    assert (explorer.head, explorer.heatmap.head, explorer.grid.head, view.head) == (4, 4, 4, 4)


def test_head_grid_statistic_is_computed_only_for_thresholds_in_use(heavy):
    chain, attention = heavy
    grid = HeadGrid(attention, chain, threshold=0.3)
    assert list(grid._accumulators) == [0.3]
    grid.threshold = 0.12
    assert list(grid._accumulators) == [0.3, 0.12]
    for t in (0.3, 0.12, 0.01):
        acc = grid.contact_accumulator(t)
        ref = contact_accumulator(attention, chain, t, grid.min_total)
        np.testing.assert_array_equal(acc.total, ref.total)
        np.testing.assert_array_equal(acc.hits, ref.hits)
    grid.min_total = 1000  # more pairs needed: fewer heads have a value, sent at once
    np.testing.assert_array_equal(np.isnan(np.frombuffer(grid._values, "<f4")).reshape(8, 8),
                                  grid.contact_accumulator().total < 1000)
