"""From a dataset statistic to the proteins behind it: the dataset browser.

>>> result = analysis.analyze("antiberty", paw.antibody_dataset(), ["contact", "paratope"])
>>> browser = result.browse("contact")        # the dataset's head grid for contacts
>>> browser.layer, browser.head = 1, 6          # head 2-7: its proteins, most hits first
>>> browser.ranking[0]["protein"]               # e.g. "1vfb_complex:B"
>>> browser.protein = "1vfb_complex:B"          # the browser's AttentionExplorer shows it at head 2-7
>>> browser.explorer.layer, browser.explorer.head
(1, 6)

Three levels, each computed here from the analysis result (integer counts, no
model call) or the cache:

1. **Heads**: the dataset-level grid of one feature (``feature``): each head's
   share, its strong edges and the share's 95 % Clopper-Pearson interval, in
   the head grid's wire format (``_values``, ``_counts``, ``_ci``: float32 /
   uint32 per head), and each head's flags (``_flags``: ``"column; positional
   (+1); sink"``, :mod:`protattn_widgets.analysis.flags`).
2. **Proteins** of the chosen head (``layer``, ``head``): ``ranking``, one row
   per protein, most hits first (:meth:`~protattn_widgets.analysis.per_protein.ProteinCounts.ranking`):
   its hits, strong edges, share, part of the head's hits and most-attended residue.
3. **One protein** (``protein``): the browser's one :class:`~.explorer.AttentionExplorer`
   (:attr:`explorer`, made with the browser and shown inside it, first on the top
   head's first protein) switched to that protein at the chosen head
   (:meth:`~.explorer.AttentionExplorer.show_protein`), from the model's cache (the same
   kernel); choosing another head moves the explorer to it.  A click makes no new
   widget, so it works wherever the browser is shown (marimo makes no widget outside a
   running cell).

A protein's explorer needs its structure: proteins read from structure files
have it; proteins of a label file (sequence only) are listed but cannot be opened
(``ranking[i]["has_structure"]`` is False).  The explorer shows the whole chain;
the analysis may have read only its first ``max_length`` residues (``result.notes``).
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Mapping

import anywidget
from ipywidgets import widget_serialization
import numpy as np
from traitlets import Bytes, Dict, Float, Instance, Int, List, Unicode, observe, validate

from ..analysis.statistics import clopper_pearson
from ..errors import InvalidOptionError, LayerHeadIndexError
from ..head_statistics import flag_words_per_head
from ._base import STATIC
from .encoding import float32_bytes, uint32_bytes

__all__ = ["DatasetBrowser", "head_flags", "protein_ranking"]

#: Proteins listed per head at most (the table says how many more there are).
MAX_ROWS = 200


def head_flags(accumulator) -> list[str]:
    """Each head's flags in words, flat 0-based order (``layer * n_heads + head``), ``""`` for none."""
    return flag_words_per_head(accumulator)


def protein_ranking(accumulator, layer: int, head: int, *, openable: Iterable[str] = (),
                    max_rows: int = MAX_ROWS) -> list[dict]:
    """The proteins behind one head as JSON-ready rows, most hits first.

    Each row: ``rank`` (1-based), ``protein``, ``hits``, ``total`` (strong
    edges), ``share`` (``hits / total``, None without strong edges),
    ``hits_share`` (its part of the head's dataset hits), ``top_residue``,
    ``top_residue_edges``, ``has_structure`` (the protein is in ``openable``).
    Only proteins with strong edges in the head are listed, at most ``max_rows``.
    """
    table = accumulator.protein_counts.ranking((layer, head))
    table = table[table["total"] > 0].head(max_rows)
    openable = set(openable)
    rows = []
    for row in table.itertuples(index=False):
        rows.append({
            "rank": int(row.rank), "protein": str(row.protein), "hits": int(row.hits), "total": int(row.total),
            "share": _finite(row.share), "hits_share": _finite(row.hits_share),
            "top_residue": str(row.top_residue), "top_residue_edges": int(row.top_residue_edges),
            "has_structure": str(row.protein) in openable,
        })
    return rows


def _finite(value) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


class DatasetBrowser(anywidget.AnyWidget):
    """The dataset's head grid for one feature, the proteins behind a head, and one protein's explorer.

    Parameters
    ----------
    result : AnalysisResult
        What :func:`~protattn_widgets.analysis.analyze` returned (or ``AnalysisResult.load``).
    feature : str, optional
        A feature of ``result`` (``"contact"``, ``"binding_site"``, ``"amino_acid:C"``); default the first.
    model : ProteinLanguageModel or str, optional
        Opens the proteins' explorers; default the model the analysis ran (kept on the result
        in this session), else ``load_model(result.model_name)`` when a protein is first opened.
    dataset : iterable of ProteinRecord or path(s), optional
        Where the proteins' structures come from; default the records the analysis read (kept
        on the result in this session).
    layer, head : int, optional
        0-based head chosen first; default the feature's top head.

    Attributes
    ----------
    result : AnalysisResult
    explorer : AttentionExplorer or None
        The browser's explorer, showing the chosen protein (None when no protein can be opened).
        Its head grid ranks heads by the analysis's ``min_total``, as the browser's grid does.
    records : dict of str -> ProteinRecord
        The proteins that can be opened, by id.
    last_error : Exception or None
        Why the last protein chosen in the page could not be opened (the page's status line says it;
        a click has no Python caller to raise to).

    Raises
    ------
    InvalidOptionError
        ``feature`` is not in the result, or the result kept no per-protein counts (saved
        before they existed).
    """

    _esm = STATIC / "widget.js"  # js/dataset_browser.js, in the module that carries the explorer's front-end
    _protattn_view = Unicode("browser").tag(sync=True)
    feature = Unicode("").tag(sync=True)
    features = List(Unicode()).tag(sync=True)
    model_name = Unicode("").tag(sync=True)
    n_layers = Int(1).tag(sync=True)
    n_heads = Int(1).tag(sync=True)
    layer = Int(0).tag(sync=True)
    head = Int(0).tag(sync=True)
    threshold = Float(0.3).tag(sync=True)
    min_total = Int(0).tag(sync=True)
    n_proteins = Int(0).tag(sync=True)
    # The head grid's wire format (js/head_grid.js): share, strong edges, CI lows then highs.
    _values = Bytes(b"").tag(sync=True)
    _counts = Bytes(b"").tag(sync=True)
    _ci = Bytes(b"").tag(sync=True)
    _flags = List(Unicode()).tag(sync=True)
    value_format = Unicode("percent").tag(sync=True)
    statistic_name = Unicode("").tag(sync=True)
    caption = Unicode("").tag(sync=True)
    background = Float(0.0).tag(sync=True)
    ranking = List(Dict()).tag(sync=True)
    ranking_note = Unicode("").tag(sync=True)
    protein = Unicode("").tag(sync=True)
    _status = Unicode("").tag(sync=True)
    explorer = Instance("protattn_widgets.widgets.explorer.AttentionExplorer", allow_none=True).tag(
        sync=True, **widget_serialization)

    def __init__(self, result, feature: str | None = None, *, model: Any = None, dataset: Any = None,
                 layer: int | None = None, head: int | None = None, **kwargs: Any) -> None:
        features = list(result.features)
        feature = features[0] if feature is None else self._check_feature(result, feature)
        self.result = result
        self._model = model if model is not None else getattr(result, "model", None)
        self.records = _records_by_id(dataset if dataset is not None else getattr(result, "records", None))
        self.explorer = None
        self.last_error: Exception | None = None
        super().__init__(features=features, model_name=result.model_name, n_layers=result.n_layers,
                         n_heads=result.n_heads, threshold=result.threshold,
                         min_total=max(result.min_total, 1), n_proteins=result.proteins, **kwargs)
        with self.hold_sync():
            self.feature = feature
            if layer is not None or head is not None:
                self.layer, self.head = self._check_head(0 if layer is None else layer, 0 if head is None else head)
            self._send_ranking()
        first = next((row["protein"] for row in self.ranking if row["has_structure"]), next(iter(self.records), ""))
        if first:
            self.protein = first  # the one explorer, made now (in the cell that shows the browser)

    # -- the feature's grid ------------------------------------------------------------------

    @staticmethod
    def _check_feature(result, feature: str) -> str:
        try:
            return next(f for f in result.features if result[feature] is result[f])
        except KeyError:
            raise InvalidOptionError(f"no feature {feature!r} in this result; features: "
                                     f"{', '.join(result.features)}") from None

    @validate("feature")
    def _valid_feature(self, proposal):
        feature = self._check_feature(self.result, proposal.value)
        if len(self.result[feature].protein_counts) == 0 and self.result[feature].proteins:
            raise InvalidOptionError(f"this result kept no per-protein counts for {feature!r} (saved before they "
                                     "existed): run the analysis again to browse its proteins")
        return feature

    @property
    def accumulator(self):
        """The chosen feature's :class:`~protattn_widgets.analysis.accumulator.PropertyAccumulator`."""
        return self.result[self.feature]

    @observe("feature")
    def _on_feature(self, change) -> None:
        from ..analysis.report import feature_title

        acc = self.accumulator
        share = acc.share
        low, high = clopper_pearson(acc.hits, acc.total)
        top = acc.top_heads(1)
        with self.hold_sync():
            self._values = float32_bytes(share)
            self._counts = uint32_bytes(np.minimum(acc.total, np.iinfo(np.uint32).max))
            self._ci = float32_bytes(np.concatenate([low.ravel(), high.ravel()]))
            self._flags = head_flags(acc)
            self.background = float(acc.background) if np.isfinite(acc.background) else 0.0
            self.statistic_name = f"share of strong attention on {feature_title(self.feature)}"
            self.caption = (f"{self.statistic_name} \u2265 {self.threshold:g} over {acc.proteins} proteins "
                            f"(background {acc.background:.1%})")
            if len(top):
                self.layer, self.head = int(top["layer_index"].iloc[0]), int(top["head_index"].iloc[0])
            self._send_ranking()

    @property
    def share(self) -> np.ma.MaskedArray:
        """The grid's values: the feature's share per head, ``(n_layers, n_heads)``, masked under ``min_total``."""
        return self.accumulator.share

    @property
    def flags(self) -> np.ndarray:
        """The grid's flags in words, str (object) ``(n_layers, n_heads)``."""
        return np.asarray(self._flags, dtype=object).reshape(self.n_layers, self.n_heads)

    # -- the chosen head's proteins ------------------------------------------------------------

    def _check_head(self, layer: int, head: int) -> tuple[int, int]:
        for value, size, what in ((layer, self.n_layers, "layer"), (head, self.n_heads, "head")):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < size:
                raise LayerHeadIndexError(f"{what} must be a 0-based index in [0, {size}), got {value!r} "
                                          f"(labels shown to people are 1..{size})")
        return int(layer), int(head)

    @validate("layer")
    def _valid_layer(self, proposal):
        return self._check_head(proposal.value, 0)[0]

    @validate("head")
    def _valid_head(self, proposal):
        return self._check_head(0, proposal.value)[1]

    @observe("layer", "head")
    def _on_head(self, change) -> None:
        if not self.feature:
            return
        self._send_ranking()
        if self.explorer is not None:
            self.explorer.layer, self.explorer.head = self.layer, self.head

    def _send_ranking(self) -> None:
        acc = self.accumulator
        rows = protein_ranking(acc, self.layer, self.head, openable=self.records)
        listed = int((acc.protein_counts.total[:, self.layer, self.head] > 0).sum()) if len(acc.protein_counts) else 0
        self.ranking = rows
        self.ranking_note = (f"{listed} of {acc.proteins} proteins have strong edges in head "
                             f"{self.layer + 1}-{self.head + 1}" + (f"; the first {len(rows)} shown" if listed > len(rows)
                                                                     else ""))

    def rank_proteins(self, k: int | None = None):
        """The chosen head's proteins as a DataFrame (:meth:`PropertyAccumulator.rank_proteins`)."""
        return self.accumulator.rank_proteins((self.layer, self.head), k)

    # -- one protein -------------------------------------------------------------------------------

    @validate("protein")
    def _valid_protein(self, proposal):
        if proposal.value and proposal.value not in self.records:
            raise self._cannot_open(proposal.value)
        return proposal.value

    def _cannot_open(self, protein: str) -> InvalidOptionError:
        known = [row["protein"] for row in self.ranking if row["has_structure"]][:5]
        why = ("it has no structure in the dataset the browser was given"
               if protein in self.accumulator.protein_counts.proteins else "it is not in this result")
        hint = (f"; proteins that can: {', '.join(known)}" if known else
                "; pass dataset= (the records or structure files the analysis read) to open proteins")
        return InvalidOptionError(f"protein {protein!r} cannot be opened: {why}{hint}")

    @observe("protein")
    def _on_protein(self, change) -> None:
        if not change["new"]:
            return  # the page hides the explorer; it stays for the next protein
        self._status = f"opening {change['new']} ..."
        try:
            if self.explorer is None:
                self.explorer = self.explorer_of(change["new"])
            else:
                record = self.records[change["new"]]
                self.explorer.show_protein(record.structure, record.chain.chain_id, layer=self.layer, head=self.head)
        except Exception as error:  # shown in the page; the Python caller sees it too
            self.last_error = error  # a page click's exception has no caller: keep it for the user
            self._status = (f"could not open {change['new']} from this page ({type(error).__name__}"
                            + (f": {error}" if str(error) else "") + f"); in a cell: browser.explorer_of({change['new']!r})")
            raise
        self._status = ""

    def explorer_of(self, protein: str, layer: int | None = None, head: int | None = None):
        """A new :class:`~.explorer.AttentionExplorer` of ``protein`` at the chosen head (or ``layer``/``head``),
        ranking heads by the analysis's ``min_total`` (the browser's own explorer is not touched).

        Its attention comes from the model's cache: a protein opened before costs no model run.
        """
        from .explorer import AttentionExplorer

        record = self.records.get(protein)
        if record is None:
            raise self._cannot_open(protein)
        layer, head = self._check_head(self.layer if layer is None else layer, self.head if head is None else head)
        return AttentionExplorer(record.structure, self.model, chain=record.chain.chain_id, layer=layer, head=head,
                                 threshold=self.threshold, min_total=self.min_total)

    def to_html(self, path, *, heads: str = "all", top_k: int = 10, title: str | None = None,
                progress: bool = False):
        """Write a standalone page of this browser (no kernel, no network): grid, ranked proteins and each
        protein's explorer (``heads``: ``"all"``, or ``"top"``, the ``top_k`` heads of each feature).

        Returns the :class:`~.browser_page.BrowserPage` written (``.describe()``: size and contents).
        See :mod:`protattn_widgets.widgets.browser_page`.
        """
        from ..outputs import check_output_file, write_file_atomic

        path = check_output_file(path, "page")
        page = self.page(heads=heads, top_k=top_k, title=title, progress=progress)
        data = page.text.encode("utf-8")
        write_file_atomic(path, lambda handle: handle.write(data), "page")
        return page

    def page(self, *, heads: str = "all", top_k: int = 10, title: str | None = None, progress: bool = False):
        """The standalone page :meth:`to_html` writes, in memory (a :class:`~.browser_page.BrowserPage`)."""
        from .browser_page import browser_page

        return browser_page(self, heads=heads, top_k=top_k, title=title, progress=progress)

    @property
    def model(self):
        """The model that opens explorers (loaded on first use when only its name is known)."""
        if self._model is None or isinstance(self._model, (str, os.PathLike)):
            from ..models import load_model

            self._model = load_model(self._model or self.result.model_name)
        return self._model

    def close(self) -> None:
        """Close the browser and its explorer."""
        if self.explorer is not None:
            self.explorer.close()
            self.explorer = None
        super().close()

    def __repr__(self) -> str:
        return (f"DatasetBrowser({self.model_name}, {self.feature!r}, {self.n_proteins} proteins, "
                f"head {self.layer + 1}-{self.head + 1}" + (f", {self.protein}" if self.protein else "") + ")")


def _records_by_id(dataset) -> dict:
    """``{id: record}`` of the records that have a structure and a chain (those an explorer can open)."""
    if dataset is None:
        return {}
    if isinstance(dataset, Mapping):
        dataset = dataset.values()
    elif isinstance(dataset, (str, os.PathLike)) or (
            isinstance(dataset, (list, tuple)) and dataset and isinstance(dataset[0], (str, os.PathLike))):
        from ..analysis.datasets import load_dataset

        dataset = load_dataset(dataset)
    return {record.id: record for record in dataset
            if getattr(record, "structure", None) is not None and getattr(record, "chain", None) is not None}
