"""StructureAttentionView without a browser: what is sent per update, captions, legends; nglview interop."""

from __future__ import annotations

import comm
import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets.errors import ChainNotFoundError, LayerHeadIndexError

from protattn_widgets import widgets
from protattn_widgets.widgets import structure_view


@pytest.fixture(scope="module")
def complex_1vfb():
    return paw.load_structure(paw.example_path("1vfb_complex"))


@pytest.fixture(scope="module")
def view(antiberty, complex_1vfb):
    return widgets.StructureAttentionView(complex_1vfb, antiberty.attention(complex_1vfb["B"]),
                                          layer=3, head=5, threshold=0.1)


@pytest.fixture
def sent(monkeypatch):
    messages = []
    monkeypatch.setattr(comm.DummyComm, "publish_msg",
                        lambda self, msg_type, data=None, metadata=None, buffers=None, **k:
                        messages.append((data, buffers or [])))
    return messages


def test_the_3d_view_is_an_anywidget_and_imports_no_nglview():
    import subprocess
    import sys

    code = ("import sys, protattn_widgets as paw; from protattn_widgets import widgets; "
            "import anywidget; assert issubclass(widgets.StructureAttentionView, anywidget.AnyWidget); "
            "print('nglview' in sys.modules, sorted(widgets.__all__))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("False"), out  # nglview is not even imported
    assert "NGLWidget" not in out and "frontend_version" not in out


def test_nglview_interop_draws_with_the_same_code_and_is_replayed(view, antiberty, complex_1vfb):
    """draw_on_nglview sends the explorer's drawing code with the head's data to the user's widget;
    kept and marked fire_embed, so nglview runs it again in a view created later (shown again, page
    reload); drawing another head replaces the kept call."""
    from protattn_widgets.widgets import draw_on_nglview
    from protattn_widgets.widgets.nglview_interop import NGLWidget

    import nglview

    user = NGLWidget()
    assert user._view_module_version == nglview.color.ColormakerRegistry._model_module_version  # the version trap
    drawn = draw_on_nglview(user, complex_1vfb, antiberty.attention(complex_1vfb["B"]), layer=3, head=5, threshold=0.1)
    calls = [m for m in user._ngl_msg_archive if m.get("methodName") == "executeCode"]
    assert len(calls) == 1
    code = calls[0]["args"][0]
    assert "protattnNglview.draw(this" in code and '"_pa_chain": "B"' in code
    assert "overlayOnly" in code  # the explorer's drawing module, in overlay mode
    np.testing.assert_array_equal(drawn.edges, view.edges) if (view.layer, view.head, view.threshold) == (3, 5, 0.1) else None
    assert calls[0]["fire_embed"] is True
    draw_on_nglview(user, complex_1vfb, antiberty.attention(complex_1vfb["B"]), layer=2, head=6, threshold=0.1)
    calls = [m for m in user._ngl_msg_archive if m.get("methodName") == "executeCode"]
    assert len(calls) == 1 and '"_pa_head_label": "AntiBERTy 3-7' in calls[0]["args"][0], calls[0]["args"][0][-400:]
    with pytest.raises(TypeError, match="NGLWidget"):
        draw_on_nglview(object(), complex_1vfb, antiberty.attention(complex_1vfb["B"]))


def test_nglview_structure_is_the_text_ngl_reads_with_its_cartoon(complex_1vfb):
    """The docking-benchmark file carries a segment id in columns 73-80, where NGL looks for the
    element: the structure given to nglview has those lines cut after column 72, nothing else."""
    from protattn_widgets.widgets.nglview_interop import nglview_structure

    text = nglview_structure(complex_1vfb).get_structure_string()
    raw = complex_1vfb.text.splitlines()
    assert any(line.startswith("ATOM") and len(line) > 72 for line in raw)
    atoms = [line for line in text.splitlines() if line.startswith(("ATOM", "HETATM"))]
    assert atoms and max(map(len, atoms)) <= 72
    assert [line[:72] for line in text.splitlines()] == [line[:72] for line in raw]
    assert nglview_structure(complex_1vfb).ext == "pdb"


def test_a_head_change_is_one_binary_update_message(view, sent):
    view.head = 2
    assert len(sent) == 1
    data, buffers = sent[0]
    assert data["method"] == "update"
    assert set(data["state"]) <= {"head", "_pa_edges", "_pa_weights", "_pa_received", "_pa_residue_stats",
                                  "_pa_total", "_pa_strong", "_pa_strong_threshold", "_pa_head_label"}
    k = len(view.edges)
    # pairs, weights, received (uint8) and the hover's received / top target / top weight (float32, 3 x L)
    assert sorted(memoryview(b).nbytes for b in buffers) == sorted([4 * k, k, 116, 3 * 4 * 116])
    pairs = np.frombuffer(view._pa_edges, "<u2").reshape(-1, 2)
    np.testing.assert_array_equal(pairs, view.edges[:, :2])
    assert np.all(view.edges[:, 2] >= 0.1)


def test_a_pick_in_the_page_selects_its_residue(view):
    view.set_state({"selected_residue": 40})  # what the page sends when an atom of residue 40 is clicked
    assert view.selected_residue == 40 and "| selected B" in view.caption()
    view.selected_residue = None


def test_bad_input_is_refused_with_a_clear_error(view, antiberty, complex_1vfb):
    with pytest.raises(LayerHeadIndexError, match="out of range"):
        view.layer = 8
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        view.threshold = 1.5
    with pytest.raises(IndexError, match="116 residues"):
        view.selected_residue = 116
    other = paw.load_structure(paw.example_path("1crn"))
    with pytest.raises(ChainNotFoundError):
        widgets.StructureAttentionView(other, antiberty.attention(complex_1vfb["B"]))
    with pytest.raises(widgets.AttentionMismatchError):
        widgets.StructureAttentionView(complex_1vfb, antiberty.attention(complex_1vfb["B"].sequence))


def test_ngl_gets_element_columns_it_can_read(complex_1vfb):
    from protattn_widgets.widgets.structure_view import ngl_structure_text

    atoms = [l for l in ngl_structure_text(complex_1vfb).splitlines() if l.startswith("ATOM")]
    assert len(atoms) == 2731 and all(len(l) <= 72 or l[76:78].strip().isalpha() for l in atoms)
    assert structure_view.ngl_residue_key("52A") == "52^A" and structure_view.ngl_residue_key("-3") == "-3"


def test_hover_stats_are_the_heads_received_and_strongest_target(view):
    view.layer, view.head = 2, 4
    stats = np.frombuffer(view._pa_residue_stats, "<f4").reshape(3, 116)
    matrix = view.attention.head(2, 4)
    np.testing.assert_allclose(stats[0], matrix.sum(axis=0), rtol=1e-5)
    np.testing.assert_array_equal(stats[1].astype(int), matrix.argmax(axis=1))
    np.testing.assert_allclose(stats[2], matrix.max(axis=1), rtol=1e-6)


def test_caption_states_the_cap_the_plural_and_a_zero_edge_hint(antiberty, complex_1vfb):
    attention = antiberty.attention(complex_1vfb["B"])
    view = widgets.StructureAttentionView(complex_1vfb, attention, layer=3, head=5, threshold=0.0, max_edges=50)
    total = len(attention.edges(3, 5, 0.0, "max"))
    strong = complex_1vfb["B"].pair_mask("cb").sum()  # at 0 every ordered pair i -> j is a strong edge
    assert view.caption() == (f"AntiBERTy 4-6 (max): 50 strongest of {total} lines \u2265 0 (cap 50)"
                              f" \u00b7 {strong} strong edges i\u2192j")
    assert len(view.edges) == 50 and np.all(np.diff(view.edges[:, 2]) <= 0)  # strongest first
    view.threshold = 1.0
    assert view.n_edges_above_threshold == 0
    assert view.caption().endswith("0 lines \u2265 1 \u00b7 0 strong edges i\u2192j "
                                   "(move the threshold slider down to see lines)"), view.caption()
    # exactly one edge: the threshold just below the strongest drawable pair
    top = float(attention.edges(3, 5, 0.0, "max").weights[0])
    view.threshold = np.nextafter(top, 0) if len(attention.edges(3, 5, np.nextafter(top, 0))) == 1 else top
    assert view.caption().split(": ")[1].startswith("1 line \u2265"), view.caption()


def test_chain_legend_names_antibody_chains_and_the_antigen(view, complex_1vfb):
    legend = view._pa_chains
    assert [c["label"] for c in legend] == ["A: light chain", "B: attention chain (heavy chain)", "C: antigen"]
    assert [c["attention"] for c in legend] == [False, True, False]
    colours = [c["color"] for c in legend]
    assert colours == list(structure_view.CHAIN_COLORS[:3])
    # A chain keeps its colour whichever chain is explored (issue 19, defect 7).
    assert [c["color"] for c in structure_view.chain_legend(complex_1vfb, "A")] == colours
    assert view._pa_residue_labels[31] == f"{complex_1vfb['B'].residue_names[31]} {complex_1vfb['B'].residue_ids[31]}"
    # a lone protein has no antibody chain: no "antigen" label
    crn = paw.load_structure(paw.example_path("1crn"))
    assert [c["label"] for c in structure_view.chain_legend(crn, "A")] == ["A: attention chain (chain A)"]
    assert structure_view.antibody_chain_role(crn["A"].sequence) is None


def test_focus_and_directed_mode_reach_the_page(view, sent):
    view.selected_residue = 40
    view.focus = True
    assert sent[-1][0]["state"] == {"focus": True}
    touching = int(np.sum((view.edges[:, 0] == 40) | (view.edges[:, 1] == 40)))
    assert view.caption().split(": ", 1)[1].startswith(f"{touching} of {len(view.edges)} line")
    assert f"touch {view.residue_name(40)} \u00b7 " in view.caption()  # defect 1: the caption follows focus
    view.set_state({"focus": False})  # the page's "focus" button
    assert view.focus is False and "touch" not in view.caption()
    view.mode = "directed"
    assert "arrows \u2265" in view.caption() and "strong edges i\u2192j" in view.caption()
    view.mode = "max"
    view.selected_residue = None


def test_caption_counts_strong_edges_in_the_head_grids_unit(antiberty, complex_1vfb):
    """Issue 19 defect 3: the 3D caption's strong edges are the head grid's count for the same head and
    threshold (ordered i -> j, self-attention included, pairs the contact statistic counts), whatever
    the drawing mode; the lines drawn are a second, named count."""
    from protattn_widgets.widgets.head_grid import HeadGridData

    chain = complex_1vfb["B"]
    attention = antiberty.attention(chain)
    grid = HeadGridData(attention, chain, min_total=0)
    view = widgets.StructureAttentionView(complex_1vfb, attention, layer=1, head=6, threshold=0.3)
    values = np.asarray(attention.values, dtype=np.float32)
    counted = chain.pair_mask("cb")
    for threshold in (0.3, 0.1, 0.05, 0.02):
        total = grid.contact_accumulator(threshold).total
        for mode in ("max", "directed"):
            for layer, head in ((1, 6), (0, 0), (7, 7)):
                view.mode, view.threshold, view.layer, view.head = mode, threshold, layer, head
                direct = int(np.count_nonzero((values[layer, head] >= np.float32(threshold)) & counted))
                assert view.strong_edges == total[layer, head] == direct, (threshold, mode, layer, head)
                assert f"\u00b7 {direct} strong edges i\u2192j" in view.caption()
                drawn = len(attention.edges(layer, head, threshold, mode))
                assert view.n_edges_above_threshold == drawn  # every residue of 1vfb B has a CA
                assert view.caption().split(": ", 1)[1].startswith(
                    f"{drawn} {'arrow' if mode == 'directed' else 'line'}")
