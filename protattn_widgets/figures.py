"""Static figures (PNG/SVG/PDF) of attention heads, with matplotlib.

Every function returns a new :class:`matplotlib.figure.Figure` built without
pyplot, so nothing is left open in pyplot's global state and the module works
under any backend (Agg included).  Save one with :func:`save_figure`.

Layers and heads are 0-based in the function arguments, as everywhere in
Python; every label drawn on a figure is the paper's 1-based ``"layer-head"``
(``layer=2, head=4`` is drawn as ``"3-5"``).  Sizes are derived from the data
(number of layers, heads, residues), never from a table of known models.

>>> fig = head_statistic_heatmap(accumulator.share, title="Contacts", background=accumulator.background)
>>> save_figure(fig, "contact_heads.svg")
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.collections import PatchCollection
from matplotlib import colormaps
from matplotlib.colors import ListedColormap, Normalize, PowerNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator, PercentFormatter
from mpl_toolkits.mplot3d.art3d import Line3DCollection

from .attention import Attention

__all__ = [
    "FIGURE_FORMATS",
    "head_statistic_heatmap",
    "attention_matrix",
    "structure_edges_3d",
    "head_figure",
    "save_figure",
    "model_display_name",
]

#: File suffixes :func:`save_figure` understands, and the format each writes.
FIGURE_FORMATS: dict[str, str] = {".png": "png", ".svg": "svg", ".pdf": "pdf"}

STATISTIC_CMAP = "Blues"      # sequential, light-to-dark: prints well in grey too
ATTENTION_CMAP = "Blues"
# plasma_r without its palest yellow, so weak edges stay visible on white paper.
EDGE_CMAP = ListedColormap(colormaps["plasma_r"](np.linspace(0.22, 1.0, 256)), name="edges")
CONTACT_COLOR = "#d62728"
MASKED_COLOR = "0.88"
_PNG_DPI = 150
_MAX_RESIDUE_TICKS = 12
_CA_BOND_MAX = 4.3            # Å: consecutive CA atoms further apart are a chain break

_DISPLAY_NAMES = {"antiberty": "AntiBERTy"}


def model_display_name(name: str) -> str:
    """The name a person reads: ``"antiberty"`` -> ``"AntiBERTy"``, hub ids lose their org."""
    return _DISPLAY_NAMES.get(name.lower(), name.rstrip("/").rsplit("/", 1)[-1])


def _head_title(attention: Attention, layer: int, head: int) -> str:
    """E.g. ``"AntiBERTy 3-5 · 1vfb_complex:B"`` (1-based label)."""
    title = f"{model_display_name(attention.model_name)} {attention.label(layer, head)}"
    if attention.chain_id:
        source = f"{attention.structure_name}:" if attention.structure_name else "chain "
        title += f" · {source}{attention.chain_id}"
    return title


def _one_based_ticks(n: int, max_ticks: int = 40) -> np.ndarray:
    """0-based positions to label 1-based: all of them, or a thinned set that keeps 1 and n."""
    if n <= max_ticks:
        return np.arange(n)
    step = int(np.ceil(n / max_ticks))
    ticks = np.arange(0, n, step)
    if n - 1 - ticks[-1] < step / 2:  # too close to n to label both: label n instead
        ticks = ticks[:-1]
    return np.append(ticks, n - 1)


# --------------------------------------------------------------------------- heatmap


def head_statistic_heatmap(
    share: np.ndarray | np.ma.MaskedArray,
    *,
    title: str,
    background: float | None = None,
    totals: np.ndarray | None = None,
    min_total: int | None = None,
    label: str = "share of strong attention",
) -> Figure:
    """A per-head statistic as a layers x heads heatmap, with each layer's maximum beside it.

    The layout follows Vig et al. (2020): heads across, layers down (layer 1
    at the top), and a bar chart of the per-layer maximum sharing the layer
    axis.  Masked heads are drawn grey and hatched and explained in the legend.

    Parameters
    ----------
    share : ndarray or MaskedArray, shape=(n_layers, n_heads)
        Values in [0, 1] (e.g. :attr:`PropertyAccumulator.share`).  Masked or
        NaN entries are heads without enough data.
    title : str
    background : float, optional
        The rate expected by chance; drawn as a dashed line on the bar chart.
    totals : ndarray of int, shape=(n_layers, n_heads), optional
        Strong edges per head.  Written in the cells when the grid is small
        enough to read them (at most 16 x 16).
    min_total : int, optional
        The threshold that masked heads missed, quoted in the legend.
    label : str
        What the statistic is (colour bar and bar chart axis).

    Returns
    -------
    Figure
    """
    values = np.ma.masked_invalid(np.ma.asarray(share, dtype=float))
    if values.ndim != 2 or 0 in values.shape:
        raise ValueError(f"share must have shape (n_layers, n_heads), got {np.shape(share)}")
    n_layers, n_heads = values.shape
    if totals is not None and np.shape(totals) != values.shape:
        raise ValueError(f"totals must have the shape of share {values.shape}, got {np.shape(totals)}")
    masked = np.ma.getmaskarray(values)

    # Cell size shrinks as the grid grows so the figure stays on a page.
    cell = float(np.clip(min(9.0 / n_layers, 9.0 / n_heads), 0.2, 0.5))
    grid_w, grid_h = n_heads * cell, n_layers * cell
    bar_w = max(1.6, 0.35 * grid_w)
    fig = Figure(figsize=(grid_w + bar_w + 2.2, grid_h + 1.9), layout="constrained")
    gs = fig.add_gridspec(1, 3, width_ratios=[grid_w, bar_w, 0.18])
    ax = fig.add_subplot(gs[0, 0])
    ax_bar = fig.add_subplot(gs[0, 1], sharey=ax)
    ax_cbar = fig.add_subplot(gs[0, 2])

    vmax = float(values.max()) if values.count() else 1.0
    norm = Normalize(0.0, vmax if vmax > 0 else 1.0)
    # aspect="auto" keeps the rows level with the bars (the figure size makes cells ~square).
    image = ax.imshow(values.filled(np.nan), cmap=STATISTIC_CMAP, norm=norm, aspect="auto",
                      interpolation="nearest")
    if masked.any():
        rows, cols = np.nonzero(masked)
        # Bounded by n_layers * n_heads, never by residues.
        boxes = [Rectangle((c - 0.5, r - 0.5), 1, 1) for r, c in zip(rows, cols)]
        ax.add_collection(PatchCollection(boxes, facecolor=MASKED_COLOR, edgecolor="0.6",
                                          hatch="///", linewidth=0.0, gid="masked-heads"))
    if totals is not None and n_layers <= 16 and n_heads <= 16:
        size = 6.5 if cell >= 0.45 else 5.5
        for r, c in zip(*np.nonzero(~masked)):
            dark = norm(values[r, c]) > 0.6
            ax.text(c, r, f"{values[r, c]:.0%}\n{int(totals[r, c])}", ha="center", va="center",
                    fontsize=size, color="white" if dark else "0.15", linespacing=0.9)

    head_ticks, layer_ticks = _one_based_ticks(n_heads), _one_based_ticks(n_layers)
    ax.set_xticks(head_ticks, [str(t + 1) for t in head_ticks])
    ax.set_yticks(layer_ticks, [str(t + 1) for t in layer_ticks])
    tick_size = 9 if cell >= 0.3 else 7
    ax.tick_params(labelsize=tick_size, length=2)
    ax.set_xlabel("head")
    ax.set_ylabel("layer")
    ax.set_xticks(np.arange(n_heads + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(n_layers + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=0.6)
    ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)

    layer_max = values.max(axis=1)
    bar_values = np.ma.filled(layer_max, 0.0)
    ax_bar.barh(np.arange(n_layers), bar_values, height=0.7, color="#4a7fb5")
    ax_bar.set_xlabel("max per layer")
    ax_bar.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax_bar.xaxis.set_major_locator(MaxNLocator(3))
    ax_bar.tick_params(labelleft=False, labelsize=tick_size, length=2)
    ax_bar.spines[["top", "right"]].set_visible(False)
    limit = max(float(bar_values.max()), background or 0.0)
    ax_bar.set_xlim(0, limit * 1.1 if limit > 0 else 1.0)

    handles = []
    if background is not None and np.isfinite(background):
        ax_bar.axvline(background, color="0.25", linestyle="--", linewidth=1.2)
        handles.append(Line2D([], [], color="0.25", linestyle="--", label=f"background {background:.1%}"))
    if masked.any():
        why = f"< {min_total} strong edges" if min_total is not None else "too few strong edges"
        handles.append(Patch(facecolor=MASKED_COLOR, edgecolor="0.6", hatch="///", label=f"masked: {why}"))
    if totals is not None and n_layers <= 16 and n_heads <= 16:
        handles.append(Patch(facecolor="none", edgecolor="none", label="cell: share / strong edges"))
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 3),
                   fontsize=8, frameon=False)

    cbar = fig.colorbar(image, cax=ax_cbar, format=PercentFormatter(1.0, decimals=0))
    cbar.set_label(label, fontsize=9)
    cbar.ax.tick_params(labelsize=8)
    fig.suptitle(title, fontsize=11)
    return fig


# --------------------------------------------------------------------------- 2D matrix


def _residue_ticks(residue_ids, max_ticks: int = _MAX_RESIDUE_TICKS) -> tuple[np.ndarray, list[str]]:
    n = len(residue_ids)
    step = max(1, int(np.ceil(n / max_ticks)))
    positions = np.arange(0, n, step)
    return positions, [str(residue_ids[p]) for p in positions]


def _draw_attention_matrix(fig: Figure, ax, attention: Attention, layer: int, head: int,
                           contacts: np.ndarray | None, title: str | None) -> None:
    matrix = attention.head(layer, head)
    length = len(attention)
    # Square-root colour scale: a head's few strong weights would otherwise hide the rest.
    norm = PowerNorm(0.5, vmin=0.0, vmax=max(float(matrix.max()), 1e-6))
    image = ax.imshow(matrix, cmap=ATTENTION_CMAP, norm=norm, interpolation="nearest", aspect="equal")
    if contacts is not None:
        contacts = np.asarray(contacts, dtype=bool)
        if contacts.shape != matrix.shape:
            raise ValueError(f"contacts must have shape {matrix.shape}, got {contacts.shape}")
        i, j = np.nonzero(contacts)
        marker = float(np.clip(600.0 / length, 1.0, 10.0))
        ax.scatter(j, i, s=marker, marker="o", facecolors="none", edgecolors=CONTACT_COLOR,
                   linewidths=0.4, alpha=0.6, label="3D contact", gid="contacts")
        ax.legend(loc="upper right", fontsize=7, markerscale=2.0, framealpha=0.85)
    positions, labels = _residue_ticks(attention.residue_ids)
    ax.set_xticks(positions, labels, rotation=90)
    ax.set_yticks(positions, labels)
    ax.tick_params(labelsize=7, length=2)
    ax.set_xlim(-0.5, length - 0.5)
    ax.set_ylim(length - 0.5, -0.5)
    ax.set_xlabel("attended-to residue (author id)")
    ax.set_ylabel("attending residue (author id)")
    ax.set_title(title or _head_title(attention, layer, head), fontsize=10)
    cbar = fig.colorbar(image, ax=ax, shrink=0.8, pad=0.02)
    cbar.set_label("attention (square-root scale)", fontsize=8)
    cbar.ax.tick_params(labelsize=7)


def attention_matrix(attention: Attention, layer: int, head: int, *,
                     contacts: np.ndarray | None = None, title: str | None = None) -> Figure:
    """One head's ``L x L`` attention, with the 3D contact map overlaid.

    Parameters
    ----------
    attention : Attention
    layer, head : int
        0-based; the title shows the 1-based label.
    contacts : ndarray of bool, shape=(L, L), optional
        E.g. ``chain.contact_map()``; drawn as small open circles.
    title : str, optional
        Default ``"AntiBERTy 3-5 · 1vfb_complex:B"``.

    Returns
    -------
    Figure
        Rows are attending residues, columns attended-to residues; ticks are
        author residue ids.
    """
    fig = Figure(figsize=(6.4, 5.6), layout="constrained")
    _draw_attention_matrix(fig, fig.add_subplot(), attention, layer, head, contacts, title)
    return fig


# --------------------------------------------------------------------------- 3D edges


def _strongest_edges(attention: Attention, layer: int, head: int, top_k: int, threshold: float | None,
                     mode: str, drawable: np.ndarray) -> np.ndarray:
    """Rows ``(i, j, weight)`` between ``drawable`` residues, strongest first, at most ``top_k``."""
    if top_k < 1:
        raise ValueError(f"top_k must be at least 1, got {top_k}")
    edges = attention.edges(layer, head, threshold=threshold if threshold is not None else 0.0, mode=mode)
    i, j = edges[:, 0].astype(int), edges[:, 1].astype(int)
    return edges[drawable[i] & drawable[j]][:top_k]  # filter first, so up to top_k edges are drawn


def _draw_structure_edges(fig: Figure, ax, chain, attention: Attention, layer: int, head: int,
                          top_k: int, threshold: float | None, mode: str = "max",
                          head_title: bool = True) -> None:
    attention.check_chain(chain)
    ca = np.asarray(chain.ca, dtype=float)
    has_ca = ~np.isnan(ca).any(axis=1)
    if not has_ca.any():
        raise ValueError(f"chain {chain.chain_id} has no CA coordinates to draw")
    ca = _principal_frame(ca, has_ca)

    # Backbone trace: consecutive residues, both with CA, not across a chain break.
    with np.errstate(invalid="ignore"):
        bonded = np.linalg.norm(ca[1:] - ca[:-1], axis=1) < _CA_BOND_MAX
    trace = np.stack([ca[:-1], ca[1:]], axis=1)[bonded]
    ax.add_collection3d(Line3DCollection(trace, colors="0.72", linewidths=1.3, gid="ca-trace"))
    ax.scatter(*ca[has_ca].T, s=4, color="0.65", depthshade=False)

    edges = _strongest_edges(attention, layer, head, top_k, threshold, mode, has_ca)
    i, j, weight = edges[:, 0].astype(int), edges[:, 1].astype(int), edges[:, 2]
    norm = Normalize(float(weight.min()) if len(weight) else 0.0,
                     float(weight.max()) if len(weight) else 1.0)
    if len(weight) and norm.vmax - norm.vmin < 1e-6:
        norm = Normalize(0.0, norm.vmax)
    mappable = ScalarMappable(norm=norm, cmap=EDGE_CMAP)
    if len(weight):
        # Weakest first so the strongest edges are drawn on top.
        order = np.argsort(weight, kind="stable")
        i, j, weight = i[order], j[order], weight[order]
        segments = np.stack([ca[i], ca[j]], axis=1)
        ax.add_collection3d(Line3DCollection(segments, colors=mappable.to_rgba(weight),
                                             linewidths=0.8 + 3.2 * norm(weight), gid="attention-edges"))
        ends = np.unique(np.concatenate([i, j]))
        ax.scatter(*ca[ends].T, s=14, color=mappable.to_rgba(weight[-1]), edgecolors="white",
                   linewidths=0.4, depthshade=False)
        # Name the residues of the strongest edge, in author numbering.
        for k in (i[-1], j[-1]):
            ax.text(*ca[k], f" {chain.sequence[k]}{chain.residue_ids[k]}", fontsize=7, color="0.1")
    first, last = np.flatnonzero(has_ca)[[0, -1]]
    for k, end in ((first, "N"), (last, "C")):
        ax.text(*ca[k], f" {end}", fontsize=8, color="0.35", fontweight="bold")

    _set_equal_aspect(ax, ca[has_ca])
    ax.set_axis_off()
    what = f"strongest {len(weight)} edges" + ("" if threshold is None else f" ≥ {threshold:g}")
    title = f"{what} on the CA trace"
    ax.set_title(f"{_head_title(attention, layer, head)}\n{title}" if head_title else title, fontsize=10)
    cbar = fig.colorbar(mappable, ax=ax, shrink=0.6, pad=-0.02)
    cbar.set_label("attention", fontsize=8)
    cbar.ax.tick_params(labelsize=7)


def _principal_frame(points: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``points`` (shape (n, 3), NaN rows allowed) rotated onto their principal axes.

    The widest spread lands on x, the narrowest on z, so the default view
    shows the protein's broad face instead of an arbitrary crystal frame.
    """
    centred = points - points[valid].mean(axis=0)
    if valid.sum() < 3:
        return centred
    _, _, axes = np.linalg.svd(centred[valid], full_matrices=False)
    if np.linalg.det(axes) < 0:  # keep a right-handed frame: no mirror image
        axes[2] *= -1
    return centred @ axes.T


def _set_equal_aspect(ax, points: np.ndarray) -> None:
    """Equal scale on all three axes, centred on ``points`` (shape (n, 3))."""
    low, high = points.min(axis=0), points.max(axis=0)
    centre, radius = (low + high) / 2, max(float((high - low).max()) / 2, 1.0)
    ax.set_xlim(centre[0] - radius, centre[0] + radius)
    ax.set_ylim(centre[1] - radius, centre[1] + radius)
    ax.set_zlim(centre[2] - radius, centre[2] + radius)
    ax.set_box_aspect((1, 1, 1), zoom=1.35)
    ax.view_init(elev=50, azim=-90)


def structure_edges_3d(chain, attention: Attention, layer: int, head: int, *,
                       top_k: int = 30, threshold: float | None = None, mode: str = "max") -> Figure:
    """A head's strongest residue pairs drawn as lines between CA atoms.

    Parameters
    ----------
    chain : Chain
        Supplies CA coordinates; residues without a CA are left out.
    attention : Attention
        Of ``chain``'s sequence.
    layer, head : int
        0-based; the title shows the 1-based label.
    top_k : int
        Most edges drawn (``attention.edges``, strongest first, among residues with a CA).
    threshold : float, optional
        Also drop edges weaker than this.
    mode : {"max", "mean", "directed"}
        How the two directions of a pair combine (as in :meth:`Attention.edges`).

    Returns
    -------
    Figure
        Edge colour and width grow with attention; a colour bar gives the scale.
    """
    fig = Figure(figsize=(6.4, 5.4), layout="constrained")
    ax = fig.add_subplot(projection="3d")
    _draw_structure_edges(fig, ax, chain, attention, layer, head, top_k, threshold, mode)
    return fig


# --------------------------------------------------------------------------- combined


def head_figure(chain, attention: Attention, layer: int, head: int, *,
                contacts: np.ndarray | None = None, top_k: int = 30,
                threshold: float | None = None, mode: str = "max") -> Figure:
    """Matrix with contacts (left) and the strongest edges in 3D (right), side by side.

    Parameters
    ----------
    chain : Chain
    attention : Attention
        Of ``chain``'s sequence.
    layer, head : int
        0-based.
    contacts : ndarray of bool, shape=(L, L), optional
        Default ``chain.contact_map()``.
    top_k, threshold, mode
        As in :func:`structure_edges_3d`.

    Returns
    -------
    Figure
    """
    layer, head = attention.check_head(layer, head)
    if contacts is None:
        contacts = chain.contact_map()
    fig = Figure(figsize=(13.0, 6.0), layout="constrained")
    ax_matrix = fig.add_subplot(1, 2, 1)
    ax_3d = fig.add_subplot(1, 2, 2, projection="3d")
    _draw_attention_matrix(fig, ax_matrix, attention, layer, head, contacts,
                           title="attention matrix (3D contacts circled)")
    _draw_structure_edges(fig, ax_3d, chain, attention, layer, head, top_k, threshold, mode, head_title=False)
    fig.suptitle(_head_title(attention, layer, head), fontsize=12, fontweight="bold")
    return fig


# --------------------------------------------------------------------------- saving


def save_figure(fig: Figure, path: str | os.PathLike) -> Path:
    """Write ``fig`` as PNG, SVG or PDF, chosen by the suffix of ``path``.

    Creates missing parent folders.  Returns the path written.

    Raises
    ------
    InvalidOptionError
        If the suffix is not one of :data:`FIGURE_FORMATS` (a ``ValueError``).
    OutputPathError
        If ``path`` is a folder, lies under a file, or cannot be written.
    """
    from .errors import InvalidOptionError
    from .outputs import check_output_file, write_file_atomic

    path = Path(path)
    fmt = FIGURE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InvalidOptionError(
            f"cannot tell the figure format of {str(path)!r}: use a file name ending in "
            f"{', '.join(FIGURE_FORMATS)}"
        )
    check_output_file(path, "figure")
    return write_file_atomic(path, lambda handle: fig.savefig(
        handle, format=fmt, dpi=_PNG_DPI if fmt == "png" else None,
        metadata={"Software": "protattn-widgets"} if fmt == "png" else None), "figure")
