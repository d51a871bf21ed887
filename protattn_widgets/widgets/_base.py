"""What the anywidget views share: one chain's attention, the current head, the selection.

Each view is two classes: ``<View>Data`` (an :class:`AttentionViewBase`, plain
``traitlets.HasTraits``) computes the traits its ES module (``js/*.js``, bundled into
``static/``) draws, and the widget (``<View>Data`` + :class:`anywidget.AnyWidget`) syncs
them.  The explorer holds the ``Data`` parts and syncs their traits as its own (one
widget, one model: see :mod:`.explorer`).  The synced traitlets are the whole contract.  The shared
traits, ``layer``, ``head``, ``threshold``, ``mode`` and ``selected_residue``, have
the same names and meaning as on :class:`~.structure_view.StructureAttentionView`,
so any two views can be linked with ``traitlets.link``.  Updates read the
:class:`~protattn_widgets.Attention` object held by the view: no model is called.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
from traitlets import Float, HasTraits, Int, List, Unicode, observe

from ..definitions import DEFAULT_THRESHOLD
from ..attention import Attention
from ..errors import AnnotationError
from ..structures import Chain
from ._checks import EdgeModeTrait, SharedStateChecks, check_attention_chain

__all__ = ["AttentionViewBase", "SyncedWidget", "STATIC", "DEFAULT_THRESHOLD", "hold_sync"]

_STATE = frozenset({"layer", "head", "threshold", "mode", "selected_residue", "chain"})

#: Where ``npm run build`` puts the bundled ES modules.
STATIC = Path(__file__).resolve().parent / "static"

_THREE_LETTER = {
    "A": "ALA", "R": "ARG", "N": "ASN", "D": "ASP", "C": "CYS", "Q": "GLN", "E": "GLU", "G": "GLY",
    "H": "HIS", "I": "ILE", "L": "LEU", "K": "LYS", "M": "MET", "F": "PHE", "P": "PRO", "S": "SER",
    "T": "THR", "W": "TRP", "Y": "TYR", "V": "VAL",
}


class SyncedWidget(anywidget.AnyWidget):
    """An anywidget whose shared-state changes and the data they imply leave in ONE message.

    ipywidgets sends a trait as soon as it changes, before its observers compute what
    follows from it; here a change of ``layer``, ``head``, ``threshold``, ``mode`` or
    ``selected_residue`` holds the sync until its observers are done.
    """

    def notify_change(self, change) -> None:
        if change.get("name") in _STATE and not getattr(self, "_holding_sync", True):
            with self.hold_sync():
                super().notify_change(change)
            return
        super().notify_change(change)


def hold_sync(obj):
    """``obj.hold_sync()`` for a widget (one message for the changes inside), nothing for plain traits."""
    holder = getattr(obj, "hold_sync", None)
    return holder() if holder is not None else contextlib.nullcontext()


class AttentionViewBase(SharedStateChecks, HasTraits):
    """Base of the views of one chain's attention (what they compute; the widgets add anywidget).

    Parameters
    ----------
    attention : Attention
        ``values`` of shape ``(n_layers, n_heads, L, L)``.
    chain : Chain, optional
        The chain the attention is of: residue names, contacts, coordinates.
        Without it residue names come from the one-letter sequence.
    layer, head : int
        0-based head shown first (labels shown to people are 1-based).
    threshold : float in [0, 1]
    mode : {"max", "mean", "directed"}
    selected_residue : int or None
        0-based residue index.
    """

    layer = Int(0).tag(sync=True)
    head = Int(0).tag(sync=True)
    threshold = Float(DEFAULT_THRESHOLD).tag(sync=True)
    mode = EdgeModeTrait("max").tag(sync=True)
    selected_residue = Int(None, allow_none=True).tag(sync=True)
    n_layers = Int(1).tag(sync=True)
    n_heads = Int(1).tag(sync=True)
    chain_id = Unicode("").tag(sync=True)
    residue_ids = List(Unicode()).tag(sync=True)
    residue_names = List(Unicode()).tag(sync=True)
    caption = Unicode("").tag(sync=True)

    def __init__(self, attention: Attention, chain: Chain | None = None, *, layer: int = 0, head: int = 0,
                 threshold: float = DEFAULT_THRESHOLD, mode: str = "max", selected_residue: int | None = None,
                 **kwargs: Any) -> None:
        check_attention_chain(attention, chain)
        self.attention = attention
        self.chain = chain
        self._live = False  # no sending until every trait has its first value
        self._sent_key: tuple | None = None
        super().__init__(**kwargs)
        with hold_sync(self):
            self._set_residues()
            self.layer, self.head = attention.check_head(layer, head)
            self.threshold, self.mode = threshold, mode
            self.selected_residue = selected_residue
            self._on_chain()
            self._live = True
            self._refresh()

    @classmethod
    def from_model(cls, structure, chain: str, model: Any = "antiberty", **kwargs: Any):
        """Build the view of ``structure[chain]`` with a model (a name or a loaded model); cached attention."""
        from ..models import load_model
        from ..structures import Structure, load_structure

        if not isinstance(structure, Structure):
            structure = load_structure(structure)
        if isinstance(model, str):
            model = load_model(model)
        return cls(model.attention(structure[chain]), structure[chain], **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.attention!r}, head {self.attention.label(self.layer, self.head)})"

    # -- switching chains -------------------------------------------------------------------

    def set_attention(self, attention: Attention, chain: Chain | None = None) -> None:
        """Show another chain's attention (same model); clears the selection.

        Everything the front-end needs goes in one message.
        """
        check_attention_chain(attention, chain)
        if (attention.n_layers, attention.n_heads) != (self.attention.n_layers, self.attention.n_heads):
            raise ValueError("set_attention needs attention of the same model (same layers and heads)")
        with hold_sync(self):
            self._live = False
            self.attention, self.chain = attention, chain
            self._sent_key = None
            self.selected_residue = None
            self._set_residues()
            self._on_chain()
            self._live = True
            self._refresh()

    def _set_residues(self) -> None:
        attention, chain = self.attention, self.chain
        self.n_layers, self.n_heads = attention.n_layers, attention.n_heads
        self.chain_id = (chain.chain_id if chain is not None else attention.chain_id) or ""
        self.residue_ids = list(attention.residue_ids)
        self.residue_names = (list(chain.residue_names) if chain is not None
                              else [_THREE_LETTER.get(c, "UNK") for c in attention.sequence])

    # -- validation -------------------------------------------------------------------------

    # -- updates ----------------------------------------------------------------------------

    @observe("layer", "head", "threshold", "mode")
    def _on_head_change(self, change) -> None:
        if self._live:
            self._refresh()

    def _refresh(self) -> None:
        """Send what the current state needs, unless it was sent already."""
        key = self._data_key()
        if key == self._sent_key:
            return
        with hold_sync(self):
            self._send_data()
        self._sent_key = key

    # Subclasses: what the data depends on, what to send, what to do per chain.
    def _data_key(self) -> tuple:
        return (self.layer, self.head)

    def _send_data(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _on_chain(self) -> None:
        pass

    def _title(self) -> str:
        from ..models import model_display_name

        source = f"{self.attention.structure_name or ''}:{self.chain_id}" if self.chain_id else "sequence"
        return f"{model_display_name(self.attention.model_name)} {self.attention.label(self.layer, self.head)} · {source}"


def default_colors() -> list[str]:
    """Colours given to annotation tracks in turn (ColorBrewer Dark2)."""
    return ["#1b9e77", "#d95f02", "#7570b3", "#66a61e", "#e6ab02", "#a6761d", "#666666"]


def as_index_mask(value, residue_ids: list[str], what: str) -> np.ndarray:
    """A residue selection as a bool mask, shape=(L,).

    ``value`` is a bool array of length L, a list of 0-based indices, or a list of
    author residue ids (strings, e.g. ``["95", "100A"]``).  Anything else raises
    :class:`~protattn_widgets.errors.AnnotationError` naming ``what``.
    """
    n = len(residue_ids)
    if value is None or isinstance(value, (str, bytes, dict)):
        raise AnnotationError(f"{what}: residues must be a bool mask, 0-based indices or author residue ids "
                              f"(a list), got {type(value).__name__}")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged nesting, odd objects
        raise AnnotationError(f"{what}: residues must be a flat list or array: {exc}") from None
    if array.ndim != 1 and array.size:
        raise AnnotationError(f"{what}: residues must be one-dimensional, got shape {array.shape}")
    if array.dtype == bool:
        if array.shape != (n,):
            raise AnnotationError(f"{what}: a mask must have one entry per residue ({n}), got shape {array.shape}")
        return array.copy()
    mask = np.zeros(n, dtype=bool)
    if array.size == 0:
        return mask
    if array.dtype.kind in "iu":
        if array.min() < 0 or array.max() >= n:
            raise AnnotationError(f"{what}: residue indices must lie in 0..{n - 1}")
        mask[array] = True
        return mask
    if array.dtype.kind in "fc":
        raise AnnotationError(f"{what}: residue indices must be whole numbers (or author ids as strings), "
                              f"got {array.dtype} values")
    lookup = {rid: i for i, rid in enumerate(residue_ids)}
    missing = [str(r) for r in array.ravel() if str(r).strip() not in lookup]
    if missing:
        raise AnnotationError(f"{what}: residue ids {missing[:5]} are not in the chain "
                              f"(ids run {residue_ids[0]}..{residue_ids[-1]})")
    mask[[lookup[str(r).strip()] for r in array.ravel()]] = True
    return mask
