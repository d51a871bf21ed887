"""protattn-widgets: what protein language models attend to, on the 3D structure.

>>> import protattn_widgets as paw
>>> model = paw.load_model("antiberty")
>>> chain = paw.load_structure(paw.example_path("1vfb_complex"))["B"]
>>> attn = model.attention(chain)
>>> attn.head(3, 5).shape, attn.edges(3, 5, threshold=0.3)[:3]
>>> paw.AttentionExplorer(paw.example_path("1vfb_complex"), model="antiberty", chain="B")
"""

from __future__ import annotations

from .attention import Attention, head_label
from .cache import AttentionCache, attention_cache
from . import errors
from .errors import *  # noqa: F403  (every exception and warning: errors.__all__)
from .examples import EXAMPLES, example_path
from .models import ProteinLanguageModel, load_model
from .structures import Chain, ModelInput, Structure, example, fetch_pdb, load_structure

__version__ = "0.1.0"

#: Widgets, imported on first use so that the core package does not import ipywidgets/nglview.
_WIDGETS = ("AttentionExplorer", "AttentionHeatmap", "HeadGrid", "SequenceTrack", "StructureAttentionView")


def __getattr__(name: str):
    if name in _WIDGETS or name == "widgets":
        import importlib

        widgets = importlib.import_module(f"{__name__}.widgets")
        return widgets if name == "widgets" else getattr(widgets, name)
    raise AttributeError(f"module 'protattn_widgets' has no attribute {name!r}")

__all__ = [
    *_WIDGETS,
    "load_model", "load_structure", "fetch_pdb", "example", "example_path", "EXAMPLES",
    "ProteinLanguageModel", "Structure", "Chain", "ModelInput", "Attention", "head_label",
    "AttentionCache", "attention_cache", "errors",
    *errors.__all__,
]
