"""Jupyter widgets (anywidgets): attention drawn on the 3D structure and linked views.

>>> import protattn_widgets as paw
>>> ex = paw.AttentionExplorer(paw.example_path("1vfb_complex"), model="antiberty", chain="B")
>>> from protattn_widgets.widgets import StructureAttentionView
>>> view = StructureAttentionView.from_model(paw.example_path("1vfb_complex"), "B", model="antiberty")
>>> view.layer, view.head = 3, 5

Every widget here is an anywidget with its front-end bundled (NGL 2.5 included): they work
in JupyterLab, Notebook 7, Voila and marimo without nglview or a CDN.  To draw a head on
your own ``nglview.NGLWidget``, see :func:`draw_on_nglview` (and :func:`nglview_structure`).
"""

from __future__ import annotations

from .explorer import AttentionExplorer
from .head_grid import HeadGrid
from .heatmap import AttentionHeatmap
from .nglview_interop import draw_on_nglview, nglview_structure
from .sequence_track import SequenceTrack
from .structure_view import AttentionMismatchError, StructureAttentionView

__all__ = [
    "AttentionExplorer", "AttentionHeatmap", "HeadGrid", "SequenceTrack", "StructureAttentionView",
    "AttentionMismatchError", "draw_on_nglview", "nglview_structure",
]
