"""Jupyter widgets: attention drawn on the 3D structure and linked views.

>>> import protattn_widgets as paw
>>> from protattn_widgets.widgets import StructureAttentionView
>>> view = StructureAttentionView.from_model(paw.example_path("1vfb_complex"), "B", model="antiberty")
>>> view.layer, view.head = 3, 5

Importing this package imports nglview through :mod:`._nglview_compat`, which
makes nglview's widgets ask for the front-end version that is installed (see
``docs/nglview_trap.md``).
"""

from __future__ import annotations

from ._nglview_compat import NGLWidget, frontend_version, installed_frontend_version
from .controls import Controls
from .explorer import AttentionExplorer
from .head_grid import HeadGrid
from .heatmap import AttentionHeatmap
from .sequence_track import SequenceTrack
from .structure_view import AttentionMismatchError, AttentionNGLWidget, StructureAttentionView, ngl_residue_key

__all__ = [
    "AttentionExplorer", "AttentionHeatmap", "HeadGrid", "SequenceTrack", "Controls",
    "StructureAttentionView", "AttentionNGLWidget", "AttentionMismatchError", "NGLWidget",
    "frontend_version", "installed_frontend_version", "ngl_residue_key",
]
