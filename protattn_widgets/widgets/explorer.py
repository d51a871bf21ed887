"""The linked explorer: 3D structure, head grid, heatmap, sequence track and controls.

>>> import protattn_widgets as paw
>>> ex = paw.AttentionExplorer(paw.example_path("1vfb_complex"), model="antiberty", chain="B")
>>> ex                                   # shows the linked explorer (any anywidget host)
>>> ex.layer, ex.head = 5, 2             # traitlets, two-way with the page's controls
>>> ex.save_figure("fig.svg")            # static figure of the current state
>>> ex.to_html("explorer.html")          # standalone page, opens without a kernel

One widget, one front-end
-------------------------
:class:`AttentionExplorer` is ONE anywidget.  Its ES module (``js/explorer.js``, bundled
with NGL 2.5 into ``static/widget.js``) lays out the controls, the 3D view, the heatmap,
the head grid and the sequence track; the standalone page (:meth:`to_html`) runs the same
module on the page's embedded data.  See ``docs/frontend.md``.

The explorer's traits ``layer``, ``head``, ``threshold``, ``mode``,
``selected_residue`` and ``chain`` are the single source of truth, synced both ways
with the page.  What the views draw is computed here, from the cached
:class:`~protattn_widgets.Attention` (no model call), by the explorer's parts
(:attr:`heatmap`, :attr:`grid`, :attr:`sequence`, :attr:`structure_view`: the views'
computations without their widgets), whose synced traits the explorer syncs as its own
``_<part>_<trait>`` (e.g. ``_heatmap__matrix``).  A change of head is one message.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import mimetypes
import os
import re
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from traitlets import Any as AnyTrait, Dict, Float, HasTraits, Int, List, TraitError, Unicode, observe, validate

from ..attention import Attention, check_threshold
from ..definitions import MIN_STRONG_EDGES
from ..errors import OutOfDomainWarning, ProtAttnError, SequenceTooLongError
from ..models.domain import warn_out_of_domain
from ..structures import Chain, Structure, load_structure
from ._base import DEFAULT_THRESHOLD, STATIC, SyncedWidget
from ._checks import EdgeModeTrait, SharedStateChecks, check_mode
from .grid_counts import check_min_total, model_float32_source, pairs_at_least
from .head_grid import HeadGridData
from .heatmap import HeatmapData
from .sequence_track import SequenceTrackData
from .structure_view import StructureData, chain_names, format_threshold

__all__ = ["AttentionExplorer", "OutOfDomainWarning"]

#: The shared state: two-way with the page, the same on every part.
STATE = ("layer", "head", "threshold", "mode", "selected_residue")
#: Read by every view from the explorer itself (js/explorer.js SHARED).
SHARED_READ = ("n_layers", "n_heads", "residue_ids", "residue_names", "chain_id")
#: The parts and the classes computing them; their synced traits are the explorer's ``_<key>_<name>``.
PARTS = {"heatmap": HeatmapData, "grid": HeadGridData, "sequence": SequenceTrackData, "structure": StructureData}
#: Part traits the page writes (zoom, overlay checkbox, the 3D buttons): they flow back to the part.
FROM_PAGE = {"heatmap": ("zoom", "show_contacts", "kind"), "grid": ("statistic_choice",),
             "structure": ("focus", "show_label")}
#: In a Jupyter kernel, state changes are pushed to the views this long after the first of a burst
#: (the kernel handles page changes queued meanwhile first: the latest wins); well under a frame.
COALESCE_S = 0.005
#: Heatmap side in CSS px: 3D view, heatmap and grid side by side in a laptop's notebook column.
HEATMAP_SIZE = 380


def part_traits(cls) -> list[str]:
    """The synced traits of a part class that the explorer syncs as ``_<key>_<name>``."""
    return sorted(n for n in cls.class_trait_names(sync=True) if n not in STATE + SHARED_READ)


# The explorer's copies of its parts' traits, declared once (a class built from PARTS).
_PartTraits = type("_PartTraits", (HasTraits,), {
    f"_{key}_{name}": AnyTrait(None, allow_none=True).tag(sync=True)
    for key, cls in PARTS.items() for name in part_traits(cls)})


class _Part:
    """An explorer part (``ex.heatmap``, ``ex.grid``, ...), read through the explorer: state changes
    not yet pushed to the parts (a burst being coalesced, see :meth:`AttentionExplorer._flush`) are
    pushed first, so what Python reads is always the current state's."""

    def __set_name__(self, owner, name: str) -> None:
        self.slot = f"_part_{name}"

    def __get__(self, obj, cls=None):
        if obj is None:
            return self
        obj._flush()
        return obj.__dict__.get(self.slot)

    def __set__(self, obj, value) -> None:
        obj.__dict__[self.slot] = value


def _kernel_loop():
    """The running event loop of the Jupyter kernel executing this code, else ``None`` (plain
    Python, another thread, hosts without an IPython kernel such as marimo)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return loop if getattr(shell, "kernel", None) is not None else None


class AttentionExplorer(SharedStateChecks, _PartTraits, SyncedWidget):
    """All views of one structure's attention, linked, as one anywidget.

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
        Heads with fewer strong edges are not ranked: no value in the head grid
        (default :data:`~protattn_widgets.definitions.MIN_STRONG_EDGES`).
    structure_view : bool
        Include the 3D view; ``False`` leaves it out.
    export_dir : path
        Where the page's PNG / SVG / PDF / HTML and "Save 3D" buttons write their files
        (default: the working directory); the page also downloads each file.

    Attributes
    ----------
    structure : Structure
    model : ProteinLanguageModel
    attention : Attention
        Of the current chain, from the model's cache.
    heatmap, grid, sequence, structure_view
        The parts: :class:`HeatmapData`, :class:`HeadGridData`, :class:`SequenceTrackData`,
        :class:`StructureData` (None without the 3D view).

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
        model; setting such a value later raises the same and changes nothing.

    Warns
    -----
    OutOfDomainWarning
        An antibody model (AntiBERTy) on a chain that does not look like an antibody chain.
    """

    _esm = STATIC / "widget.js"
    _protattn_view = Unicode("explorer").tag(sync=True)
    layer = Int(0).tag(sync=True)
    head = Int(0).tag(sync=True)
    threshold = Float(DEFAULT_THRESHOLD).tag(sync=True)
    mode = EdgeModeTrait("max").tag(sync=True)
    selected_residue = Int(None, allow_none=True).tag(sync=True)
    chain = Unicode("").tag(sync=True)
    n_layers = Int(1).tag(sync=True)
    n_heads = Int(1).tag(sync=True)
    residue_ids = List(Unicode()).tag(sync=True)
    residue_names = List(Unicode()).tag(sync=True)
    chain_id = Unicode("").tag(sync=True)
    _chains = List(Dict()).tag(sync=True)
    _status = Dict().tag(sync=True)
    _exports = List(Unicode(), default_value=["png", "svg", "pdf", "html"]).tag(sync=True)
    _threshold_min = Float(0.0).tag(sync=True)
    _export_stem = Unicode("").tag(sync=True)
    heatmap = _Part()
    grid = _Part()
    sequence = _Part()
    structure_view = _Part()

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
        self._next_attention: Attention | None = None
        self.export_dir = Path(export_dir)
        self.grid = HeadGridData(attention, chain_obj, min_total=min_total, layer=layer, head=head,
                                 threshold=threshold, mode=mode,
                                 float32_source=model_float32_source(model))
        if pick_best:
            layer, head = self._default_head(attention, threshold, mode)
        shared = dict(layer=layer, head=head, threshold=threshold, mode=mode)
        self.grid.layer, self.grid.head = layer, head
        self.heatmap = HeatmapData(attention, chain_obj, size=HEATMAP_SIZE, **shared)
        self._interface_tracks = annotations is None
        if self._interface_tracks:
            annotations = _interface_tracks(structure, chain_id)
        self.sequence = SequenceTrackData(attention, chain_obj, annotations=annotations, **shared)
        self.structure_view = StructureData(structure, attention, **shared) if structure_view else None
        super().__init__(**kwargs)
        with self.hold_sync():
            self.layer, self.head, self.threshold, self.mode = layer, head, threshold, mode
            self.chain = chain_id
            names = chain_names(structure)
            self._chains = [{"id": c, "label": f"{c}: {names[c]}"} for c in structure.chain_ids]
            self._sync_read()
            for key, part in self._parts().items():
                for name in part_traits(type(part)):
                    setattr(self, f"_{key}_{name}", getattr(part, name))
                part.observe(self._mirror_part(key), names=part_traits(type(part)))
        self.on_msg(self._on_message)
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

    def _parts(self) -> dict:
        slots = {"heatmap": "heatmap", "grid": "grid", "sequence": "sequence", "structure": "structure_view"}
        parts = {key: self.__dict__.get(f"_part_{slot}") for key, slot in slots.items()}  # as they are: no flush
        return {key: part for key, part in parts.items() if part is not None}

    def _sync_read(self) -> None:
        for name in SHARED_READ:
            setattr(self, name, getattr(self.heatmap, name))
        self._export_stem = self.export_name("png").stem.rsplit("_", 1)[0]

    def _mirror_part(self, key: str):
        def mirror(change) -> None:
            setattr(self, f"_{key}_{change['name']}", change["new"])
        return mirror

    # -- the shared state: explorer -> parts, in one message ---------------------------------
    #
    # In a Jupyter kernel a change of the state is pushed to the parts (which compute what is
    # drawn) by the kernel's event loop COALESCE_S later, once for however many changes arrived
    # meanwhile (the latest wins): a cell changing ``ex.head`` 200 times computes and sends one
    # head (after the cell), and page changes that queue up (a held key, a drag) are pushed together.  The state traits
    # wait for their data, so the page still gets both in one message.  Reading a part
    # (``ex.heatmap``, ...) or the widget's state pushes the pending change first.  Outside a
    # kernel's event loop (plain Python, marimo) every change is pushed at once.

    #: Coalesce state changes in a Jupyter kernel (above); ``False`` pushes each at once (for comparisons).
    coalesce_changes = True

    def notify_change(self, change) -> None:
        if (change.get("name") in STATE and getattr(self, "_live", False) and not self._flushing
                and self.coalesce_changes):
            loop = _kernel_loop()
            if loop is not None:
                self._stale = True
                if not self._flush_scheduled:
                    self._flush_scheduled = True
                    loop.call_later(COALESCE_S, self._scheduled_flush)
        super().notify_change(change)

    _stale = False  # state changed, parts not yet told
    _flushing = False
    _flush_scheduled = False

    def _should_send_property(self, key, value) -> bool:
        send = super()._should_send_property(key, value)
        if key in STATE and self._stale and not self._flushing:  # sent with its data by _flush
            if send or key in self._states_to_send:
                self._states_to_send.discard(key)
                self.__dict__.setdefault("_unsent", set()).add(key)
            return False
        return send

    @observe(*STATE)
    def _on_state(self, change) -> None:
        if self._live and not self._stale:
            self._push_state()

    def _scheduled_flush(self) -> None:
        self._flush_scheduled = False
        self._flush()

    def _flush(self) -> None:
        """Push a pending state change to the parts and send it with its data (one message)."""
        if not self._stale or self._flushing:
            return
        self._flushing = True
        try:
            self._stale = False
            with self.hold_sync():
                self._states_to_send.update(self.__dict__.pop("_unsent", ()))
                self._push_state()
        finally:
            self._flushing = False

    def _push_state(self) -> None:
        with self.hold_sync():
            for part in self._parts().values():
                with part.hold_trait_notifications():
                    for name in STATE:
                        setattr(part, name, getattr(self, name))

    def get_state(self, key=None, drop_defaults=False):
        if key is None:  # the whole state (a page opening or asking again): the current one
            self._flush()
        return super().get_state(key=key, drop_defaults=drop_defaults)

    @observe(*(f"_{key}_{name}" for key, names in FROM_PAGE.items() for name in names))
    def _on_page_part_trait(self, change) -> None:
        if not self._live:
            return
        key, name = change["name"][1:].split("_", 1)
        part = self._parts().get(key)
        if part is not None and change["new"] is not None:
            if name == "statistic_choice":
                self._prepare_statistic(change["new"])
            setattr(part, name, change["new"])

    def _prepare_statistic(self, name: str) -> None:
        """The entropy colouring reads every head once per chain: show its progress, layer by layer."""
        if name != "entropy" or getattr(self.attention, "_entropy", None) is not None:
            return
        from ..head_statistics import attention_entropy

        self._status = {"text": "computing each head's attention entropy ...", "kind": "busy"}
        try:
            attention_entropy(self.attention, progress=self._show_progress)
        finally:
            self._status = {}

    # -- changing chain -----------------------------------------------------------------------

    @validate("chain")
    def _valid_chain(self, proposal):
        chain_id = proposal.value
        chain_obj = self.structure[chain_id]  # raises ChainNotFoundError with the list of chains
        if getattr(self, "_live", False):
            # Fetch (cached) now, so that a chain the model cannot take leaves everything as it was.
            self._next_attention = self._attention_of(self.model, chain_obj, self.structure, self._show_progress)
        return chain_id

    @observe("chain")
    def _on_chain(self, change) -> None:
        if not self._live:
            return
        attention, self._next_attention = self._next_attention, None
        chain_obj = self.structure[change["new"]]
        with self.hold_sync():
            self.attention = attention
            self.selected_residue = None
            for part in (self.grid, self.heatmap, self.sequence):
                part.set_attention(attention, chain_obj)
            if self.structure_view is not None:
                self.structure_view.set_attention(attention)
            if self._interface_tracks:
                self.sequence.set_annotations(_interface_tracks(self.structure, change["new"]))
            self._sync_read()

    # -- changing structure -------------------------------------------------------------------

    def show_protein(self, structure: Structure | str | os.PathLike, chain: str | None = None, *,
                     layer: int | None = None, head: int | None = None) -> None:
        """Show another structure's chain in this explorer (same model), at ``layer``/``head``.

        The explorer stays the same widget (the dataset browser switches its one explorer this
        way, which works in marimo too): every view is redrawn for the new chain, the 3D view
        loads the new structure.  The attention comes from the model's cache (a chain seen
        before runs no model).  The threshold, mode, heatmap kind and grid colouring are kept;
        the selection is cleared.

        Parameters
        ----------
        structure : Structure, path, PDB file text or PDB id
        chain : str, optional
            Default: the first protein chain.
        layer, head : int, optional
            0-based head; default the head shown now.

        Raises
        ------
        ChainNotFoundError, StructureError, SequenceTooLongError, LayerHeadIndexError
            Nothing changes (the status line says why).
        """
        if not isinstance(structure, Structure):
            structure = load_structure(structure)
        chain_id = structure.chain_ids[0] if chain is None else chain
        chain_obj = structure[chain_id]  # ChainNotFoundError lists the protein chains
        self._status = {"text": f"computing attention for {structure.name}:{chain_id} ...", "kind": "busy"}
        try:
            attention = self._attention_of(self.model, chain_obj, structure, self._show_progress)
            layer, head = attention.check_head(self.layer if layer is None else layer,
                                               self.head if head is None else head)
        except ProtAttnError as error:
            self._status = {"text": str(error), "kind": "error"}
            raise
        with self.hold_sync():
            self._live = False  # the parts are switched here, not by the trait observers
            try:
                self.structure, self.attention = structure, attention
                self.chain = chain_id
                self.selected_residue = None
                self.layer, self.head = layer, head
                for part in (self.grid, self.heatmap, self.sequence):
                    part.set_attention(attention, chain_obj)
                    part.layer, part.head = layer, head
                if self.structure_view is not None:
                    self.structure_view.layer, self.structure_view.head = layer, head
                    self.structure_view.set_structure(structure, attention)
                if self._interface_tracks:
                    self.sequence.set_annotations(_interface_tracks(structure, chain_id))
                names = chain_names(structure)
                self._chains = [{"id": c, "label": f"{c}: {names[c]}"} for c in structure.chain_ids]
                self._sync_read()
            finally:
                self._live = True
            self._status = {}

    def set_state(self, sync_data) -> None:
        """Changes from the page; a chain switch shows its progress and, if it fails, says why."""
        sync_data = dict(sync_data)
        chain = sync_data.pop("chain", None)
        if sync_data:
            traits = self.traits()
            try:  # every value checked before any is set: all or nothing
                for name, value in sync_data.items():
                    if name in STATE:
                        traits[name]._validate(self, value)
            except (ProtAttnError, TraitError, IndexError) as error:
                # A value the kernel refuses changes nothing, and the page shows the kernel's values again.
                self._status = {"text": str(error), "kind": "error"}
                self.send_state([name for name in sync_data if name in self.keys])
                return
            super().set_state(sync_data)
            if self._status.get("kind") == "error":
                self._status = {}
        if chain is not None and chain != self.chain:
            self._chain_from_page(chain)

    def _chain_from_page(self, chain_id: str) -> None:
        self._status = {"text": f"computing attention for chain {chain_id} ...", "kind": "busy"}
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", OutOfDomainWarning)
                self.chain = chain_id
        except ProtAttnError as error:  # shown in the explorer; the page's menu goes back
            self._status = {"text": str(error), "kind": "error"}
            self.send_state("chain")
            return
        note = " ".join(str(w.message) for w in caught if issubclass(w.category, OutOfDomainWarning))
        self._status = {"text": note, "kind": "warning"} if note else {}

    def _show_progress(self, done: int, total: int) -> None:
        """Progress beside the busy note while the model runs, layer by layer."""
        if not self.busy:
            return
        note = self._status.get("text", "").split(" (layer ", 1)[0]
        self._status = {"text": f"{note} (layer {done} of {total})", "kind": "busy", "done": done, "total": total}

    @property
    def busy(self) -> bool:
        """True while the views show stale data (a chain switch is being computed)."""
        return self._status.get("kind") == "busy"

    @property
    def status(self) -> str:
        """The explorer's status line (busy note, error, warning, last export), or ``""``."""
        return self._status.get("text", "")

    # -- exports: the page asks, the kernel writes the file and sends it back ------------------

    @property
    def grid_statistic(self) -> str:
        """What colours the head grid (a key of :data:`~protattn_widgets.head_statistics.GRID_STATISTICS`:
        ``"contact_share"``, ``"attention_to_residue"``, ``"special_token_mass"``, ``"mean_separation"``,
        ``"entropy"``); set it here or with the page's menu."""
        return self.grid.statistic_choice

    @grid_statistic.setter
    def grid_statistic(self, value: str) -> None:
        if value in self.grid._choices:
            self._prepare_statistic(value)
        self.grid.statistic_choice = value

    @property
    def heatmap_kind(self) -> str:
        """``"raw"`` attention or ``"apc"`` (symmetrised, APC-corrected) in the heatmap; set it here or in the page."""
        return self.heatmap.kind

    @heatmap_kind.setter
    def heatmap_kind(self, value: str) -> None:
        self.heatmap.kind = value

    def export_name(self, fmt: str) -> Path:
        """Where the ``fmt`` button writes: e.g. ``export_dir/1vfb_complex_B_4-6.png``."""
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{self.structure.name}_{self.chain}")
        if fmt != "html":
            stem += f"_{self.attention.label(self.layer, self.head)}"
        return self.export_dir / f"{stem}.{fmt}"

    def _export(self, fmt: str) -> Path | None:
        """Write the ``fmt`` export (as the page's button does); send it to the page to download."""
        if fmt not in self._exports:
            self.send({"type": "export", "error": f"unknown export format {fmt!r}"})
            return None
        path = self.export_name(fmt)
        self._status = {"text": f"writing {path.name} ...", "kind": "busy"}
        try:
            written = self.to_html(path) if fmt == "html" else self.save_figure(path)
            data = written.read_bytes()
        except (ProtAttnError, OSError) as error:
            self._status = {"text": str(error), "kind": "error"}
            self.send({"type": "export", "error": str(error)})
            return None
        self._status = {"text": f"saved {written}", "kind": ""}
        self.send({"type": "export", "format": fmt, "name": written.name, "saved": str(written),
                   "mime": mimetypes.guess_type(written.name)[0] or "application/octet-stream"}, buffers=[data])
        return written

    def _save_3d(self, name: str, data: bytes) -> Path | None:
        """Write the page's "Save 3D" PNG into ``export_dir``."""
        from ..outputs import write_file_atomic

        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(str(name)).name) or "structure_3d.png"
        if not data.startswith(b"\x89PNG\r\n\x1a\n"):
            self._status = {"text": "Save 3D: the page sent something that is not a PNG", "kind": "error"}
            return None
        try:
            self.export_dir.mkdir(parents=True, exist_ok=True)
            path = write_file_atomic(self.export_dir / safe, lambda handle: handle.write(data), "image")
        except (ProtAttnError, OSError) as error:
            self._status = {"text": str(error), "kind": "error"}
            return None
        self._status = {"text": f"saved {path}", "kind": ""}
        return path

    def _on_message(self, widget, content, buffers) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "export":
            self._export(str(content.get("format", "")))
        elif kind == "save-3d" and buffers:
            self._save_3d(content.get("name", ""), bytes(buffers[0]))
        elif kind == "recount":
            self.recount_grid_exactly()

    def recount_grid_exactly(self) -> None:
        """The head grid's "recount exactly" button: exact counts where they are approximate (float16
        attention below the strong-pair floor), from ONE float32 forward pass of the model (see
        :meth:`.head_grid.HeadGridData.recount_exactly`).  A threshold change never runs the model."""
        if not self.grid.recount_available:
            return
        self._status = {"text": "recounting the head grid from the model's float32 attention ...", "kind": "busy"}
        try:
            self.grid.recount_exactly()
        except ProtAttnError as error:
            self._status = {"text": str(error), "kind": "error"}
            return
        self._status = {}

    # -- convenience ------------------------------------------------------------------------

    @property
    def chain_obj(self) -> Chain:
        """The :class:`Chain` explored now."""
        return self.structure[self.chain]

    def __repr__(self) -> str:
        return (f"AttentionExplorer({self.structure.name}:{self.chain}, {self.attention.model_name}, "
                f"head {self.attention.label(self.layer, self.head)}, threshold={format_threshold(self.threshold)}, "
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
            page's threshold starts at 0.05: 37.5 MB for 33 x 20 heads at
            L = 1,022.  A page that would pass 40 MB is pooled coarser until it
            fits (the warning says so).  See ``docs/standalone_html.md`` (what is
            lossy).

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
            When the page is larger than 20 MB (and when it was pooled coarser to stay under 40 MB).
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
