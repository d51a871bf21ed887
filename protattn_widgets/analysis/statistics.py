"""Statistics over per-head counts: top heads with intervals and tests, layers, BLOSUM62.

Everything here takes plain arrays of counts of shape ``(n_layers, n_heads)``
(see :class:`~protattn_widgets.analysis.PropertyAccumulator`) and returns
arrays, numbers or a pandas DataFrame.

Definitions
-----------
* **Confidence interval** of a head's share: Clopper-Pearson (exact binomial),
  level ``1 - alpha``.
* **Test against background**: one-sided exact binomial test of
  ``share > background`` with ``hits`` successes in ``total`` strong edges;
  ``significant`` applies Bonferroni over all ``n_layers * n_heads`` heads.
  Edges of one protein are not independent, so read the p-values as a
  ranking aid, not as calibrated error rates.
* **Centre of gravity** of a property over layers (provis
  ``report_edge_features_combined.py``): per layer, the mean share over its
  unmasked heads, ``m_l``; the centre is ``sum_l l * m_l / sum_l m_l`` with
  layers numbered **from 1** (provis numbers from 0; add 1 to compare).
* **BLOSUM62 correlation** (provis ``report_aa_correlations.py``): for each
  amino acid ``a``, its profile is the vector of shares ``p_{amino_acid:a}``
  over the heads that are unmasked (same mask for all 20: they share one
  denominator).  ``similarity[a, b]`` is the Pearson correlation of the
  profiles of ``a`` and ``b`` (diagonal NaN); ``correlation`` is the Pearson
  correlation between the 190 off-diagonal pairs ``a < b`` of ``similarity``
  and of BLOSUM62 (Biopython's matrix, same amino-acid order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["clopper_pearson", "binomial_p_value", "head_table", "center_of_gravity", "BlosumCorrelation",
           "blosum_correlation", "blosum62"]


def clopper_pearson(hits: np.ndarray, total: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Exact binomial confidence interval of ``hits / total`` (NaN where ``total == 0``).

    The bounds are Beta quantiles, computed with ``scipy.special.betaincinv``
    (the same numbers as ``scipy.stats.beta.ppf``, without importing
    scipy.stats: the explorer's first build stays fast).
    """
    from scipy.special import betaincinv

    hits, total = np.asarray(hits, dtype=float), np.asarray(total, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(hits > 0, betaincinv(hits, total - hits + 1, alpha / 2), 0.0)
        high = np.where(hits < total, betaincinv(hits + 1, total - hits, 1 - alpha / 2), 1.0)
    empty = total == 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def binomial_p_value(hits: np.ndarray, total: np.ndarray, background: float) -> np.ndarray:
    """One-sided exact binomial p-value of ``share > background``: ``P(X >= hits)``, X ~ Bin(total, background)."""
    from scipy.stats import binom

    hits, total = np.asarray(hits), np.asarray(total)
    if not np.isfinite(background):
        return np.full(hits.shape, np.nan)
    return np.where(total > 0, binom.sf(hits - 1, total, background), np.nan)


def head_table(hits: np.ndarray, total: np.ndarray, background: float, min_total: int,
               k: int | None = 10, alpha: float = 0.05, concentration=None, offsets=None, sinks=None):
    """Heads ranked by share, as a DataFrame (columns in :meth:`PropertyAccumulator.top_heads`).

    ``concentration`` (a :class:`~.concentration.TargetConcentration` over the
    same strong edges) adds its columns (``targets``, ``top_target``,
    ``top_target_edges``, ``top_target_share``, ``column_share``,
    ``column_head``); ``offsets`` (an :class:`~.offsets.OffsetCounts`) adds
    ``positional_offset``, ``positional_share`` and ``positional_head``;
    ``sinks`` (a :class:`~.sinks.SinkMass`) adds ``special_token_mass`` and
    ``sink_head``; then ``flags`` names the flags raised
    (:func:`.flags.flag_words`).  Heads with fewer than ``min_total`` strong
    edges are not ranked.
    """
    import pandas as pd

    from ..attention import head_label
    from .flags import flag_words

    hits, total = np.asarray(hits, dtype=np.int64), np.asarray(total, dtype=np.int64)
    n_layers, n_heads = hits.shape
    layer, head = np.divmod(np.arange(hits.size), n_heads)
    flat_hits, flat_total = hits.ravel(), total.ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = flat_hits / flat_total
    low, high = clopper_pearson(flat_hits, flat_total, alpha)
    p_value = binomial_p_value(flat_hits, flat_total, background)
    table = pd.DataFrame({
        "label": [head_label(int(a), int(b)) for a, b in zip(layer, head)],
        "layer": layer + 1, "head": head + 1, "share": share, "hits": flat_hits, "total": flat_total,
        "ci_low": low, "ci_high": high,
        "enrichment": share / background if background and np.isfinite(background) else np.nan,
        "p_value": p_value,
        "significant": p_value * hits.size < alpha,
    })
    if concentration is not None:
        table = pd.concat([table, concentration.table()], axis=1)
    if offsets is not None:
        table = pd.concat([table, offsets.table()], axis=1)
    if sinks is not None:
        table = pd.concat([table, sinks.table()], axis=1)
    table["flags"] = flag_words(table)
    table["layer_index"], table["head_index"] = layer, head
    table = table[flat_total >= max(int(min_total), 1)]
    table = table.sort_values(["share", "total"], ascending=[False, False], kind="stable")
    return (table if k is None else table.head(k)).reset_index(drop=True)


def center_of_gravity(share: np.ma.MaskedArray) -> float:
    """Centre of gravity over layers (1-based) of a masked ``(n_layers, n_heads)`` share.

    Layers whose heads are all masked weigh nothing.  NaN when no head is unmasked.
    """
    layer_mean = np.ma.masked_invalid(np.ma.asarray(share, dtype=float)).mean(axis=1).filled(0.0)
    weight = layer_mean.sum()
    if weight <= 0:
        return float("nan")
    return float((np.arange(1, len(layer_mean) + 1) * layer_mean).sum() / weight)


def blosum62(amino_acids: str) -> np.ndarray:
    """BLOSUM62 scores of ``amino_acids`` x ``amino_acids``, shape ``(n, n)`` float."""
    from Bio.Align import substitution_matrices

    matrix = substitution_matrices.load("BLOSUM62")
    return np.array([[matrix[a][b] for b in amino_acids] for a in amino_acids], dtype=float)


@dataclass(frozen=True)
class BlosumCorrelation:
    """How amino acids' attention profiles relate to BLOSUM62.

    Attributes
    ----------
    amino_acids : str
        Order of both matrices' rows and columns.
    profile_similarity : ndarray, shape=(20, 20)
        Pearson correlation of attention profiles; NaN on the diagonal.
    blosum : ndarray, shape=(20, 20)
        BLOSUM62 scores in the same order; NaN on the diagonal.
    correlation : float
        Pearson correlation of the two over the pairs ``a < b``.
    n_heads : int
        Unmasked heads the profiles span.
    """

    amino_acids: str
    profile_similarity: np.ndarray
    blosum: np.ndarray
    correlation: float
    n_heads: int


def blosum_correlation(shares: dict[str, np.ma.MaskedArray]) -> BlosumCorrelation:
    """BLOSUM62 correlation of attention profiles (see the module docstring).

    Parameters
    ----------
    shares : dict of str -> MaskedArray, shape=(n_layers, n_heads)
        The share of each amino acid (one-letter key), e.g. from
        ``AnalysisResult.blosum_correlation``.
    """
    amino_acids = "".join(shares)
    stacked = np.ma.stack([np.ma.masked_invalid(np.ma.asarray(s, dtype=float)) for s in shares.values()])
    keep = ~np.ma.getmaskarray(stacked).any(axis=0)
    profiles = stacked.data[:, keep]  # (20, unmasked heads)
    n = len(amino_acids)
    with np.errstate(invalid="ignore", divide="ignore"):
        similarity = np.corrcoef(profiles) if profiles.shape[1] >= 2 else np.full((n, n), np.nan)
    similarity = np.array(similarity, dtype=float)
    np.fill_diagonal(similarity, np.nan)
    blosum = blosum62(amino_acids)
    np.fill_diagonal(blosum, np.nan)
    lower = np.tril_indices(n, k=-1)
    x, y = similarity[lower], blosum[lower]
    finite = np.isfinite(x)
    correlation = float(np.corrcoef(x[finite], y[finite])[0, 1]) if finite.sum() >= 3 else float("nan")
    return BlosumCorrelation(amino_acids, similarity, blosum, correlation, int(keep.sum()))
