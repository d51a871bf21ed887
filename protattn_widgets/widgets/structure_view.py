"""The 3D structure view: one attention head drawn on an NGL cartoon.

:class:`StructureAttentionView` shows a whole structure (every chain, ligands as
ball+stick) in nglview and, for one chain, the edges of the current head as
cylinders between CA atoms (radius and colour by weight) and every residue
coloured by the attention it receives.  ``layer``, ``head``, ``threshold``,
``mode`` and ``selected_residue`` are traitlets; changing one redraws the view,
and picking an atom in the view sets ``selected_residue``.

What crosses the wire
---------------------
Once per view: the structure file (nglview's ``loadFile``), a small script
(``js/ngl_attention.js``, shipped as ``static/ngl_attention.js``, run by
nglview's ``executeCode``) and the chain's
residue keys, CA coordinates and two 256-entry colour maps.  Per change: ONE
widget ``update`` message on the NGL model whose binary buffers are the
residue index pairs (uint16, 4 bytes per edge), the weights (uint8, 1 byte per
edge) and the attention received (uint8, 1 byte per residue), with the caption
as the only JSON payload.  The script replaces the single cylinder buffer of
the previous head; no per-cylinder messages, no new NGL components.

>>> view = StructureAttentionView.from_model(example_path("1vfb_complex"), "B")
>>> view.layer, view.head, view.threshold = 3, 5, 0.2
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import ipywidgets
import numpy as np
from traitlets import Bool, Bytes, Dict, Float, Int, List, Unicode, observe

from ..definitions import DEFAULT_THRESHOLD
from ..antibody import antibody_chain_role
from ..attention import Attention
from ..structures import Chain, Structure, load_structure
from ._checks import AttentionMismatchError, EdgeModeTrait, SharedStateChecks, check_attention_chain
from ._nglview_compat import NGLWidget

__all__ = ["StructureAttentionView", "AttentionNGLWidget", "AttentionMismatchError", "ngl_residue_key",
           "ngl_structure_text", "antibody_chain_role", "chain_legend", "CHAIN_COLORS"]

#: Colour maps (matplotlib names and the part of each that is used) for edges and residues.
EDGE_COLORMAP = ("YlOrRd", 0.35, 1.0)
RECEIVED_COLORMAP = ("Blues", 0.12, 1.0)
#: Colours of the chains other than the attention chain, in turn: Paul Tol's colour-blind safe
#: "muted" set without its blues and reds (the attention chain is blue, the edges yellow to red).
CHAIN_COLORS = ("#44aa99", "#ddcc77", "#aa4499", "#999933", "#882255", "#bbbbbb")
_RESIDUE_ID = re.compile(r"^(-?\d+)(?:\^(.+)|(\D*))$")  # "52", "52A", "3^1" (a digit insertion code)
_PICKED_NAME = re.compile(r"(?:\])?(-?\d+)(?:\^([^:.]+))?:")


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
    with antibody chains.  Colours are :data:`CHAIN_COLORS` in turn (the attention
    chain's entry is blue: it is drawn by attention received).
    """
    roles = {c.chain_id: antibody_chain_role(c.sequence) for c in structure}
    has_antibody = any(roles.values())
    lines, k = [], 0
    for chain_id, role in roles.items():
        if role is None and has_antibody:
            role = "antigen"
        attention = chain_id == attention_chain
        if attention:
            label, color = f"{chain_id}: attention chain" + (f" ({role})" if role else ""), "#2171b5"
        else:
            label, color = f"{chain_id}: {role or 'chain ' + chain_id}", CHAIN_COLORS[k % len(CHAIN_COLORS)]
            k += 1
        lines.append({"id": chain_id, "label": label, "color": color, "attention": attention})
    return lines


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


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


def _script() -> str:
    return resources.files(__package__).joinpath("static/ngl_attention.js").read_text(encoding="utf-8")


class AttentionNGLWidget(NGLWidget):
    """The NGL widget of a :class:`StructureAttentionView`, with the traits its script draws.

    The ``_pa_*`` traits are the whole contract with ``js/ngl_attention.js``;
    see that file's header for their dtypes and shapes.
    """

    _pa_chain = Unicode().tag(sync=True)
    _pa_model_index = Int(0).tag(sync=True)
    _pa_residue_keys = List(Unicode()).tag(sync=True)
    _pa_ca = Bytes().tag(sync=True)
    _pa_colormaps = Bytes().tag(sync=True)
    _pa_style = Dict().tag(sync=True)
    _pa_edges = Bytes().tag(sync=True)
    _pa_weights = Bytes().tag(sync=True)
    _pa_received = Bytes().tag(sync=True)
    _pa_selected = Int(-1).tag(sync=True)
    _pa_label = Unicode().tag(sync=True)
    _pa_residue_labels = List(Unicode()).tag(sync=True)
    _pa_residue_stats = Bytes().tag(sync=True)
    _pa_chains = List(Dict()).tag(sync=True)
    _pa_threshold = Float(0.0).tag(sync=True)
    _pa_directed = Bool(False).tag(sync=True)
    _pa_focus = Bool(False).tag(sync=True)


class StructureAttentionView(SharedStateChecks, ipywidgets.VBox):
    """A structure in NGL with one attention head of one chain drawn on it.

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
        How both directions of a pair are combined (see :meth:`Attention.combined`).
    selected_residue : int or None
        0-based index into the chain's residues.
    max_edges : int
        Draw at most this many edges, the strongest (a threshold of 0 would
        otherwise draw every pair); the caption says when the cap applies.
    focus : bool
        Draw only the selected residue's edges (also the view's "focus" button).
    height : str
        CSS height of the view.

    Attributes
    ----------
    ngl : AttentionNGLWidget
        The nglview widget shown.
    edges : ndarray, shape=(k, 3)
        The edges drawn now, rows ``(i, j, weight)``, strongest first.
    n_edges_above_threshold : int
        How many edges passed the threshold before ``max_edges`` was applied.

    Raises
    ------
    ChainNotFoundError
        ``attention.chain_id`` is not a protein chain of ``structure``.
    AttentionMismatchError
        The attention does not cover the chain's residues (another sequence,
        another length) or names no chain.
    """

    layer = Int(0)
    head = Int(0)
    threshold = Float(DEFAULT_THRESHOLD)
    mode = EdgeModeTrait("max")
    selected_residue = Int(None, allow_none=True)
    focus = Bool(False)

    def __init__(self, structure: Structure | str, attention: Attention, *, layer: int = 0,
                 head: int = 0, threshold: float = DEFAULT_THRESHOLD, mode: str = "max",
                 selected_residue: int | None = None, max_edges: int = 2000, focus: bool = False,
                 height: str = "420px", **kwargs: Any) -> None:
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
        self._has_ca = ~np.isnan(self.chain.ca).any(axis=1)
        self._key_to_index = {ngl_residue_key(r): i for i, r in enumerate(self.chain.residue_ids)}
        self._views_with_script: set[str] = set()
        self._live = False  # no drawing until every trait has its first value

        self.ngl = AttentionNGLWidget(height=height)
        self.ngl._pa_chain = self.chain.chain_id
        self.ngl._pa_model_index = int(structure.model)
        self.ngl._pa_residue_keys = list(self._key_to_index)
        self.ngl._pa_ca = np.nan_to_num(self.chain.ca, nan=0.0).astype("<f4").tobytes()
        self.ngl._pa_colormaps = _colormap_bytes()
        self.ngl._pa_residue_labels = [f"{n} {r}" for n, r in zip(self.chain.residue_names, self.chain.residue_ids)]
        self.ngl._pa_chains = chain_legend(structure, self.chain.chain_id)
        self.ngl._pa_style = {"max_edges": self.max_edges}
        self.ngl._pa_focus = bool(focus)
        import nglview

        self.ngl.add_structure(
            nglview.TextStructure(ngl_structure_text(structure), ext=structure.format), default_representation=False
        )
        self.ngl.observe(self._on_picked, "picked")
        self.ngl.observe(self._on_focus_button, "_pa_focus")
        self.ngl.observe(self._on_view_ids, "_ngl_view_id")
        self._send_script()

        super().__init__(children=[self.ngl], **kwargs)
        with self.hold_trait_notifications():
            self.layer, self.head = layer, head
            self.threshold, self.mode = threshold, mode
            self.selected_residue = selected_residue
            self.focus = bool(focus)
        self._live = True
        self._send_head()
        self._send_selection()

    @classmethod
    def from_model(cls, structure: Structure | str, chain: str, model: Any = "antiberty",
                   **kwargs: Any) -> "StructureAttentionView":
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

    # -- updates ----------------------------------------------------------------------------

    @observe("layer", "head", "threshold", "mode")
    def _on_head_change(self, change) -> None:
        if self._ready():
            self._send_head()

    @observe("focus")
    def _on_focus(self, change) -> None:
        self.ngl._pa_focus = bool(change["new"])

    def _on_focus_button(self, change) -> None:
        self.focus = bool(change["new"])

    @observe("selected_residue")
    def _on_selection_change(self, change) -> None:
        if self._ready():
            self._send_selection()

    def _ready(self) -> bool:
        return getattr(self, "_live", False)

    def _send_head(self) -> None:
        attention = self.attention
        edges = attention.edges(self.layer, self.head, self.threshold, self.mode)
        edges = edges[self._has_ca[edges.i] & self._has_ca[edges.j]]
        self.n_edges_above_threshold = len(edges)
        drawn = edges[: self.max_edges]
        self.edges = np.column_stack([drawn.pairs, drawn.weights]).astype(np.float64).reshape(-1, 3)
        weights = np.clip(self.edges[:, 2], 0.0, 1.0)
        received = attention.received(self.layer, self.head)
        matrix = attention.head(self.layer, self.head)
        target = matrix.argmax(axis=1) if matrix.size else np.zeros(0, dtype=np.intp)
        stats = np.stack([received, target, matrix[np.arange(len(target)), target]]).astype("<f4")
        top = float(received.max()) if received.size else 0.0
        received = received / top if top > 0 else np.zeros_like(received)
        with self.ngl.hold_sync():  # one "update" message for all of it
            self.ngl._pa_edges = self.edges[:, :2].astype("<u2").tobytes()
            self.ngl._pa_weights = np.round(weights * 255).astype(np.uint8).tobytes()
            self.ngl._pa_received = np.round(received * 255).astype(np.uint8).tobytes()
            self.ngl._pa_residue_stats = stats.tobytes()
            self.ngl._pa_threshold = float(self.threshold)
            self.ngl._pa_directed = self.mode == "directed"
            self.ngl._pa_label = self.caption()

    def _send_selection(self) -> None:
        index = self.selected_residue
        with self.ngl.hold_sync():
            self.ngl._pa_selected = -1 if index is None else int(index)
            self.ngl._pa_label = self.caption()

    def caption(self) -> str:
        """The line shown in the view's corner, e.g. ``"AntiBERTy 4-6 (max): 23 edges >= 0.30"``.

        Says when the ``max_edges`` cap applies (``"2000 strongest of 5123 edges"``) and,
        for a head with no edge at the threshold, to lower it.
        """
        from ..models import model_display_name

        shown, total = len(self.edges), self.n_edges_above_threshold
        head = (f"{model_display_name(self.attention.model_name)} "
                f"{self.attention.label(self.layer, self.head)} ({self.mode})")
        if total > shown:
            text = f"{head}: {shown} strongest of {total} edges \u2265 {self.threshold:.2f} (cap {self.max_edges})"
        else:
            text = f"{head}: {_plural(shown, 'edge')} \u2265 {self.threshold:.2f}"
        if total == 0:
            text += ": lower the threshold"
        if self.selected_residue is not None:
            i = self.selected_residue
            text += (f" | selected {self.chain.chain_id} {self.chain.residue_names[i]} "
                     f"{self.chain.residue_ids[i]}")
        return text

    # -- the browser side -------------------------------------------------------------------

    def _send_script(self) -> None:
        # nglview queues calls made before the view has loaded and runs them
        # after its loadFile; fire_once keeps the script out of nglview's message
        # archive, which nglview re-syncs in full on every archived call.
        self.ngl._execute_js_code(_script(), fire_once=True)

    def _on_view_ids(self, change) -> None:
        # A view created later (the widget shown twice, a page reload) needs the script too.
        new = set(change["new"] or []) - self._views_with_script
        if new and self._views_with_script:
            self._send_script()
        self._views_with_script |= new

    def _on_picked(self, change) -> None:
        atom = (change["new"] or {}).get("atom1")
        if not atom or atom.get("chainname") != self.chain.chain_id:
            return
        if int(atom.get("modelIndex", self.structure.model)) != self.structure.model:
            return
        match = _PICKED_NAME.search(str(atom.get("name", "")))
        insertion = match.group(2) if match and match.group(2) else ""
        key = f"{int(atom['resno'])}^{insertion}" if insertion else str(int(atom["resno"]))
        index = self._key_to_index.get(key)
        if index is not None:
            self.selected_residue = index
