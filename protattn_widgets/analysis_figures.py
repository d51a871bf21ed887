"""Figures of dataset-level analyses: BLOSUM62 correlation, centres of gravity,
contact-prediction precision, probing curves.

Like :mod:`protattn_widgets.figures`, every function takes plain arrays (or a
small result object), returns a new :class:`matplotlib.figure.Figure` built
without pyplot, and sizes itself from the data (any number of layers, heads,
properties).  Layers are drawn 1-based, as the paper writes them.  Save with
:func:`protattn_widgets.figures.save_figure` (PNG, SVG or PDF).

>>> fig = center_of_gravity_figure({"contact": 5.1, "binding_site": 6.3}, n_layers=8)
>>> save_figure(fig, "center_of_gravity.svg")
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .figures import _one_based_ticks, save_figure

__all__ = [
    "blosum_correlation_figure", "center_of_gravity_figure", "contact_precision_figure", "probing_figure",
    "save_figure",
]

_SIMILARITY_CMAP = "RdBu_r"   # diverging around 0: positive red, negative blue
_SERIES_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                  "#bcbd22", "#17becf")


def _layer_axis(ax, n_layers: int, axis: str = "x") -> None:
    """Ticks and limits of a 1-based layer axis drawn at positions 1..n_layers."""
    ticks = _one_based_ticks(n_layers, max_ticks=20) + 1
    if axis == "x":
        ax.set_xlim(0.5, n_layers + 0.5)
        ax.set_xticks(ticks, [str(t) for t in ticks])
        ax.set_xlabel("layer")
    else:
        ax.set_ylim(0.5, n_layers + 0.5)
        ax.set_yticks(ticks, [str(t) for t in ticks])
        ax.set_ylabel("layer")


def _square_heatmap(fig: Figure, ax, matrix: np.ndarray, labels: str, title: str, colorbar_label: str) -> None:
    finite = matrix[np.isfinite(matrix)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    low, high = min(low, -1e-9), max(high, 1e-9)  # TwoSlopeNorm needs vmin < 0 < vmax
    image = ax.imshow(np.ma.masked_invalid(matrix), cmap=_SIMILARITY_CMAP, interpolation="nearest",
                      norm=TwoSlopeNorm(0.0, low, high))
    positions = np.arange(len(labels))
    ax.set_xticks(positions, list(labels), fontsize=7)
    ax.set_yticks(positions, list(labels), fontsize=7)
    ax.tick_params(length=0)
    ax.set_title(title, fontsize=10)
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    bar.set_label(colorbar_label, fontsize=8)
    bar.ax.tick_params(labelsize=7)


def blosum_correlation_figure(profile_similarity: np.ndarray, blosum: np.ndarray, amino_acids: str,
                              correlation: float, *, title: str | None = None) -> Figure:
    """Attention-profile similarity next to BLOSUM62, and one against the other.

    Parameters
    ----------
    profile_similarity : ndarray, shape=(n, n)
        Correlation of amino acids' per-head attention profiles (NaN diagonal allowed).
    blosum : ndarray, shape=(n, n)
        BLOSUM62 scores in the same order.
    amino_acids : str
        The ``n`` one-letter codes labelling rows and columns.
    correlation : float
        Pearson r of the two over the pairs ``a < b`` (quoted in the title).
    title : str, optional

    Returns
    -------
    Figure
    """
    similarity = np.asarray(profile_similarity, dtype=float)
    scores = np.asarray(blosum, dtype=float)
    n = len(amino_acids)
    if similarity.shape != (n, n) or scores.shape != (n, n):
        raise ValueError(f"profile_similarity and blosum must be ({n}, {n}) for {n} amino acids, got "
                         f"{similarity.shape} and {scores.shape}")
    side = float(np.clip(0.2 * n, 2.5, 5.0))
    fig = Figure(figsize=(3 * side + 2.5, side + 1.0), layout="constrained")
    ax_sim, ax_blosum, ax_scatter = fig.subplots(1, 3)
    _square_heatmap(fig, ax_sim, similarity, amino_acids, "attention-profile similarity", "Pearson r")
    _square_heatmap(fig, ax_blosum, scores, amino_acids, "BLOSUM62", "score")

    lower = np.tril_indices(n, k=-1)
    x, y = scores[lower], similarity[lower]
    finite = np.isfinite(x) & np.isfinite(y)
    ax_scatter.scatter(x[finite], y[finite], s=12, color="#1f77b4", alpha=0.7, edgecolors="none")
    ax_scatter.set_xlabel("BLOSUM62 score")
    ax_scatter.set_ylabel("attention-profile similarity")
    ax_scatter.set_title(f"{int(finite.sum())} amino-acid pairs", fontsize=10)
    ax_scatter.spines[["top", "right"]].set_visible(False)
    r = f"Pearson r = {correlation:.2f}" if np.isfinite(correlation) else "Pearson r = n/a"
    fig.suptitle(f"{title} ({r})" if title else r, fontsize=11)
    return fig


def center_of_gravity_figure(centers: Mapping[str, float], n_layers: int, *, title: str | None = None,
                             proteins: Mapping[str, int] | None = None) -> Figure:
    """Each property's centre of gravity over the layers, as points on a 1..n_layers axis.

    Parameters
    ----------
    centers : dict of str -> float
        Property name -> centre of gravity (1-based layer, e.g. from
        :func:`protattn_widgets.analysis.center_of_gravity`).  NaN entries are
        listed but not drawn.
    n_layers : int
    title : str, optional
    proteins : dict of str -> int, optional
        Each property's own number of proteins, written next to its name
        (``"paratope (7 proteins)"``): properties of one analysis can rest on
        different proteins.

    Returns
    -------
    Figure
        Properties sorted from the lowest centre (top) to the highest.
    """
    if n_layers < 1:
        raise ValueError(f"n_layers must be at least 1, got {n_layers}")
    if not centers:
        raise ValueError("centers is empty: give at least one property")
    order = sorted(centers, key=lambda name: (not np.isfinite(centers[name]), centers[name]))
    values = np.array([centers[name] for name in order], dtype=float)
    title = title or "centre of gravity of attention over layers"
    # Wide enough for the labels plus the layer axis, and for the title (about 0.09 in per character).
    names = {name: f"{name} ({proteins[name]} protein{'s' if proteins[name] != 1 else ''})"
             if proteins and name in proteins else name for name in order}
    label_width = 0.08 * max(len(name) for name in names.values())
    width = float(np.clip(max(label_width + 1.5 + 0.18 * n_layers, 0.09 * len(title)), 4.5, 12.0))
    fig = Figure(figsize=(width, 1.2 + 0.35 * len(order)), layout="constrained")
    ax = fig.add_subplot()
    rows = np.arange(len(order))
    ax.hlines(rows, 1, n_layers, color="0.88", linewidth=1.0, zorder=0)
    drawn = np.isfinite(values)
    ax.scatter(values[drawn], rows[drawn], s=45, color="#1f77b4", zorder=2)
    ax.set_yticks(rows, [f"{names[name]} (n/a)" if not np.isfinite(v) else names[name]
                         for name, v in zip(order, values)])
    ax.set_ylim(len(order) - 0.5, -0.5)
    _layer_axis(ax, n_layers, "x")
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
    fig.suptitle(title, fontsize=11)
    return fig


def contact_precision_figure(table, *, title: str | None = None) -> Figure:
    """Precision at L, L/2, L/5 per separation range, with each range's background.

    Parameters
    ----------
    table : ContactPrecision
        From :func:`protattn_widgets.analysis.contact_prediction.precision_at`
        or :meth:`ContactPrecision.mean` (anything with ``values`` (n_ranges,
        n_fractions), ``background`` (n_ranges,), ``ranges``, ``columns`` and
        ``n_proteins``).
    title : str, optional

    Returns
    -------
    Figure
    """
    values = np.asarray(table.values, dtype=float)
    n_ranges, n_columns = values.shape
    fig = Figure(figsize=(1.6 + 1.5 * n_ranges, 3.6), layout="constrained")
    ax = fig.add_subplot()
    width = 0.8 / n_columns
    centers = np.arange(n_ranges)
    for f, column in enumerate(table.columns):
        offsets = centers - 0.4 + width * (f + 0.5)
        ax.bar(offsets, np.nan_to_num(values[:, f]), width * 0.92, label=f"top {column}",
               color=_SERIES_COLORS[f % len(_SERIES_COLORS)])
    background = np.asarray(table.background, dtype=float)
    for r in range(n_ranges):
        if np.isfinite(background[r]):
            ax.hlines(background[r], r - 0.45, r + 0.45, color="0.15", linestyle="--", linewidth=1.2,
                      label="background" if r == 0 else None)
    separations = getattr(table, "separations", None)
    labels = [f"{name}\n({low}-{high})" if high is not None else f"{name}\n(>={low})"
              for name, (low, high) in zip(table.ranges, separations)] if separations else list(table.ranges)
    ax.set_xticks(centers, labels)
    ax.set_ylabel("precision")
    ax.set_ylim(0, max(1e-3, float(np.nanmax(np.r_[values.ravel(), background, 0.0]))) * 1.15)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=8, frameon=False, ncols=n_columns + 1, loc="upper center", bbox_to_anchor=(0.5, -0.22))
    proteins = getattr(table, "n_proteins", None)
    ax.set_title(title or f"contact precision{f' ({proteins} proteins)' if proteins else ''}", fontsize=11)
    return fig


def probing_figure(per_layer_scores: Mapping[str, np.ndarray], *, baseline: float | Mapping[str, float] | None = None,
                   metric: str = "accuracy", title: str | None = None) -> Figure:
    """Per-layer probing scores as curves over 1-based layers.

    Parameters
    ----------
    per_layer_scores : dict of str -> ndarray, shape=(n_layers,)
        Curve label (e.g. ``"secondary structure, embedding"``) -> score of the
        probe trained on each layer (layer 0 of the array is drawn as 1).
        Curves may have different lengths.
    baseline : float or dict of str -> float, optional
        A chance level (majority class, background) for all curves, or one per
        curve label; drawn dashed in the curve's colour.
    metric : str
        The y-axis label.
    title : str, optional

    Returns
    -------
    Figure
    """
    if not per_layer_scores:
        raise ValueError("per_layer_scores is empty: give at least one curve")
    n_layers = max(len(np.ravel(v)) for v in per_layer_scores.values())
    width = float(np.clip(3.0 + 0.15 * n_layers, 4.5, 10.0))
    fig = Figure(figsize=(width, 3.6), layout="constrained")
    ax = fig.add_subplot()
    for n, (label, scores) in enumerate(per_layer_scores.items()):
        scores = np.ravel(np.asarray(scores, dtype=float))
        color = _SERIES_COLORS[n % len(_SERIES_COLORS)]
        ax.plot(np.arange(1, len(scores) + 1), scores, marker="o", markersize=4 if n_layers <= 24 else 2.5,
                color=color, label=label)
        level = baseline.get(label) if isinstance(baseline, Mapping) else None
        if level is not None and np.isfinite(level):
            ax.axhline(level, color=color, linestyle="--", linewidth=1.0, alpha=0.8)
    if baseline is not None and not isinstance(baseline, Mapping) and np.isfinite(baseline):
        ax.axhline(float(baseline), color="0.3", linestyle="--", linewidth=1.0, label="baseline")
    _layer_axis(ax, n_layers, "x")
    ax.set_ylabel(metric)
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=8, frameon=False, loc="best")
    ax.set_title(title or f"probing classifiers per layer ({metric})", fontsize=11)
    return fig
