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
from .models.adapters import model_display_name

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
    marks: np.ndarray | None = None,
    marks_label: str | None = None,
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
    marks : ndarray of str, shape=(n_layers, n_heads), optional
        A short mark per cell (``""`` for none), e.g. the analysis flags
        (:func:`protattn_widgets.analysis.flags.flag_marks`): written in the
        cell's top-left corner, and the cell outlined in black (masked cells
        are not marked).
    marks_label : str, optional
        What the marks mean, for the legend.

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

    marked = np.zeros(values.shape, dtype=bool)
    if marks is not None:
        marks = np.asarray(marks, dtype=object)
        if marks.shape != values.shape:
            raise ValueError(f"marks must have the shape of share {values.shape}, got {marks.shape}")
        marked = (marks.astype(str) != "") & ~masked
        rows, cols = np.nonzero(marked)
        ax.add_collection(PatchCollection([Rectangle((c - 0.47, r - 0.47), 0.94, 0.94) for r, c in zip(rows, cols)],
                                          facecolor="none", edgecolor="black", linewidth=1.3, gid="flagged-heads"))
        mark_size = 5.5 if cell >= 0.45 else 4.5
        for r, c in zip(rows, cols):
            ax.text(c - 0.42, r - 0.42, str(marks[r, c]), ha="left", va="top", fontsize=mark_size, color="black",
                    fontweight="bold", bbox={"boxstyle": "square,pad=0.05", "facecolor": "white", "edgecolor": "none",
                                             "alpha": 0.8})

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
    if marked.any():
        handles.append(Patch(facecolor="none", edgecolor="black", linewidth=1.3,
                             label=marks_label or "outlined: marked heads"))
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=2 if marked.any() else min(len(handles), 3),
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
                     mode: str, drawable: np.ndarray) -> Edges:
    """The :class:`Edges` between ``drawable`` residues, strongest first, at most ``top_k``."""
    if top_k < 1:
        raise ValueError(f"top_k must be at least 1, got {top_k}")
    edges = attention.edges(layer, head, threshold=threshold if threshold is not None else 0.0, mode=mode)
    return edges[drawable[edges.i] & drawable[edges.j]][:top_k]  # filter first, so up to top_k edges are drawn


#: The 3D panels' view: nearly down the narrowest principal axis (the protein's broad face),
#: tilted a little so that depth still reads.
_VIEW_ELEV, _VIEW_AZIM = 72.0, -90.0


def _view_depth(points: np.ndarray) -> np.ndarray:
    """Nearness to the viewer of ``points`` (shape (n, 3)), scaled to [0, 1] (1 = nearest)."""
    elev, azim = np.radians(_VIEW_ELEV), np.radians(_VIEW_AZIM)
    eye = np.array([np.cos(elev) * np.cos(azim), np.cos(elev) * np.sin(azim), np.sin(elev)])
    depth = points @ eye
    if not np.isfinite(depth).any():
        return np.zeros(len(points))
    low, high = np.nanmin(depth), np.nanmax(depth)
    return np.clip((depth - low) / max(high - low, 1e-9), 0.0, 1.0)


def _fade(rgba: np.ndarray, nearness: np.ndarray, far: float = 0.55) -> np.ndarray:
    """Mix colours (shape (n, 4)) towards white the further away they are (a fog depth cue)."""
    mix = (1.0 - nearness)[:, None] * far
    out = np.array(rgba, dtype=float, copy=True)
    out[:, :3] = out[:, :3] * (1.0 - mix) + mix
    return out


def _draw_structure_edges(fig: Figure, ax, chain, attention: Attention, layer: int, head: int,
                          top_k: int, threshold: float | None, mode: str = "max",
                          head_title: bool = True, n_labels: int = 4, cax=None) -> None:
    """Draw on 3D ``ax``; with ``cax`` (the standalone figure) the title, legend and colour bar
    go to the figure and ``cax`` instead of around ``ax``, so that ``ax`` may overhang the figure.
    Without ``cax`` the drawing stays inside ``ax`` (an elongated chain would run under the colour bar)."""
    attention.check_chain(chain)
    ca = np.asarray(chain.ca, dtype=float)
    has_ca = ~np.isnan(ca).any(axis=1)
    if not has_ca.any():
        raise ValueError(f"chain {chain.chain_id} has no CA coordinates to draw")
    ca = _principal_frame(ca, has_ca)
    near = np.nan_to_num(_view_depth(ca))

    # Backbone trace: consecutive residues, both with CA, not across a chain break; darker and
    # thicker the nearer it is (depth cue).
    with np.errstate(invalid="ignore"):
        bonded = np.linalg.norm(ca[1:] - ca[:-1], axis=1) < _CA_BOND_MAX
    trace = np.stack([ca[:-1], ca[1:]], axis=1)[bonded]
    trace_near = ((near[:-1] + near[1:]) / 2)[bonded]
    grey = np.repeat((0.82 - 0.5 * trace_near)[:, None], 3, axis=1)
    ax.add_collection3d(Line3DCollection(trace, colors=np.c_[grey, np.ones(len(grey))],
                                         linewidths=0.8 + 1.6 * trace_near, gid="ca-trace", zorder=1))

    edges = _strongest_edges(attention, layer, head, top_k, threshold, mode, has_ca)
    i, j, weight = edges.i, edges.j, edges.weights.astype(np.float64)
    norm = Normalize(float(weight.min()) if len(weight) else 0.0,
                     float(weight.max()) if len(weight) else 1.0)
    if len(weight) and norm.vmax - norm.vmin < 1e-6:
        norm = Normalize(0.0, norm.vmax)
    mappable = ScalarMappable(norm=norm, cmap=EDGE_CMAP)
    n_contacts = 0
    if len(weight):
        # Weakest first so the strongest edges are drawn on top.
        order = np.argsort(weight, kind="stable")
        i, j, weight = i[order], j[order], weight[order]
        contact = np.asarray(chain.contact_map())[i, j]
        n_contacts = int(contact.sum())
        segments = np.stack([ca[i], ca[j]], axis=1)
        colours = _fade(mappable.to_rgba(weight), (near[i] + near[j]) / 2, far=0.45)
        # 3D contacts solid, pairs not in contact dashed: what the paper's statistic counts.
        styles = ["solid" if c else (0, (3.0, 2.0)) for c in contact]
        ax.add_collection3d(Line3DCollection(segments, colors=colours, linewidths=0.9 + 3.4 * norm(weight),
                                             linestyles=styles, gid="attention-edges", zorder=3))
        ends = np.unique(np.concatenate([i, j]))
        dots = _fade(np.tile(mappable.to_rgba(weight[-1]), (len(ends), 1)), near[ends])
        ax.scatter(*ca[ends].T, s=10 + 10 * near[ends], c=dots, edgecolors="white", linewidths=0.4,
                   depthshade=False, zorder=4)
        _label_residues(ax, chain, ca, i[::-1], j[::-1], n_labels)
    first, last = np.flatnonzero(has_ca)[[0, -1]]
    for k, end in ((first, "N"), (last, "C")):
        ax.text(*ca[k], f" {end}", fontsize=8, color="0.3", fontweight="bold", zorder=9)

    _set_equal_aspect(ax, ca[has_ca], zoom=1.3 if cax is not None else 1.0)
    ax.set_axis_off()
    what = f"strongest {len(weight)} edges" + ("" if threshold is None else f" ≥ {threshold:g}")
    title = f"{what} on the CA trace, {n_contacts} in 3D contact"
    title = f"{_head_title(attention, layer, head)}\n{title}" if head_title else title
    handles = [Line2D([], [], color="0.25", lw=2.0, label="in 3D contact (CB < 8 Å)"),
               Line2D([], [], color="0.25", lw=2.0, ls=(0, (3.0, 2.0)), label="not in contact"),
               Line2D([], [], color="0.3", lw=1.6, label="CA trace, darker = nearer")]
    legend = dict(handles=handles, ncol=3, fontsize=7, frameon=False, handlelength=2.6, columnspacing=1.2)
    if cax is None:
        ax.set_title(title, fontsize=10, pad=0)
        ax.legend(loc="lower center", borderaxespad=0.0, bbox_to_anchor=(0.5, -0.02), **legend)
        cbar = fig.colorbar(mappable, ax=ax, shrink=0.55, pad=0.0, fraction=0.04)
    else:
        fig.text(0.5, 0.985, title, ha="center", va="top", fontsize=10)
        fig.legend(loc="lower center", bbox_to_anchor=(0.46, 0.0), **legend)
        cbar = fig.colorbar(mappable, cax=cax)
    cbar.set_label("attention", fontsize=8)
    cbar.ax.tick_params(labelsize=7)


def _label_residues(ax, chain, ca: np.ndarray, i: np.ndarray, j: np.ndarray, n_labels: int) -> None:
    """Name the residues of the strongest edges (``i``, ``j`` strongest first), at most
    ``n_labels``, on white boxes drawn above everything: the hub (in most edges) first, then by
    strength, skipping one right next to a label."""
    ends = np.stack([i, j], axis=1).ravel()
    first_seen = {int(k): n for n, k in reversed(list(enumerate(ends)))}
    degree = np.bincount(ends, minlength=len(ca))
    placed: list[np.ndarray] = []
    for k in sorted(first_seen, key=lambda k: (-degree[k], first_seen[k])):
        if len(placed) >= n_labels:
            break
        if any(np.linalg.norm(ca[k] - p) < 4.0 for p in placed):
            continue
        placed.append(ca[k])
        ax.text(*ca[k], f"{chain.residue_names[k].title()}{chain.residue_ids[k]}", fontsize=8, color="0.05",
                ha="left", va="bottom", zorder=10, gid="residue-label",
                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="0.6", lw=0.4, alpha=0.88))


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


def _set_equal_aspect(ax, points: np.ndarray, zoom: float = 1.3) -> None:
    """One scale on all three axes, each fitted to ``points`` (shape (n, 3)): no empty margins
    (``zoom`` > 1 lets the drawing overhang the axes box, into the figure's free margins)."""
    low, high = points.min(axis=0), points.max(axis=0)
    spans = np.maximum(high - low, 2.0) + 2.0
    centre = (low + high) / 2
    ax.set_xlim(centre[0] - spans[0] / 2, centre[0] + spans[0] / 2)
    ax.set_ylim(centre[1] - spans[1] / 2, centre[1] + spans[1] / 2)
    ax.set_zlim(centre[2] - spans[2] / 2, centre[2] + spans[2] / 2)
    ax.set_box_aspect(tuple(spans), zoom=zoom)
    ax.view_init(elev=_VIEW_ELEV, azim=_VIEW_AZIM)
    ax.set_proj_type("persp", focal_length=0.6)


def _structure_figsize(chain, width: float = 6.4) -> tuple[float, float]:
    """A figure size whose drawing area has the shape of the chain seen from the view: no
    empty bands above and below (room for the title, legend and colour bar added)."""
    ca = np.asarray(chain.ca, dtype=float)
    valid = ~np.isnan(ca).any(axis=1)
    if valid.sum() < 3:
        return width, 0.8 * width
    spans = np.ptp(_principal_frame(ca, valid)[valid], axis=0) + 2.0
    elev = np.radians(_VIEW_ELEV)
    seen_h = spans[1] * np.sin(elev) + spans[2] * np.cos(elev)
    drawing_w = width - 0.9
    return width, float(np.clip(0.8 * drawing_w * seen_h / spans[0], 2.2, 1.2 * width)) + 0.85


def _attention_and_chain(first, second, function: str) -> tuple[Attention, object]:
    """``(attention, chain)`` from the two leading arguments; the old ``(chain, attention)`` order still
    works, with a FutureWarning (views, statistics and figures all take the attention first)."""
    if isinstance(first, Attention):
        return first, second
    if isinstance(second, Attention):
        from .errors import warn

        warn(f"{function}(chain, attention, ...) is deprecated: pass {function}(attention, chain, ...), the "
             "order the views and statistics use", FutureWarning)
        return second, first
    from .errors import InvalidOptionError

    raise InvalidOptionError(f"{function} takes (attention, chain, layer, head): got {type(first).__name__} and "
                             f"{type(second).__name__}; compute the attention with model.attention(chain)")


def structure_edges_3d(attention: Attention, chain, layer: int, head: int, *,
                       top_k: int = 30, threshold: float | None = None, mode: str = "max") -> Figure:
    """A head's strongest residue pairs drawn as lines between CA atoms.

    Parameters
    ----------
    attention : Attention
        Of ``chain``'s sequence.
    chain : Chain
        Supplies CA coordinates; residues without a CA are left out.  (The
        old order ``(chain, attention)`` still works, with a FutureWarning.)
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
    attention, chain = _attention_and_chain(attention, chain, "structure_edges_3d")
    width, height = _structure_figsize(chain)
    fig = Figure(figsize=(width, height))
    # mplot3d fits its box into a square of the axes: an axes taller than the figure (its empty
    # top and bottom cut off) lets the protein fill the width.  Title, legend, colour bar: the figure's.
    drawing = width - 0.9
    top, bottom = 0.55 / height, 0.3 / height
    visible = 1.0 - top - bottom
    overhang = max(drawing / height - visible, 0.0) / 2
    ax = fig.add_axes((0.0, bottom - overhang, drawing / width, visible + 2 * overhang),
                      projection="3d", computed_zorder=False)
    cax = fig.add_axes((1.0 - 0.62 / width, 0.5 - 0.3 * visible, 0.14 / width, 0.6 * visible))
    _draw_structure_edges(fig, ax, chain, attention, layer, head, top_k, threshold, mode, cax=cax)
    return fig


# --------------------------------------------------------------------------- combined


def head_figure(attention: Attention, chain, layer: int, head: int, *,
                contacts: np.ndarray | None = None, top_k: int = 30,
                threshold: float | None = None, mode: str = "max") -> Figure:
    """Matrix with contacts (left) and the strongest edges in 3D (right), side by side.

    Parameters
    ----------
    attention : Attention
        Of ``chain``'s sequence.
    chain : Chain
        (The old order ``(chain, attention)`` still works, with a FutureWarning.)
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
    attention, chain = _attention_and_chain(attention, chain, "head_figure")
    layer, head = attention.check_head(layer, head)
    if contacts is None:
        contacts = chain.contact_map()
    fig = Figure(figsize=(13.0, 6.0), layout="constrained")
    ax_matrix = fig.add_subplot(1, 2, 1)
    ax_3d = fig.add_subplot(1, 2, 2, projection="3d", computed_zorder=False)
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
