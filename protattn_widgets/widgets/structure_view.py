"""The 3D structure view: one attention head drawn on an NGL cartoon.

:class:`StructureAttentionView` is an anywidget: a whole structure (every chain,
ligands as small spheres) in NGL 2.5, bundled into the package (``js/structure_view.js``,
no CDN, no nglview), and for one chain the edges of the current head as cylinders
between CA atoms (radius and colour by weight) and every residue coloured by the
attention it receives.  ``layer``, ``head``, ``threshold``, ``mode``,
``selected_residue`` and ``focus`` are synced traitlets; changing one redraws the
view, and picking an atom in the view sets ``selected_residue``.
:class:`StructureData` is the same computation without the widget: the explorer's
3D part.

What crosses the wire
---------------------
Once per view: the structure file's text, the chain's residue keys, CA
coordinates and two 256-entry colour maps.  Per head change: ONE ``update``
message whose binary buffers are the residue index pairs (uint16, 4 bytes per
edge), the weights (uint8, 1 byte per edge), the attention received (uint8, 1
byte per residue) and the hover statistics (float32, 3 x L).  The front-end
replaces one cylinder buffer; nothing is added to NGL's component list, so
nothing can be replayed wrongly when the view is shown again.

>>> view = StructureAttentionView.from_model(example_path("1vfb_complex"), "B")
>>> view.layer, view.head, view.threshold = 3, 5, 0.2
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from traitlets import Bool, Bytes, Dict, Float, HasTraits, Int, List, Unicode, observe

from ..definitions import DEFAULT_THRESHOLD, STRONG_EDGES
from ..antibody import antibody_chain_role
from ..attention import Attention, as_float32
from ..structures import Chain, Structure, load_structure
from ._base import STATIC, hold_sync, SyncedWidget
from ._checks import AttentionMismatchError, EdgeModeTrait, SharedStateChecks, check_attention_chain, format_threshold

__all__ = ["StructureAttentionView", "StructureData", "AttentionMismatchError", "ngl_residue_key",
           "ngl_structure_text", "antibody_chain_role", "chain_legend", "CHAIN_COLORS", "format_threshold"]

#: Colour maps (matplotlib names and the part of each that is used) for edges and residues.
EDGE_COLORMAP = ("YlOrRd", 0.35, 1.0)
RECEIVED_COLORMAP = ("Blues", 0.12, 1.0)
#: Colours of the chains other than the attention chain, in turn: Paul Tol's colour-blind safe
#: "muted" set without its blues and reds (the attention chain is blue, the edges yellow to red).
CHAIN_COLORS = ("#44aa99", "#ddcc77", "#aa4499", "#999933", "#882255", "#bbbbbb")
_RESIDUE_ID = re.compile(r"^(-?\d+)(?:\^(.+)|(\D*))$")  # "52", "52A", "3^1" (a digit insertion code)


def ngl_residue_key(residue_id: str) -> str:
    """NGL's spelling of an author residue id: ``"52A"`` -> ``"52^A"``, ``"3^1"`` -> ``"3^1"``, ``"-3"`` -> ``"-3"``."""
    match = _RESIDUE_ID.match(str(residue_id).strip())
    if match is None:
        raise ValueError(f"not an author residue id: {residue_id!r}")
    number, caret_code, letter_code = match.groups()
    insertion = caret_code or letter_code
    return f"{number}^{insertion}" if insertion else number


def chain_legend(structure: Structure, attention_chain: str) -> list[dict]:
    """One legend line per protein chain: ``{"id", "label", "color", "attention"}``.

    Labels say what a chain is where that is known: ``"H: attention chain (heavy chain)"``,
    ``"L: light chain"``, and ``"A: antigen"`` for the other chains of a structure
    with antibody chains.  Each chain keeps its colour whichever chain is explored:
    :data:`CHAIN_COLORS` by the chain's place in the structure (the attention chain
    is drawn blue, by attention received, and its line says so).
    """
    lines = []
    for k, (chain_id, name) in enumerate(chain_names(structure).items()):
        attention = chain_id == attention_chain
        label = f"{chain_id}: attention chain ({name})" if attention else f"{chain_id}: {name}"
        lines.append({"id": chain_id, "label": label, "color": CHAIN_COLORS[k % len(CHAIN_COLORS)],
                      "attention": attention})
    return lines


def chain_names(structure: Structure) -> dict[str, str]:
    """What each protein chain is, for menus and legends: ``{"H": "heavy chain", "A": "antigen", "C": "chain C"}``."""
    roles = {c.chain_id: antibody_chain_role(c.sequence) for c in structure}
    has_antibody = any(roles.values())
    return {chain_id: role or ("antigen" if has_antibody else f"chain {chain_id}") for chain_id, role in roles.items()}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def caption_text(head: str, *, shown: int, total: int, threshold: float, cap: int, directed: bool,
                 strong: int | None = None, strong_threshold: float | None = None, focus_name: str | None = None,
                 focus_count: int | None = None, selected_name: str | None = None) -> str:
    """The 3D caption; the same text as ``captionText`` in ``js/lib/ngl_overlay.js`` (the page writes it).

    ``shown`` of ``total`` lines (arrows when ``directed``) drawn at ``threshold``; ``strong``: the
    head's strong edges (:data:`~protattn_widgets.definitions.STRONG_EDGES`) at ``strong_threshold``
    (default ``threshold``), e.g. ``"AntiBERTy 4-6 (max): 23 lines ≥ 0.3 · 25 strong edges i→j"``.
    """
    unit = "arrow" if directed else "line"
    t = format_threshold(threshold)
    if focus_name is not None:
        text = f"{head}: {focus_count} of {_plural(shown, unit)} ≥ {t} touch {focus_name}"
    elif total > shown:
        text = f"{head}: {shown} strongest of {_plural(total, unit)} ≥ {t} (cap {cap})"
    else:
        text = f"{head}: {_plural(shown, unit)} ≥ {t}"
    if strong is not None:
        st = threshold if strong_threshold is None else strong_threshold
        at = "" if abs(st - threshold) < 1e-9 else f" ≥ {format_threshold(st)}"
        text += f" · {strong} {STRONG_EDGES}{at}"
    if total == 0:
        text += f" (move the threshold slider down to see {unit}s)"
    if selected_name and focus_name is None:
        text += f" | selected {selected_name}"
    return text


def count_strong_edges(attention: Attention, counted: np.ndarray, layer: int, head: int, threshold: float) -> int:
    """The head's strong edges (ordered ``i -> j``, self-attention included, ``a_ij >= threshold``) between
    the pairs ``counted`` (bool (L, L): both residues have a CB), as the head grid counts them: from the
    exact float32 pairs captured with the attention at and above their floor, else from the stored values."""
    t = np.float32(threshold)
    strong = attention.strong_pairs
    if strong is not None and t >= np.float32(strong.floor) and t > 0:
        flat = layer * attention.n_heads + head
        keys = strong.keys
        lo = np.searchsorted(keys, flat + np.float64(t), side="left")
        hi = np.searchsorted(keys, flat + 1 + strong.floor / 2, side="left")
        return int(np.count_nonzero(counted.ravel()[strong.pairs[lo:hi]]))
    values = as_float32(attention.values[layer, head])
    return int(np.count_nonzero((values >= t) & counted))


def _colormap_bytes() -> bytes:
    """uint8 array, shape=(2, 256, 3): the edge and the residue colour maps."""
    from matplotlib import colormaps

    rows = []
    for name, low, high in (EDGE_COLORMAP, RECEIVED_COLORMAP):
        rgba = colormaps[name](np.linspace(low, high, 256))
        rows.append(np.round(rgba[:, :3] * 255).astype(np.uint8))
    return np.stack(rows).tobytes()


def ngl_structure_text(structure: Structure) -> str:
    """The structure's text as NGL should read it.

    NGL reads the element of a PDB atom from columns 77-78 whenever the line
    reaches them, and does not guess it when they hold no element symbol:
    such atoms get no covalent radius, hence no bonds between residues and no
    cartoon.  The docking-benchmark files (e.g. the bundled 1vfb complex)
    carry a segment id and a record counter in columns 73-80 instead.  Lines like that are cut after
    column 72 so that NGL guesses the element from the atom name, as it does
    for short lines.  mmCIF text is returned as it is.
    """
    if structure.format != "pdb":
        return structure.text
    lines = structure.text.splitlines()
    for n, line in enumerate(lines):
        if line.startswith(("ATOM  ", "HETATM")) and len(line) > 72 and not line[76:78].strip().isalpha():
            lines[n] = line[:72]
    return "\n".join(lines) + "\n"


class StructureData(SharedStateChecks, HasTraits):
    """What the 3D view draws for one chain's attention on a whole structure (no widget).

    Parameters
    ----------
    structure : Structure or path
        The whole structure; every chain and ligand is shown.
    attention : Attention
        Attention of one chain of ``structure`` (``attention.chain_id``), e.g.
        ``model.attention(structure["H"])``.
    layer, head : int
        0-based head to show first.
    threshold : float in [0, 1]
        Edges with a weight below it are not drawn.
    mode : {"max", "mean", "directed"}
        How both directions of a pair are combined (see :meth:`Attention.edges`).
    selected_residue : int or None
        0-based index into the chain's residues.
    max_edges : int
        Draw at most this many edges, the strongest (a threshold of 0 would
        otherwise draw every pair); the caption says when the cap applies.
    focus : bool
        Draw only the selected residue's edges (also the view's "focus" button).
    show_label : bool
        Label the selected residue in 3D (also the view's "label" button).

    Attributes
    ----------
    edges : ndarray, shape=(k, 3)
        The edges drawn now, rows ``(i, j, weight)``, strongest first.
    n_edges_above_threshold : int
        How many lines (arrows in ``directed`` mode) passed the threshold before
        ``max_edges`` was applied.
    strong_edges : int
        The head's strong edges at the threshold, in the unit of the head grid and
        the analysis tables (:data:`STRONG_EDGES`): ordered pairs ``i -> j`` with
        ``a_ij >= threshold``, self-attention included, between residues the contact
        statistic counts (both have a CB).  The caption states both counts.

    Raises
    ------
    ChainNotFoundError
        ``attention.chain_id`` is not a protein chain of ``structure``.
    AttentionMismatchError
        The attention does not cover the chain's residues (another sequence,
        another length) or names no chain.
    """

    layer = Int(0).tag(sync=True)
    head = Int(0).tag(sync=True)
    threshold = Float(DEFAULT_THRESHOLD).tag(sync=True)
    mode = EdgeModeTrait("max").tag(sync=True)
    selected_residue = Int(None, allow_none=True).tag(sync=True)
    focus = Bool(False).tag(sync=True)
    show_label = Bool(True).tag(sync=True)
    # The contract with js/lib/ngl_overlay.js and js/structure_view.js (dtypes and shapes there).
    _protattn_view = Unicode("structure").tag(sync=True)
    _pa_structure = Unicode().tag(sync=True)
    _pa_ext = Unicode("pdb").tag(sync=True)
    _pa_name = Unicode().tag(sync=True)
    _pa_chain = Unicode().tag(sync=True)
    _pa_model_index = Int(0).tag(sync=True)
    _pa_residue_keys = List(Unicode()).tag(sync=True)
    _pa_ca = Bytes().tag(sync=True)
    _pa_colormaps = Bytes().tag(sync=True)
    _pa_style = Dict().tag(sync=True)
    _pa_edges = Bytes().tag(sync=True)
    _pa_weights = Bytes().tag(sync=True)
    _pa_total = Int(0).tag(sync=True)
    _pa_strong = Int(0).tag(sync=True)
    _pa_strong_threshold = Float(DEFAULT_THRESHOLD).tag(sync=True)
    _pa_received = Bytes().tag(sync=True)
    _pa_head_label = Unicode().tag(sync=True)
    _pa_residue_labels = List(Unicode()).tag(sync=True)
    _pa_residue_stats = Bytes().tag(sync=True)
    _pa_chains = List(Dict()).tag(sync=True)

    def __init__(self, structure: Structure | str, attention: Attention, *, layer: int = 0,
                 head: int = 0, threshold: float = DEFAULT_THRESHOLD, mode: str = "max",
                 selected_residue: int | None = None, max_edges: int = 2000, focus: bool = False,
                 show_label: bool = True, **kwargs: Any) -> None:
        if not isinstance(structure, Structure):
            structure = load_structure(structure)
        if not isinstance(attention, Attention):
            raise TypeError(f"attention must be an Attention (model.attention(chain)), got {type(attention).__name__}")
        self.structure = structure
        self.attention = attention
        self.chain = self._chain_of(structure, attention)
        self.max_edges = int(max_edges)
        self.edges = np.zeros((0, 3))
        self.n_edges_above_threshold = 0
        self.strong_edges = 0
        self._live = False  # no drawing until every trait has its first value
        self._sent_key: tuple | None = None
        super().__init__(**kwargs)
        with hold_sync(self):
            self._pa_structure, self._pa_ext, self._pa_model_index = _ngl_input(structure)
            self._pa_name = structure.name
            self._pa_colormaps = _colormap_bytes()
            self._pa_style = {"max_edges": self.max_edges}
            self._set_chain()
            self.layer, self.head = attention.check_head(layer, head)
            self.threshold, self.mode = threshold, mode
            self.selected_residue = selected_residue
            self.focus, self.show_label = bool(focus), bool(show_label)
            self._live = True
            self._send_head()

    @classmethod
    def from_model(cls, structure: Structure | str, chain: str, model: Any = "antiberty", **kwargs: Any):
        """Build the view for ``structure[chain]`` with a model (a name or a loaded model).

        The attention comes from the model's cache, so building a second view
        of the same chain runs no forward pass.
        """
        from ..models import load_model

        if not isinstance(structure, Structure):
            structure = load_structure(structure)
        if isinstance(model, str):
            model = load_model(model)
        return cls(structure, model.attention(structure[chain]), **kwargs)

    # -- validation -------------------------------------------------------------------------

    @staticmethod
    def _chain_of(structure: Structure, attention: Attention) -> Chain:
        if attention.chain_id is None:
            raise AttentionMismatchError(
                "this attention was computed from a bare sequence; compute it from a chain of the "
                "structure instead: model.attention(structure[chain_id])"
            )
        chain = structure[attention.chain_id]  # ChainNotFoundError lists the chains
        check_attention_chain(attention, chain)
        if len(chain) > np.iinfo(np.uint16).max:
            raise AttentionMismatchError(f"chain {chain.chain_id!r} is too long to draw ({len(chain)} residues)")
        return chain

    # -- another chain of the same structure --------------------------------------------------

    def set_attention(self, attention: Attention) -> None:
        """Show another chain's attention (same structure): the structure is not sent again."""
        chain = self._chain_of(self.structure, attention)
        with hold_sync(self):
            self._live = False
            self.attention, self.chain = attention, chain
            self.selected_residue = None
            self._set_chain()
            self._live = True
            self._send_head()

    def set_structure(self, structure: Structure, attention: Attention) -> None:
        """Show another structure, with the attention of one of its chains: the front-end loads the new
        structure into the same NGL stage (one structure component, whatever was shown before)."""
        chain = self._chain_of(structure, attention)
        with hold_sync(self):
            self._live = False
            self.structure, self.attention, self.chain = structure, attention, chain
            self._pa_structure, self._pa_ext, self._pa_model_index = _ngl_input(structure)
            self._pa_name = structure.name
            self.selected_residue = None
            self._set_chain()
            self._live = True
            self._send_head()

    def _set_chain(self) -> None:
        chain = self.chain
        self._has_ca = ~np.isnan(chain.ca).any(axis=1)
        self._counted = np.asarray(chain.pair_mask("cb"), dtype=bool)  # the pairs the head grid counts
        self._pa_chain = chain.chain_id
        self._pa_residue_keys = [ngl_residue_key(r) for r in chain.residue_ids]
        self._pa_ca = np.nan_to_num(chain.ca, nan=0.0).astype("<f4").tobytes()
        self._pa_residue_labels = [f"{n} {r}" for n, r in zip(chain.residue_names, chain.residue_ids)]
        self._pa_chains = chain_legend(self.structure, chain.chain_id)

    # -- updates ----------------------------------------------------------------------------

    @observe("layer", "head", "threshold", "mode")
    def _on_head_change(self, change) -> None:
        # Several traits set together (a tile click: layer and head) notify one by one: draw once.
        if self._live and self._sent_key != (self.layer, self.head, self.threshold, self.mode):
            self._send_head()

    def _send_head(self) -> None:
        self._sent_key = (self.layer, self.head, self.threshold, self.mode)
        attention = self.attention
        pairs, weights = _edge_arrays(attention.edges(self.layer, self.head, self.threshold, self.mode))
        keep = self._has_ca[pairs[:, 0]] & self._has_ca[pairs[:, 1]]
        pairs, weights = pairs[keep], weights[keep]
        self.n_edges_above_threshold = len(pairs)
        self.strong_edges = count_strong_edges(attention, self._counted, self.layer, self.head, self.threshold)
        pairs, weights = pairs[: self.max_edges], weights[: self.max_edges]
        self.edges = np.column_stack([pairs, weights]) if len(pairs) else np.zeros((0, 3))
        received = attention.received(self.layer, self.head)
        matrix = attention.head(self.layer, self.head)
        target = matrix.argmax(axis=1) if matrix.size else np.zeros(0, dtype=np.intp)
        stats = np.stack([received, target, matrix[np.arange(len(target)), target]]).astype("<f4")
        top = float(received.max()) if received.size else 0.0
        received = received / top if top > 0 else np.zeros_like(received)
        from ..models import model_display_name

        with hold_sync(self):  # one "update" message for all of it
            self._pa_edges = pairs.astype("<u2").tobytes()
            self._pa_weights = np.round(np.clip(weights, 0.0, 1.0) * 255).astype(np.uint8).tobytes()
            self._pa_total = int(self.n_edges_above_threshold)
            self._pa_strong = int(self.strong_edges)
            self._pa_strong_threshold = float(self.threshold)
            self._pa_received = np.round(received * 255).astype(np.uint8).tobytes()
            self._pa_residue_stats = stats.tobytes()
            self._pa_head_label = (f"{model_display_name(attention.model_name)} "
                                   f"{attention.label(self.layer, self.head)} ({self.mode})")

    def caption(self) -> str:
        """The line the view shows in its corner (``js/lib/ngl_overlay.js`` writes it on screen),
        e.g. ``"AntiBERTy 4-6 (max): 23 lines >= 0.3 · 25 strong edges i→j"``.

        Two counts, each named: the lines drawn (one per residue pair ``i - j``; in ``directed``
        mode one arrow per ``i -> j``, self-attention not drawn), and the head's strong edges
        (:attr:`strong_edges`, the head grid's and the analysis tables' unit).  Says when the
        ``max_edges`` cap applies (``"2000 strongest of 5123 lines"``), in focus how many lines
        touch the selected residue, and for a head with nothing drawn how to see some.
        """
        selected = None if self.selected_residue is None else self.residue_name(self.selected_residue)
        touching = None
        if self.focus and selected is not None:
            touching = int(np.sum((self.edges[:, 0] == self.selected_residue) | (self.edges[:, 1] == self.selected_residue)))
        return caption_text(self._pa_head_label, shown=len(self.edges), total=self.n_edges_above_threshold,
                            threshold=self.threshold, cap=self.max_edges, directed=self.mode == "directed",
                            strong=self.strong_edges, focus_name=selected if touching is not None else None,
                            focus_count=touching, selected_name=selected)

    def residue_name(self, i: int) -> str:
        """E.g. ``"B GLY 53"``: chain, residue name, author id."""
        return f"{self.chain.chain_id} {self.chain.residue_names[i]} {self.chain.residue_ids[i]}"


def _ngl_input(structure: Structure) -> tuple[str, str, int]:
    """``(text, ext, model index)`` NGL loads: the structure's own NGL text (written from its atom
    table, always loadable, one model) when it has one, else its file text as NGL reads it."""
    if getattr(structure, "atoms", None) is not None:
        text, ext = structure.to_ngl_text()
        return text, ext, 0
    return ngl_structure_text(structure), structure.format, int(structure.model)


def _edge_arrays(edges) -> tuple[np.ndarray, np.ndarray]:
    """``Attention.edges`` as (pairs intp (k, 2), weights float (k,)), whatever form it returns."""
    pairs = getattr(edges, "pairs", None)
    if pairs is not None:
        return np.asarray(pairs, dtype=np.intp).reshape(-1, 2), np.asarray(edges.weights, dtype=float)
    edges = np.asarray(edges, dtype=float).reshape(-1, 3)
    return edges[:, :2].astype(np.intp), edges[:, 2]


class StructureAttentionView(StructureData, SyncedWidget):
    """A structure in NGL with one attention head of one chain drawn on it, as an anywidget.

    Works wherever anywidget works (JupyterLab, Notebook 7, Voila, marimo, VS Code, Colab):
    NGL 2.5 is bundled.  Parameters and attributes as :class:`StructureData`, plus

    Parameters
    ----------
    height, width : str
        CSS size of the view (default ``"420px"`` and ``"100%"``).

    >>> view = StructureAttentionView.from_model(example_path("1vfb_complex"), "B")
    >>> view.layer, view.head, view.threshold = 3, 5, 0.2
    """

    _esm = STATIC / "widget.js"
    height = Unicode("420px").tag(sync=True)
    width = Unicode("100%").tag(sync=True)
