"""A standalone HTML page of a :class:`~.dataset_browser.DatasetBrowser`: one file, no kernel, no network.

``protattn analyze ... --browse`` writes it into the report folder as ``browser.html``;
:meth:`DatasetBrowser.to_html` writes it from Python.  The page runs the notebook
browser's own front-end (``js/dataset_browser.js``: head grid, ranked proteins, the
protein's explorer drawn by ``js/explorer.js``) on in-page models; ``js/browser_page.js``
(bundled into ``static/standalone.js``, the explorer page's script) plays the kernel's part
from the data embedded here:

1. **Heads**, per feature: the head grid's arrays exactly as the browser widget syncs
   them (share, strong edges, 95 % CI, flags, caption), and the feature's top head.
2. **Proteins**, per feature: each protein's ``hits``, ``total`` (strong edges),
   ``top_edges`` and most-attended residue per head (the analysis' integer counts,
   :class:`~protattn_widgets.analysis.per_protein.ProteinCounts`); the page ranks them
   for the clicked head by the rule of :meth:`ProteinCounts.ranking` (most hits, then
   share, then input order).
3. **One protein's explorer**: per openable protein, the data of its standalone explorer
   page (:func:`~.standalone.page_data`, the heads chosen by ``heads``), in its own
   ``<script type="application/json" id="protattn-protein-<k>">`` that the page reads
   when the protein is clicked.  Each structure's text is stored once (two chains of a
   complex share it), compressed in the main blob.

What a reader can reach without a kernel is what is embedded: with ``heads="all"``
(default) every head of every protein with a structure; with ``heads="top"`` only the
top ``top_k`` heads of each feature (the rows of ``top_heads.csv``), which keeps pages
of big models small; the explorer then refuses other heads and says so.  Sizes (the
front-end is 1.4 MB of any page; each explorer shows its whole chain): on the bundled
antibody set (36 chains, AntiBERTy 8 x 8, 107-457 residues) 43.8 MB with every head,
16.3 MB with ``heads="top"`` (17 heads), measured by ``bench/bench_browser_page.py``
(``bench/results_browser_page.md``).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import StandalonePageError
from ..errors import warn as warn_user
from ..jsonable import finite_or_none
from .standalone import _Blob, html_page, page_data, read_page_json

if TYPE_CHECKING:  # pragma: no cover
    from .dataset_browser import DatasetBrowser

__all__ = ["BrowserPage", "browser_page", "browser_page_data", "read_browser_data", "BROWSER_HEADS",
           "LARGE_BROWSER_BYTES"]

#: Which heads each protein's explorer embeds: every head, or the top heads of each feature.
BROWSER_HEADS = ("all", "top")
#: Pages larger than this (bytes) are written with a warning that names ``heads="top"``.
LARGE_BROWSER_BYTES = 200_000_000
FORMAT = "protattn-dataset-browser"
VERSION = 1
#: The structure's text in each explorer's traits: stored once per structure in the main blob.
_STRUCTURE_TRAIT = "_structure__pa_structure"
_DATA_TAG = re.compile(r'<script type="application/json" id="protattn-browser-data">(.*?)</script>', re.S)
_PROTEIN_TAG = re.compile(r'<script type="application/json" id="protattn-protein-(\d+)">(.*?)</script>', re.S)


@dataclass(frozen=True)
class BrowserPage:
    """A written dataset-browser page: its HTML ``text`` and what it holds."""

    text: str
    proteins: int  # proteins listed (in any feature)
    openable: int  # proteins whose explorer is embedded
    heads: int  # heads embedded per protein
    n_cells: int  # the model's heads
    closed: dict = field(default_factory=dict)  # protein -> why it cannot be opened

    @property
    def megabytes(self) -> float:
        return len(self.text.encode("utf-8")) / 1e6

    def describe(self) -> str:
        """One line for people: size and contents."""
        return (f"{self.megabytes:.1f} MB: {self.openable} of {self.proteins} proteins open an explorer with "
                f"{self.heads} of {self.n_cells} heads each")


def embedded_heads(browser: "DatasetBrowser", heads: str = "all", top_k: int = 10) -> list[int]:
    """Flat 0-based heads (``layer * n_heads + head``) each protein's explorer embeds, sorted."""
    n_cells = browser.n_layers * browser.n_heads
    if heads == "all":
        return list(range(n_cells))
    if heads != "top":
        raise StandalonePageError(f"heads must be one of {BROWSER_HEADS}, got {heads!r}")
    chosen = set()
    for feature in browser.result.features:
        top = browser.result[feature].top_heads(top_k)
        chosen.update((top["layer_index"] * browser.n_heads + top["head_index"]).astype(int).tolist())
    if not chosen:  # no head passed the ranking rule: the browser's own head at least
        chosen.add(browser.layer * browser.n_heads + browser.head)
    return sorted(chosen)


def _feature_entry(browser: "DatasetBrowser", feature: str, k: int, blob: _Blob) -> dict:
    """One feature's grid (as the browser widget syncs it) and its per-protein counts, into ``blob``."""
    browser.feature = feature  # the widget computes the grid's arrays, flags, caption and top head
    acc = browser.accumulator
    counts = acc.protein_counts
    shape = (browser.n_layers, browser.n_heads)
    n = len(counts)
    blob.add(f"values_{k}", browser._values, "f4", shape)
    blob.add(f"counts_{k}", browser._counts, "u4", shape)
    blob.add(f"ci_{k}", browser._ci, "f4", (2,) + shape)
    for name, array in (("hits", counts.hits), ("total", counts.total), ("top_edges", counts.top_edges)):
        blob.add(f"{name}_{k}", np.asarray(array, dtype="<u4"), "u4", (n,) + shape)
    blob.add(f"top_index_{k}", np.asarray(counts.top_index.astype(np.int64) + 1, dtype="<u4"), "u4", (n,) + shape)
    return {
        "name": feature, "statistic_name": browser.statistic_name, "caption": browser.caption,
        "background": browser.background, "flags": list(browser._flags), "proteins_counted": int(acc.proteins),
        "top": [browser.layer, browser.head],
        "proteins": counts.proteins,  # this feature's proteins, in the order of its arrays
    }


def browser_page_data(browser: "DatasetBrowser", *, heads: str = "all", top_k: int = 10, title: str | None = None,
                      progress: bool = False) -> tuple[dict, list[dict]]:
    """The page's main JSON and, per openable protein, its explorer's page data (see the module docstring)."""
    from tqdm.auto import tqdm

    from ..models import model_display_name

    result = browser.result
    flat_heads = embedded_heads(browser, heads, top_k)
    first_feature, first_head = browser.feature, (browser.layer, browser.head)
    blob = _Blob()
    features = [_feature_entry(browser, f, k, blob) for k, f in enumerate(browser.features)]
    with browser.hold_sync():
        browser.feature = first_feature
        browser.layer, browser.head = first_head

    proteins = list(dict.fromkeys(p for entry in features for p in entry["proteins"]))
    residues: dict[str, list[str]] = {}
    for feature in browser.features:
        counts = result[feature].protein_counts
        for protein, names in zip(counts.proteins, counts.residues):
            if names and protein not in residues:
                residues[protein] = list(names)

    pages, closed, structures, texts = [], {}, {}, {}
    openable = [p for p in proteins if p in browser.records]
    for protein in proteins:
        if protein not in browser.records:
            closed[protein] = "no structure in the dataset the page was written from (label files carry sequences only)"
    bar = tqdm(total=len(openable), desc="browser page", unit="protein", disable=not progress, file=sys.stderr,
               leave=False)
    try:
        for protein in openable:
            start = flat_heads[0] if first_head[0] * browser.n_heads + first_head[1] not in flat_heads else (
                first_head[0] * browser.n_heads + first_head[1])
            try:
                explorer = browser.explorer_of(protein, *divmod(start, browser.n_heads))
            except Exception as error:  # noqa: BLE001 - one protein that cannot be opened is listed as such
                closed[protein] = f"could not be opened when the page was written ({type(error).__name__}: {error})"
                bar.update(1)
                continue
            try:
                data = page_data(explorer, flat_heads if heads != "all" else "all")
            finally:
                explorer.close()
            text = data["traits"].pop(_STRUCTURE_TRAIT, None)
            if isinstance(text, str):
                key = hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
                if key not in texts:
                    texts[key] = f"structure_{len(texts)}"
                    blob.add(texts[key], text.encode("utf-8"), "u1")
                structures[protein] = texts[key]
            data["missing_head_hint"] = (
                f"this page embeds {len(flat_heads)} of {browser.n_layers * browser.n_heads} heads per protein "
                "(written with heads=\"top\": the top heads of each feature); write it with heads=\"all\" "
                "(protattn analyze --browse-heads all) for every head")
            pages.append({"protein": protein, "data": data})
            bar.update(1)
    finally:
        bar.close()

    n_cells = browser.n_layers * browser.n_heads
    main = {
        "format": FORMAT,
        "version": VERSION,
        "title": title or f"{model_display_name(result.model_name)} attention · dataset browser "
                          f"({result.proteins} proteins)",
        "note": (f"Standalone dataset browser of protattn_widgets ({len(pages)} of {len(proteins)} proteins can be "
                 f"opened, each with {len(flat_heads)} of {n_cells} heads). Everything here works offline."),
        "model": {"name": result.model_name, "display_name": model_display_name(result.model_name),
                  "n_layers": browser.n_layers, "n_heads": browser.n_heads},
        "threshold": browser.threshold,
        "min_total": browser.min_total,
        "n_proteins": browser.n_proteins,
        "value_format": browser.value_format,
        "feature": first_feature,
        "layer": first_head[0],
        "head": first_head[1],
        "features": features,
        "proteins": proteins,
        "residues": [residues.get(p, []) for p in proteins],
        "heads": heads,
        "embedded_heads": flat_heads,
        "pages": {entry["protein"]: k for k, entry in enumerate(pages)},
        "closed": closed,
        "structures": structures,
        "arrays": blob.index,
        "compression": "deflate",
        "blob": blob.encoded(),
    }
    for entry in features:
        entry["background"] = finite_or_none(entry["background"])
    return main, [entry["data"] for entry in pages]


def browser_page(browser: "DatasetBrowser", *, heads: str = "all", top_k: int = 10, title: str | None = None,
                 progress: bool = False) -> BrowserPage:
    """The standalone dataset-browser page of ``browser``'s result (its HTML text and what it holds).

    Parameters
    ----------
    browser : DatasetBrowser
        Its result, model and records (the proteins' structures) are used; its
        feature and head are the page's first.
    heads : {"all", "top"}
        Heads each protein's explorer embeds: every head, or the top ``top_k``
        heads of each feature (smaller pages for big models; other heads are refused
        in the page, which says why).
    progress : bool
        A progress bar on stderr (one step per protein whose explorer is embedded).

    Warns
    -----
    UserWarning
        When the page is larger than :data:`LARGE_BROWSER_BYTES`.
    """
    if heads not in BROWSER_HEADS:
        raise StandalonePageError(f"heads must be one of {BROWSER_HEADS}, got {heads!r}")
    main, pages = browser_page_data(browser, heads=heads, top_k=top_k, title=title, progress=progress)
    text = html_page(main["title"], "the dataset browser", {
        "protattn-browser-data": main, **{f"protattn-protein-{k}": data for k, data in enumerate(pages)}})
    if len(text) > LARGE_BROWSER_BYTES:
        warn_user(f"the dataset browser page is {len(text) / 1e6:.0f} MB ({len(pages)} proteins x "
                  f"{len(main['embedded_heads'])} heads); heads='top' (--browse-heads top) embeds only the top heads "
                  "of each feature")  # a ProtAttnWarning (a UserWarning): "warning: ..." on the command line
    return BrowserPage(text, len(main["proteins"]), len(pages), len(main["embedded_heads"]),
                       browser.n_layers * browser.n_heads, dict(main["closed"]))


def read_browser_data(page: str | Path) -> dict:
    """The data of a dataset-browser page (a path or the HTML text), arrays decoded.

    Returns the main JSON with ``"arrays"`` as ``{name: ndarray}`` and ``"explorers"``:
    ``{protein: its explorer's page data}`` (arrays not decoded; see
    :func:`~.standalone.read_standalone_data` for one explorer page).
    """
    data, text = read_page_json(page, _DATA_TAG, FORMAT, "dataset-browser page")
    by_index = {int(k): json.loads(body) for k, body in _PROTEIN_TAG.findall(text)}
    data["explorers"] = {protein: by_index[k] for protein, k in data["pages"].items()}
    return data
