"""One attention head drawn on your own ``nglview.NGLWidget``.

The explorer and :class:`~.structure_view.StructureAttentionView` do not use nglview.
For people who already have an nglview widget (their representations, trajectories),
:func:`draw_on_nglview` draws a head's edges, the selected residue and the legends on it
with the explorer's own drawing code (``js/lib/ngl_overlay.js``, built into
``static/nglview_overlay.js``), in overlay mode: their representations stay as they are,
and nothing of ours becomes an NGL component, so showing the widget again (nglview
replays the call) draws the same overlay on the same cartoon.

>>> import nglview
>>> view = nglview.show_file("1abc.pdb")          # your widget, your representations
>>> draw_on_nglview(view, structure, model.attention(structure["B"]), layer=3, head=5)

Some PDB files show no cartoon in nglview at all, ours or not: NGL reads the element
from columns 77-78 and builds no bonds between residues when those columns hold something
else (docking-benchmark files such as the bundled ``1vfb_complex``).  Load such a file
with :func:`nglview_structure`: ``view.add_structure(nglview_structure(structure))``.

``NGLWidget`` here (imported on first use) is ``nglview.NGLWidget`` asking for the
front-end version that is installed (see ``docs/nglview_trap.md``).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from ..attention import Attention
from ..definitions import DEFAULT_THRESHOLD
from ..structures import Structure, load_structure
from ._base import STATIC
from .structure_view import StructureData, ngl_structure_text

__all__ = ["draw_on_nglview", "nglview_structure", "overlay_script"]

#: Marks our drawing call in nglview's replay list.
_MARK = "protattn_overlay"
_BINARY = ("_pa_edges", "_pa_weights", "_pa_ca", "_pa_received", "_pa_colormaps", "_pa_residue_stats")


def overlay_script(data: StructureData) -> str:
    """The JavaScript nglview evaluates (``this`` = its view): the drawing bundle and one call."""
    traits = {name: getattr(data, name) for name in data.trait_names(sync=True)
              if name not in ("_pa_structure", "_protattn_view")}
    for name in _BINARY:
        traits[name] = base64.b64encode(traits[name]).decode("ascii")
    payload = json.dumps(traits).replace("<", "\\u003c")
    bundle = (STATIC / "nglview_overlay.js").read_text(encoding="utf-8")
    return f"{bundle}\nprotattnNglview.draw(this, typeof NGL !== 'undefined' ? NGL : window.NGL, {payload});\n"


def nglview_structure(structure: Structure | str) -> Any:
    """``structure`` as an ``nglview.TextStructure`` that NGL reads with its cartoon.

    For ``view.add_structure(...)`` or ``nglview.NGLWidget(...)``.  The text is
    :func:`~.structure_view.ngl_structure_text`: PDB lines whose columns 77-78 hold no
    element symbol are cut after column 72, so that NGL guesses the elements and bonds
    the residues (given the file as it is, NGL draws no cartoon for them).
    """
    if not isinstance(structure, Structure):
        structure = load_structure(structure)
    from ._nglview_compat import _nglview

    return _nglview.TextStructure(ngl_structure_text(structure), ext=structure.format)


def draw_on_nglview(view: Any, structure: Structure | str, attention: Attention, *, layer: int = 0, head: int = 0,
                    threshold: float = DEFAULT_THRESHOLD, mode: str = "max", selected_residue: int | None = None,
                    focus: bool = False, max_edges: int = 2000) -> StructureData:
    """Draw one head of ``attention`` on ``view``, an ``nglview.NGLWidget`` showing ``structure``.

    Parameters
    ----------
    view : nglview.NGLWidget
        Your widget; its first structure component must be ``structure`` (same chain ids
        and author residue numbers).
    structure : Structure or path
    attention : Attention
        Of one chain of ``structure`` (``model.attention(structure[chain_id])``).
    layer, head, threshold, mode, selected_residue, focus, max_edges
        As in :class:`~.structure_view.StructureAttentionView`.

    Returns
    -------
    StructureData
        What was drawn (``.edges``, ``.caption()``).  Call again to draw another head.
    """
    if not hasattr(view, "_execute_js_code"):
        raise TypeError(f"view must be an nglview.NGLWidget, got {type(view).__name__}")
    if not isinstance(structure, Structure):
        structure = load_structure(structure)
    data = StructureData(structure, attention, layer=layer, head=head, threshold=threshold, mode=mode,
                         selected_residue=selected_residue, focus=focus, max_edges=max_edges)
    # nglview keeps the call in its replay list (``_ngl_msg_archive``).  ``fire_embed``: a view
    # created later (the widget shown again, a page reload) restores the user's structures
    # and representations and then runs only the calls marked so; without it a reloaded page
    # shows the cartoon with no attention.  The previous head's call leaves the list, so it
    # holds one drawing however many heads are drawn; the list (a synced trait) goes to the
    # browser once, after both changes.
    with view.hold_sync():
        view._ngl_msg_archive = [msg for msg in view._ngl_msg_archive if not msg.get(_MARK)]
        view._execute_js_code(overlay_script(data), fire_embed=True, **{_MARK: True})
    return data


def __getattr__(name: str):
    if name == "NGLWidget":
        from ._nglview_compat import NGLWidget

        return NGLWidget
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
