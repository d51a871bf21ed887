"""The linked explorer: structure, head grid, heatmap, sequence track and controls.

>>> import protattn_widgets as paw
>>> ex = paw.AttentionExplorer(paw.example_path("1vfb_complex"), model="antiberty", chain="B")
>>> ex                                   # shows the linked explorer
>>> ex.layer, ex.head = 5, 2             # traitlets, two-way with the sliders
>>> ex.save_figure("fig.svg")            # static figure of the current state
>>> ex.to_html("explorer.html")          # standalone page, opens without a kernel

How the views are linked
------------------------
The explorer's traits ``layer``, ``head``, ``threshold``, ``mode``,
``selected_residue`` and ``chain`` are the single source of truth; every view
and control is tied to them with :func:`traitlets.link` in the kernel, because
the data a view draws (the head's matrix, edges, statistic) is computed there,
from the cached :class:`~protattn_widgets.Attention` (no model call).
``selected_residue`` is additionally :func:`ipywidgets.jslink` ed between the
heatmap, the sequence track and the head grid, so that a selection shows in
all of them at once.  :meth:`to_html` writes a standalone page in which the
same views are linked by the page itself (see :mod:`.standalone`).
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import warnings
from pathlib import Path
from typing import Any

import ipywidgets
import numpy as np
from traitlets import Float, Int, Unicode, link, observe, validate

from ..attention import Attention, check_threshold
from ..definitions import MIN_STRONG_EDGES
from ..errors import OutOfDomainWarning, ProtAttnError, SequenceTooLongError
from ..models.domain import warn_out_of_domain
from ..structures import Chain, Structure, load_structure
from ._base import DEFAULT_THRESHOLD
from ._checks import EdgeModeTrait, SharedStateChecks, check_mode
from .controls import Controls
from .grid_counts import check_min_total, pairs_at_least
from .head_grid import HeadGrid
from .heatmap import AttentionHeatmap
from .sequence_track import SequenceTrack

__all__ = ["AttentionExplorer", "OutOfDomainWarning"]

_SHARED = ("layer", "head", "threshold", "mode", "selected_residue")
# Linked one by one; layer and head travel as a pair (see _set_head): one redraw per head change.
_LINKED = ("threshold", "mode", "selected_residue")
_HEAD = ("layer", "head")
#: The 3D view's box: as wide as the heatmap (456 px) beside it leaves room for, within
#: 340-620 px, so that both stay side by side in a ~900 px notebook column (JupyterLab at
#: 1280 px with the file browser open); narrower, the heatmap wraps below.  Resizable.
STRUCTURE_WIDTH = "clamp(340px, calc(100% - 476px), 620px)"
STRUCTURE_HEIGHT = "470px"
STRUCTURE_START_WIDTH = "400px"
#: One design for the notebook and the standalone page (js/standalone.js uses the same rules).
EXPLORER_CSS = """
.protattn-explorer .protattn-views { display: flex; flex-flow: row wrap; gap: 12px; align-items: flex-start; }
.protattn-explorer .protattn-structure-box { resize: both; overflow: hidden; min-width: 300px; min-height: 260px;
  border: 1px solid #ddd; box-sizing: border-box; }
.protattn-explorer .protattn-stale { opacity: 0.45; filter: grayscale(0.7); transition: opacity 0.15s; }
.protattn-explorer .protattn-busy { color: #555; font-style: italic; }
.protattn-explorer .protattn-busy::before { content: ""; display: inline-block; width: 10px; height: 10px;
  margin-right: 6px; border: 2px solid #999; border-top-color: transparent; border-radius: 50%;
  animation: protattn-spin 0.8s linear infinite; vertical-align: -1px; }
@keyframes protattn-spin { to { transform: rotate(360deg); } }
"""


class AttentionExplorer(SharedStateChecks, ipywidgets.VBox):
    """All views of one structure's attention, linked.

    Parameters
    ----------
    structure : Structure, path, PDB file text or PDB id
        The whole structure is shown in 3D; one protein chain's attention is explored.
    model : str or ProteinLanguageModel
        ``"antiberty"`` (embedded) or anything :func:`protattn_widgets.load_model` accepts.
    chain : str, optional
        Chain id; default the first protein chain.
    layer, head : int, optional
        0-based head shown first; by default the head grid's best ranked head on this
        chain (the highest share of strong attention on contacts among heads with at
        least ``min_total`` strong edges: :data:`~protattn_widgets.definitions.MIN_STRONG_EDGES`,
        the one ranked-head rule of the demo and ``analyze``).
    threshold : float in [0, 1]
        Strong attention: edges drawn in 3D, the head grid's statistic, unfaded heatmap cells.
    mode : {"max", "mean", "directed"}
        How both directions of a pair are combined for edges.
    annotations : mapping or list, optional
        Tracks for the sequence view (see :class:`SequenceTrack`), for the first chain.
        By default (``None``) the tracks are an antibody chain's CDRs (IMGT, from
        :mod:`protattn_widgets.antibody`) and the chain's contacts with each other
        chain of the structure (heavy atoms within 4.5 Å; for an antibody chain and
        its antigen, the paratope), recomputed when the chain changes.
    min_total : int
        Heads with fewer strong pairs are not ranked: no value in the head grid
        (default :data:`~protattn_widgets.definitions.MIN_STRONG_EDGES`).
    structure_view : bool
        Include the 3D view (nglview); ``False`` leaves it out.
    export_dir : path
        Where the PNG / SVG / HTML buttons write their files (default: the working directory).

    Attributes
    ----------
    structure : Structure
    model : ProteinLanguageModel
    attention : Attention
        Of the current chain, from the model's cache.
    controls, grid, heatmap, sequence, structure_view
        The parts (``structure_view`` is a StructureAttentionView or None).

    Raises
    ------
    ChainNotFoundError
        ``chain`` is not a protein chain of the structure (the message lists them).
    StructureError
        The structure cannot be read or has no protein chain.
    SequenceTooLongError
        The chain is longer than the model accepts.
    InvalidOptionError, LayerHeadIndexError
        ``threshold`` outside [0, 1] (or NaN), ``mode`` unknown, ``layer``/``head`` outside the
        model; setting such a value on the explorer or its ``controls`` later raises the same
        and changes nothing.

    Warns
    -----
    OutOfDomainWarning
        An antibody model (AntiBERTy) on a chain that does not look like an antibody chain.
    """

    layer = Int(0)
    head = Int(0)
    threshold = Float(DEFAULT_THRESHOLD)
    mode = EdgeModeTrait("max")
    selected_residue = Int(None, allow_none=True)
    chain = Unicode("")

    def __init__(self, structure: Structure | str | os.PathLike, model: Any = "antiberty", chain: str | None = None,
                 *, layer: int | None = None, head: int | None = None, threshold: float = DEFAULT_THRESHOLD,
                 mode: str = "max", annotations: Any = None, min_total: int = MIN_STRONG_EDGES, structure_view: bool = True,
                 export_dir: str | os.PathLike = ".", **kwargs: Any) -> None:
        # Everything a user can get wrong is checked before any widget exists.
        threshold = check_threshold(threshold)
        mode = check_mode(mode)
        min_total = check_min_total(min_total)
        if not isinstance(structure, Structure):
            structure = load_structure(structure)
        if isinstance(model, (str, os.PathLike)):
            from ..models import load_model

            model = load_model(model)
        chain_id = structure.chain_ids[0] if chain is None else chain
        chain_obj = structure[chain_id]  # ChainNotFoundError lists the protein chains
        with _busy_note(f"computing attention for chain {chain_id} ...") as progress:
            attention = self._attention_of(model, chain_obj, structure, progress)
        pick_best = layer is None and head is None
        layer, head = attention.check_head(0 if layer is None else layer, 0 if head is None else head)

        self.structure = structure
        self.model = model
        self.attention: Attention = attention
        self.min_total = int(min_total)
        self._live = False
        self._view_links: list = []
        self._with_structure_view = bool(structure_view)
        self._next_attention: Attention | None = None
        self.export_dir = Path(export_dir)
        self.grid = HeadGrid(attention, chain_obj, min_total=min_total, layer=layer, head=head,
                             threshold=threshold, mode=mode)
        if pick_best:
            layer, head = self._default_head(attention, threshold, mode)
            self.grid.layer, self.grid.head = layer, head
        shared = dict(layer=layer, head=head, threshold=threshold, mode=mode)

        self.controls = Controls(attention.n_layers, attention.n_heads, structure.chain_ids,
                                 chain=chain_id, **shared)
        self.heatmap = AttentionHeatmap(attention, chain_obj, **shared)
        self._interface_tracks = annotations is None
        if self._interface_tracks:
            annotations = _interface_tracks(structure, chain_id)
        self.sequence = SequenceTrack(attention, chain_obj, annotations=annotations, **shared)
        self.structure_view = self._make_structure_view(attention, shared) if structure_view else None
        self.status = ipywidgets.HTML("")
        self.status.add_class("protattn-status")
        # An explicit width (not a flex basis): NGL sizes its canvas from its parent, and a flex
        # item may start at width 0.  The box is resizable (CSS resize); NGL follows it.
        self._structure_box = ipywidgets.Box([self.structure_view] if self.structure_view else [],
                                             layout=ipywidgets.Layout(width=STRUCTURE_WIDTH, height=STRUCTURE_HEIGHT))
        self._structure_box.add_class("protattn-structure-box")
        # 3D view and heatmap first, side by side; the grid beside them when there is room, else below.
        self._views = ipywidgets.Box([self._structure_box, self.heatmap, self.grid] if self.structure_view
                                     else [self.heatmap, self.grid])
        self._views.add_class("protattn-views")
        self.export_buttons = {fmt: ipywidgets.Button(description=fmt.upper(), tooltip=tip,
                                                      layout=ipywidgets.Layout(width="64px"))
                               for fmt, tip in (("png", "Save the current head as a PNG figure (save_figure)"),
                                                ("svg", "Save the current head as an SVG figure (save_figure)"),
                                                ("html", "Save this explorer as a standalone HTML page (to_html)"))}
        for fmt, button in self.export_buttons.items():
            button.on_click(lambda _, fmt=fmt: self._export(fmt))
        export = ipywidgets.HBox([ipywidgets.Label("save:"), *self.export_buttons.values()],
                                 layout=ipywidgets.Layout(align_items="center", margin="0 0 0 12px"))
        super().__init__(children=[
            ipywidgets.HTML(f"<style>{EXPLORER_CSS}</style>", layout=ipywidgets.Layout(display="none")),
            ipywidgets.HBox([self.controls, export], layout=ipywidgets.Layout(flex_flow="row wrap",
                                                                             align_items="flex-end")),
            self.status,
            self._views,
            self.sequence,
        ], **kwargs)
        # Arrow keys on the sliders, grid and heatmap stay in the explorer (js/lib/keys.js).
        self.add_class("protattn-explorer")
        self.add_class("protattn-keys")

        with self.hold_trait_notifications():
            self.layer, self.head, self.threshold, self.mode = layer, head, threshold, mode
            self.chain = chain_id
        self._head_syncing = False
        for name in ("threshold", "mode"):
            link((self, name), (self.controls, name))
        self.controls.chain_dropdown.observe(self._on_chain_dropdown, "value")
        for view in (self.grid, self.heatmap, self.sequence):
            for name in _LINKED:
                link((self, name), (view, name))
        self.observe(self._on_own_head, names=list(_HEAD))
        for part in (self.controls, self.grid, self.heatmap, self.sequence):
            part.observe(self._on_part_head, names=list(_HEAD))
        # Selection in one anywidget view shows in the others at once, kernel or not.
        self._js_links = [ipywidgets.jslink((self.heatmap, "selected_residue"), (self.sequence, "selected_residue")),
                          ipywidgets.jslink((self.heatmap, "selected_residue"), (self.grid, "selected_residue"))]
        self._link_structure_view()
        self._live = True

    # -- construction helpers ---------------------------------------------------------------

    @staticmethod
    def _attention_of(model, chain: Chain, structure: Structure, progress=None) -> Attention:
        max_length = getattr(model, "max_length", None)
        if max_length is not None and len(chain) > max_length:
            raise SequenceTooLongError(
                f"chain {chain.chain_id!r} of {structure.name} has {len(chain)} residues but {model.name} "
                f"accepts at most {max_length}; choose another chain ({_chain_list(structure)}) or a "
                f"window of it: model.attention(structure[{chain.chain_id!r}].truncate({max_length}))")
        warn_out_of_domain(model, [chain])  # at the user's line; the chain dropdown shows it instead
        if progress is not None and _takes_progress(model):
            return model.attention(chain, progress=progress)
        return model.attention(chain)

    def _default_head(self, attention: Attention, threshold: float, mode: str) -> tuple[int, int]:
        """The head shown when none was asked for: the grid's best, else the one with most
        counted pairs at the threshold (no head has ``min_total`` of them)."""
        best = self.grid.best_heads(1)
        if best:
            return tuple(int(v) for v in best[0])
        if self.grid.counts_contacts:  # the grid's index has them: no pass over the attention
            strong = self.grid.contact_accumulator(threshold).total
        else:
            strong = pairs_at_least(attention.values, threshold)
        layer, head = np.unravel_index(int(np.argmax(strong)), strong.shape)
        return int(layer), int(head)

    def _make_structure_view(self, attention: Attention, shared: dict):
        from .structure_view import StructureAttentionView

        view = StructureAttentionView(self.structure, attention, selected_residue=self.selected_residue,
                                      height=f"{int(STRUCTURE_HEIGHT[:-2]) - 2}px",
                                      layout=ipywidgets.Layout(width="100%"), **shared)
        # nglview sizes its canvas from its parent's width when first shown: the box has an
        # explicit width and height (never 0); NGL starts at a pixel width (a viewer that starts
        # 0 px wide never picks atoms) and js/ngl_attention.js then fits it to the
        # `.protattn-structure-box` around it, also when the user resizes the box.
        view.ngl._view_width = STRUCTURE_START_WIDTH
        return view

    def _link_structure_view(self) -> None:
        for item in self._view_links:
            item.unlink()
        self._view_links = []
        if self.structure_view is not None:
            self._view_links = [link((self, name), (self.structure_view, name)) for name in _LINKED]
            self.structure_view.observe(self._on_part_head, names=list(_HEAD))

    # -- layer and head, as one pair ---------------------------------------------------------

    def _on_part_head(self, change) -> None:
        owner = change["owner"]
        self._set_head(owner.layer, owner.head)

    def _on_own_head(self, change) -> None:
        self._set_head(self.layer, self.head)

    def _set_head(self, layer: int, head: int) -> None:
        """Give every part the new (layer, head) at once, so each redraws once.

        A grid click sets layer and head in one message; linking the two traits
        one by one would redraw the heatmap and rebuild the 3D edges for
        (new layer, old head) first.  By the time the first notification
        arrives both values are set on the part that changed: read both.
        """
        if self._head_syncing:
            return
        self._head_syncing = True
        try:
            with self.hold_trait_notifications():
                self.layer, self.head = layer, head
            parts = [self.controls, self.grid, self.heatmap, self.sequence, self.structure_view]
            for part in parts:
                if part is None or (part.layer, part.head) == (layer, head):
                    continue
                if part is self.structure_view and getattr(part, "_live", False):
                    part._live = False  # its update is not keyed by the head: send once, below
                    try:
                        part.layer, part.head = layer, head
                    finally:
                        part._live = True
                    part._send_head()
                elif hasattr(part, "hold_sync"):
                    # One message per view with layer, head and the new data; views send once per key.
                    with part.hold_sync(), part.hold_trait_notifications():
                        part.layer, part.head = layer, head
                else:
                    with part.hold_trait_notifications():
                        part.layer, part.head = layer, head
        finally:
            self._head_syncing = False

    # -- validation -------------------------------------------------------------------------

    @validate("chain")
    def _valid_chain(self, proposal):
        chain_id = proposal.value
        chain_obj = self.structure[chain_id]  # raises ChainNotFoundError with the list of chains
        if getattr(self, "_live", False):
            # Fetch (cached) now, so that a chain the model cannot take leaves everything as it was.
            self._next_attention = self._attention_of(self.model, chain_obj, self.structure, self._show_progress)
        return chain_id

    # -- changing chain -----------------------------------------------------------------------

    @observe("chain")
    def _on_chain(self, change) -> None:
        if not self._live:
            return
        attention, self._next_attention = self._next_attention, None
        chain_obj = self.structure[change["new"]]
        self.selected_residue = None
        self.attention = attention
        for view in (self.grid, self.heatmap, self.sequence):
            view.set_attention(attention, chain_obj)
        if self._interface_tracks:
            self.sequence.set_annotations(_interface_tracks(self.structure, change["new"]))
        if self._with_structure_view:
            shared = dict(layer=self.layer, head=self.head, threshold=self.threshold, mode=self.mode)
            old = self.structure_view
            self.structure_view = self._make_structure_view(attention, shared)
            self._link_structure_view()
            self._structure_box.children = [self.structure_view]
            if old is not None:
                old.close()
        self.controls.chain_dropdown.value = change["new"]

    def _on_chain_dropdown(self, change) -> None:
        if change["new"] == self.chain:
            return
        # Sent now (comm messages leave at once): the views say they are stale until redrawn.
        self._set_busy(f"computing attention for chain {change['new']} ...")
        note = ""
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", OutOfDomainWarning)
                self.chain = change["new"]
            note = " ".join(str(w.message) for w in caught if issubclass(w.category, OutOfDomainWarning))
        except ProtAttnError as error:  # shown in the explorer, and the dropdown goes back
            self._set_busy(None)
            self.status.value = f'<span style="color:#a00">{html.escape(str(error))}</span>'
            self.controls.chain_dropdown.value = self.chain
            return
        self._set_busy(None)
        if note:
            self.status.value = f'<span style="color:#8a5a00">{html.escape(note)}</span>'

    def _set_busy(self, text: str | None) -> None:
        """Show ``text`` as a busy note and mark the views stale; ``None`` clears both."""
        if text is None:
            self._views.remove_class("protattn-stale")
            self.sequence.remove_class("protattn-stale")
            self.status.value = ""
        else:
            self._views.add_class("protattn-stale")
            self.sequence.add_class("protattn-stale")
            self.status.value = f'<span class="protattn-busy">{html.escape(text)}</span>'

    def _show_progress(self, done: int, total: int) -> None:
        """A progress bar beside the busy note while the model runs, layer by layer."""
        if not self.busy:
            return
        note = self.status.value.split(" <progress", 1)[0]
        self.status.value = f'{note} <progress value="{done}" max="{total}"></progress> layer {done} of {total}'

    @property
    def busy(self) -> bool:
        """True while the views show stale data (a chain switch is being computed)."""
        return "protattn-stale" in self._views._dom_classes

    # -- export buttons ---------------------------------------------------------------------

    def export_name(self, fmt: str) -> Path:
        """Where the ``fmt`` button writes: e.g. ``export_dir/1vfb_complex_B_4-6.png``."""
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{self.structure.name}_{self.chain}")
        if fmt != "html":
            stem += f"_{self.attention.label(self.layer, self.head)}"
        return self.export_dir / f"{stem}.{fmt}"

    def _export(self, fmt: str) -> Path | None:
        path = self.export_name(fmt)
        self._set_busy(f"writing {path.name} ...")
        try:
            written = self.to_html(path) if fmt == "html" else self.save_figure(path)
        except (ProtAttnError, OSError) as error:
            self._set_busy(None)
            self.status.value = f'<span style="color:#a00">{html.escape(str(error))}</span>'
            return None
        self._set_busy(None)
        link = html.escape(os.path.relpath(written) if not written.is_absolute() or
                           str(written).startswith(os.getcwd()) else str(written))
        self.status.value = (f'saved <a href="{link}" download target="_blank" class="protattn-export-link">'
                             f"{html.escape(str(written))}</a>")
        return written

    # -- convenience ------------------------------------------------------------------------

    @property
    def chain_obj(self) -> Chain:
        """The :class:`Chain` explored now."""
        return self.structure[self.chain]

    def __repr__(self) -> str:
        return (f"AttentionExplorer({self.structure.name}:{self.chain}, {self.attention.model_name}, "
                f"head {self.attention.label(self.layer, self.head)}, threshold={self.threshold:.2f}, "
                f"mode={self.mode!r})")

    def show_predicted_contacts(self, predictor, k: int | None = None) -> None:
        """Overlay the ``k`` (default ``L``) most likely contacts of a fitted
        :class:`~protattn_widgets.analysis.ContactPredictor` on the heatmap.

        ``show_predicted_contacts(None)`` puts the 3D contacts back; so does a chain change.
        """
        if predictor is None:
            self.heatmap.set_overlay(None)
            return
        top = predictor.top_contacts(self.attention, k)
        self.heatmap.set_overlay(top, label=f"predicted contacts (top {int(top.sum()) // 2})")

    def save_figure(self, path: str | os.PathLike, *, top_k: int = 30) -> Path:
        """Write a static figure of the current head (matrix with contacts + strongest edges in 3D).

        The format follows the suffix: ``.png``, ``.svg`` or ``.pdf``.  Returns the path.
        """
        from ..figures import head_figure, save_figure

        fig = head_figure(self.attention, self.chain_obj, self.layer, self.head, top_k=top_k,
                          threshold=self.threshold, mode=self.mode)
        return save_figure(fig, path)

    def to_html(self, path: str | os.PathLike, *, title: str | None = None, heads: str = "all") -> Path:
        """Write a standalone, interactive HTML page of the current chain (no kernel, no network).

        One file with everything inlined (the bundled front-end with NGL, and the
        data), which opens from ``file://`` offline.  In the page, without
        Python: the layer, head, threshold and mode controls, the head grid
        (click a tile), the heatmap (hover, contact overlay, click to select,
        arrow keys), the sequence track, and the 3D view (rotate, zoom, the
        current head's edges and received attention; clicking an atom selects
        its residue) all work and stay linked, as in the notebook.  Changing the
        chain or the model needs the kernel.

        Parameters
        ----------
        path : path
            Where to write the page (folders are created).
        title : str, optional
            Page title; default e.g. ``"AntiBERTy attention · 1vfb_complex:B"``.
        heads : {"all", "layer", "current"}
            Which heads the page embeds: every head (default), the current
            layer's, or the current head only; the others cannot be chosen in the
            page.  Each head is an ``L x L`` uint8 matrix, compressed; the
            front-end is 1.4 MB of any page.  For AntiBERTy's 64 heads the page is
            2.1 MB at L = 116 and 6.8 MB at L = 500 (``"layer"``: 2.5 MB).  Longer
            chains (L > 256 with ``"all"``, L > 512 otherwise) embed each head
            block-max pooled plus its pairs >= 0.05 for the 3D edges, and the
            page's threshold starts at 0.05: 40 MB for 33 x 20 heads at
            L = 1,022.  See ``docs/standalone_html.md`` (what is lossy).

        Returns
        -------
        Path

        Raises
        ------
        StandalonePageError
            ``heads`` is not one of the three.
        OutputPathError
            ``path`` is a folder, lies under a file, or cannot be written.

        Warns
        -----
        UserWarning
            When the page is larger than 20 MB.
        """
        from .standalone import standalone_html

        from ..outputs import check_output_file, write_file_atomic

        path = check_output_file(path, "page")
        page = standalone_html(self, heads=heads, title=title).encode("utf-8")
        return write_file_atomic(path, lambda handle: handle.write(page), "page")


@contextlib.contextmanager
def _busy_note(text: str):
    """Show ``text`` in the running cell's output while the block runs (in IPython only)."""
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        yield
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        yield
        return
    note = (f'<div class="protattn-busy-note" style="color:#555;font-style:italic">{html.escape(text)}'
            "{bar}</div>")
    handle = display(HTML(note.replace("{bar}", "")), display_id=True)

    def progress(done: int, total: int) -> None:
        bar = f' <progress value="{done}" max="{total}"></progress> layer {done} of {total}'
        handle.update(HTML(note.replace("{bar}", bar)))

    try:
        yield progress
    finally:
        handle.update(HTML(""))


def _takes_progress(model) -> bool:
    """Whether ``model.attention`` accepts ``progress=`` (a ProteinLanguageModel does; a stand-in may not)."""
    import inspect

    try:
        return "progress" in inspect.signature(model.attention).parameters
    except (TypeError, ValueError):
        return False


def _interface_tracks(structure: Structure, chain_id: str) -> dict[str, object]:
    """The default tracks: an antibody chain's CDRs (IMGT), then its contacts with each other chain."""
    from ..antibody import cdr_tracks
    from ..atoms import chain_interfaces

    contacts = chain_interfaces(structure, chain_id)
    return {**cdr_tracks(structure[chain_id].sequence),
            **{f"contacts with chain {partner}": mask for partner, mask in contacts.items()}}


def _chain_list(structure: Structure) -> str:
    return ", ".join(f"{c.chain_id}: {len(c)} residues" for c in structure)
