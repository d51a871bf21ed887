"""StructureAttentionView without a browser: the nglview version fix and what is sent per update."""

from __future__ import annotations

import comm
import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets.errors import ChainNotFoundError, LayerHeadIndexError

from protattn_widgets import widgets


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


def test_widgets_ask_for_the_installed_front_end_version():
    import nglview

    installed = widgets.installed_frontend_version()
    assert installed is not None, "nglview's labextension is not installed"
    assert widgets.frontend_version() == installed
    assert widgets.NGLWidget()._view_module_version == installed
    assert widgets.NGLWidget()._model_module_version == installed
    assert nglview.color.ColormakerRegistry._model_module_version == installed


def test_a_head_change_is_one_binary_update_message(view, sent):
    view.head = 2
    assert len(sent) == 1
    data, buffers = sent[0]
    assert data["method"] == "update"
    assert set(data["state"]) <= {"_pa_edges", "_pa_weights", "_pa_received", "_pa_label"}
    k = len(view.edges)
    assert sorted(memoryview(b).nbytes for b in buffers) == sorted([4 * k, k, 116])
    pairs = np.frombuffer(view.ngl._pa_edges, "<u2").reshape(-1, 2)
    np.testing.assert_array_equal(pairs, view.edges[:, :2])
    assert np.all(view.edges[:, 2] >= 0.1)


def test_picking_an_atom_selects_its_residue(view, complex_1vfb):
    chain = complex_1vfb["B"]
    i = chain.residue_ids.index("52A") if "52A" in chain.residue_ids else 40
    resno, ins = widgets.ngl_residue_key(chain.residue_ids[i]).partition("^")[::2]
    name = f"[{chain.residue_names[i]}]{resno}{'^' + ins if ins else ''}:B.CA"
    view.ngl.picked = {"atom1": {"chainname": "B", "resno": int(resno), "modelIndex": 0, "name": name},
                       "component": 0}
    assert view.selected_residue == i
    assert view.ngl._pa_selected == i
    view.ngl.picked = {"atom1": {"chainname": "C", "resno": 5, "modelIndex": 0, "name": "[LYS]5:C.CA"}}
    assert view.selected_residue == i  # another chain: selection kept


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
    assert widgets.ngl_residue_key("52A") == "52^A" and widgets.ngl_residue_key("-3") == "-3"
