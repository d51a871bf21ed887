"""The paper's attention statistic, counted per head.

For a head and a property f (contact, binding site, ...), with threshold
theta (Vig et al., 2020):

    p_f(head) = #{(i, j): a_ij >= theta and (i, j) has f} / #{(i, j): a_ij >= theta}

:class:`PropertyAccumulator` holds the two counts for every head as integer
arrays, so proteins (and processes) add up exactly.  Pairs outside an optional
``mask`` (e.g. residues without coordinates) are left out of numerator,
denominator *and* background alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..definitions import CONTACT_CUTOFF, CONTACT_MIN_SEPARATION, DEFAULT_THRESHOLD, MIN_STRONG_EDGES
from ..attention import check_threshold
from .concentration import TargetConcentration, received_counts, residue_labels
from .counting import count_pairs, count_targets, threshold_attention
from .offsets import OffsetCounts
from .per_protein import ProteinCounts
from .sinks import SinkMass
from .statistics import head_table

if TYPE_CHECKING:
    import pandas

__all__ = ["PropertyAccumulator", "contact_accumulator"]


class PropertyAccumulator:
    """Counts of strong attention edges, and of those that have a property.

    Parameters
    ----------
    n_layers, n_heads : int
    threshold : float
        Edges are pairs with attention ``a_ij >= threshold``.
    min_total : int
        Heads with fewer strong edges than this are masked in :attr:`share`.

    Attributes
    ----------
    hits, total : ndarray of int64, shape=(n_layers, n_heads)
        Strong edges with the property; all strong edges.
    background_hits, background_total : int
        Counted pairs (or target residues) with the property; all counted.
    concentration : TargetConcentration or None
        Per head, how its strong edges spread over target residues (column
        heads); filled by :meth:`add` and by the engine, shown by :meth:`top_heads`.
    protein_counts : ProteinCounts
        Each protein's own ``hits`` and ``total``, ``(proteins, n_layers,
        n_heads)`` int32, summing to :attr:`hits` and :attr:`total` exactly;
        read as :attr:`per_protein` (a DataFrame) or :meth:`rank_proteins`.
    """

    def __init__(self, n_layers: int, n_heads: int, threshold: float = DEFAULT_THRESHOLD, min_total: int = MIN_STRONG_EDGES,
                 concentration: TargetConcentration | bool | None = None):
        self.n_layers, self.n_heads = int(n_layers), int(n_heads)
        self.threshold = check_threshold(threshold)
        self.min_total = int(min_total)
        self.hits = np.zeros((self.n_layers, self.n_heads), dtype=np.int64)
        self.total = np.zeros((self.n_layers, self.n_heads), dtype=np.int64)
        self.background_hits = 0
        self.background_total = 0
        self.proteins = 0
        if concentration is True:
            concentration = TargetConcentration(self.n_layers, self.n_heads, self.threshold)
        self.concentration: TargetConcentration | None = concentration or None
        self.protein_counts = ProteinCounts(self.n_layers, self.n_heads)
        self.offsets = None  # the analysis's OffsetCounts (positional heads), set by AnalysisResult
        self.sinks = None  # the analysis's SinkMass (sink heads), where the model reports special-token mass

    def add(self, values: np.ndarray, labels: np.ndarray, mask: np.ndarray | None = None, *,
            target_labels: list[str] | None = None, protein: str | None = None) -> "PropertyAccumulator":
        """Count one protein.

        Parameters
        ----------
        values : ndarray, shape=(n_layers, n_heads, L, L)
            Attention (query i, key j).
        labels : ndarray of bool, shape=(L, L) or (L,)
            Which pairs have the property, or which *target* residues ``j``
            have it (binding site, amino acid, ...).
        mask : ndarray of bool, same shape as ``labels``, optional
            Which pairs / targets count at all.
        target_labels : list of str, length L, optional
            Residue names for :attr:`concentration` (``"B MET 50"``).
        protein : str, optional
            Its id in :attr:`per_protein` (default ``"protein <n>"``, 1-based).
        """
        values = np.asarray(values)
        labels = np.asarray(labels, dtype=bool)
        if values.shape[:2] != (self.n_layers, self.n_heads) or values.ndim != 4:
            raise ValueError(
                f"values must have shape ({self.n_layers}, {self.n_heads}, L, L), got {values.shape}"
            )
        length = values.shape[-1]
        if labels.shape not in ((length, length), (length,)):
            raise ValueError(f"labels must have shape ({length}, {length}) or ({length},), got {labels.shape}")
        counted = np.ones(labels.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        if counted.shape != labels.shape:
            raise ValueError(f"mask must have the shape of labels {labels.shape}, got {counted.shape}")
        strong, received, all_total = threshold_attention(values, self.threshold)
        if labels.ndim == 1:  # a property of the target residue j
            (counts,) = count_targets(received, all_total, labels[:, None], None if mask is None else counted)
        else:
            counts = count_pairs(strong, all_total, labels, None if mask is None else counted)
        if self.offsets is not None:
            for layer in range(self.n_layers):
                self.offsets.add_strong(layer, strong[layer])
        own = TargetConcentration(self.n_layers, self.n_heads, self.threshold)
        own.add_received(received_counts(strong, mask), labels=target_labels)
        if self.concentration is not None:
            self.concentration.merge(own)
        self.add_protein(protein or f"protein {self.proteins + 1}", counts.hits, counts.total,
                         concentration=own, residues=target_labels)
        return self.add_counts(counts.hits, counts.total, counts.background_hits, counts.background_total)

    def add_protein(self, protein: str, hits: np.ndarray, total: np.ndarray, *, position: int | None = None,
                    concentration: TargetConcentration | None = None, residues=None) -> None:
        """Record one protein's ``(n_layers, n_heads)`` counts in :attr:`protein_counts` (the dataset
        counts are added separately, by :meth:`add_counts`); ``concentration``: that protein's alone."""
        top = {} if concentration is None else {"top_edges": concentration.top_edges,
                                                "top_index": concentration.top_index}
        self.protein_counts.add(protein, hits, total, position=position, residues=residues, **top)

    def __repr__(self) -> str:
        return (f"PropertyAccumulator({self.n_layers}x{self.n_heads}, threshold={self.threshold:g}, "
                f"proteins={self.proteins}, strong edges={int(self.total.sum())}, background={self.background:.3g})")

    def __add__(self, other: "PropertyAccumulator") -> "PropertyAccumulator":
        if (other.n_layers, other.n_heads, other.threshold) != (self.n_layers, self.n_heads, self.threshold):
            raise ValueError("can only merge accumulators with the same shape and threshold")
        concentration = (self.concentration + other.concentration
                         if self.concentration is not None and other.concentration is not None else None)
        merged = PropertyAccumulator(self.n_layers, self.n_heads, self.threshold, self.min_total, concentration)
        merged.hits = self.hits + other.hits
        merged.total = self.total + other.total
        merged.background_hits = self.background_hits + other.background_hits
        merged.background_total = self.background_total + other.background_total
        merged.proteins = self.proteins + other.proteins
        merged.protein_counts = self.protein_counts + other.protein_counts
        for name in ("offsets", "sinks"):
            mine, theirs = getattr(self, name), getattr(other, name)
            setattr(merged, name, mine + theirs if mine is not None and theirs is not None else None)
        return merged

    @property
    def share(self) -> np.ma.MaskedArray:
        """``hits / total`` per head, masked where ``total < min_total``."""
        with np.errstate(invalid="ignore", divide="ignore"):
            share = self.hits / self.total
        return np.ma.masked_array(share, mask=self.total < max(self.min_total, 1))

    @property
    def background(self) -> float:
        """Share of counted pairs (or targets) that have the property."""
        return self.background_hits / self.background_total if self.background_total else float("nan")

    @property
    def per_protein(self) -> "pandas.DataFrame":
        """Each protein's counts per head: the addends of :attr:`hits` and :attr:`total`.

        One row per (protein, head), proteins in input order; columns
        ``protein``, ``label`` (``"2-7"``), ``layer``, ``head`` (1-based),
        ``layer_index``, ``head_index`` (0-based), ``hits``, ``total``,
        ``share``, ``top_residue`` and ``top_residue_edges`` (see
        :meth:`.per_protein.ProteinCounts.frame`).  Grouped by head and
        summed over proteins, ``hits`` and ``total`` equal :attr:`hits` and
        :attr:`total` exactly.
        """
        return self.protein_counts.frame()

    def rank_proteins(self, head, k: int | None = None) -> "pandas.DataFrame":
        """The proteins behind ``head`` (``"2-7"`` or 0-based ``(1, 6)``), most hits first
        (see :meth:`.per_protein.ProteinCounts.ranking`)."""
        return self.protein_counts.ranking(head, k)

    def add_counts(self, hits: np.ndarray, total: np.ndarray, background_hits: int, background_total: int,
                   proteins: int = 1) -> "PropertyAccumulator":
        """Add counts made elsewhere (the one-pass engine, a Dask worker)."""
        self.hits += np.asarray(hits, dtype=np.int64)
        self.total += np.asarray(total, dtype=np.int64)
        self.background_hits += int(background_hits)
        self.background_total += int(background_total)
        self.proteins += int(proteins)
        return self

    def top_heads(self, k: int | None = 10, alpha: float = 0.05) -> "pandas.DataFrame":
        """The ``k`` unmasked heads with the highest share, with confidence intervals and tests.

        Parameters
        ----------
        k : int or None
            How many rows; ``None`` for every unmasked head.
        alpha : float
            Level of the confidence intervals (``1 - alpha``) and of the
            Bonferroni-corrected test.

        Returns
        -------
        pandas.DataFrame
            One row per head with at least ``min_total`` strong edges, best
            first, columns ``label`` (the paper's 1-based ``"layer-head"``),
            ``layer``, ``head`` (1-based, as in the label), ``share``,
            ``hits``, ``total`` (strong edges), ``ci_low``, ``ci_high``
            (Clopper-Pearson), ``enrichment`` (share / background),
            ``p_value`` (one-sided binomial test of share > background),
            ``significant`` (``p_value * n_layers * n_heads < alpha``); with
            a :attr:`concentration`, ``targets``, ``top_target``,
            ``top_target_edges``, ``top_target_share``,
            ``column_share`` and ``column_head`` (see
            :mod:`.concentration`); with :attr:`offsets`,
            ``positional_offset``, ``positional_share`` and
            ``positional_head`` (see :mod:`.offsets`); with :attr:`sinks`,
            ``special_token_mass`` and ``sink_head`` (:mod:`.sinks`);
            ``flags`` (the flags in words, e.g. ``"column; positional
            (+1)"``, ``""`` for none; :mod:`.flags`); last ``layer_index``, ``head_index`` (0-based, for
            indexing arrays).
        """
        return head_table(self.hits, self.total, self.background, self.min_total, k=k, alpha=alpha,
                          concentration=self.concentration, offsets=self.offsets, sinks=self.sinks)

    def layer_max(self) -> np.ma.MaskedArray:
        """Highest unmasked share in each layer, shape ``(n_layers,)``."""
        return self.share.max(axis=1)

    def to_dict(self) -> dict:
        """Plain arrays and numbers (for saving and for crossing process boundaries)."""
        return {"hits": self.hits, "total": self.total, "background_hits": self.background_hits,
                "background_total": self.background_total, "proteins": self.proteins,
                "threshold": self.threshold, "min_total": self.min_total,
                **({"concentration": self.concentration.to_dict()} if self.concentration is not None else {})}

    @classmethod
    def from_dict(cls, data: dict) -> "PropertyAccumulator":
        hits = np.asarray(data["hits"], dtype=np.int64)
        concentration = TargetConcentration.from_dict(data["concentration"]) if "concentration" in data else None
        acc = cls(*hits.shape, threshold=float(data["threshold"]), min_total=int(data["min_total"]),
                  concentration=concentration)
        return acc.add_counts(hits, data["total"], data["background_hits"], data["background_total"],
                              data["proteins"])


def contact_accumulator(attention, chain, threshold: float = DEFAULT_THRESHOLD, min_total: int = MIN_STRONG_EDGES,
                        cutoff: float = CONTACT_CUTOFF, min_separation: int = CONTACT_MIN_SEPARATION) -> PropertyAccumulator:
    """The contact statistic of one protein: strong edges that are 3D contacts.

    Parameters
    ----------
    attention : Attention
        Of ``chain``'s sequence.
    chain : Chain
        Supplies the contact map (CB < ``cutoff`` Å, ``|i - j| >= min_separation``).
        Pairs where either residue has no CB (real or virtual) are not counted.

    The accumulator has a :attr:`~PropertyAccumulator.concentration` with
    residue labels ``"<chain> <name> <id>"``, :attr:`~PropertyAccumulator.offsets`
    (positional heads) and, where the attention has ``special_token_mass``,
    :attr:`~PropertyAccumulator.sinks` (sink heads).
    """
    attention.check_chain(chain)
    accumulator = PropertyAccumulator(attention.n_layers, attention.n_heads, threshold, min_total, concentration=True)
    accumulator.offsets = OffsetCounts(attention.n_layers, attention.n_heads, len(attention))
    mass = getattr(attention, "special_token_mass", None)
    if mass is not None:
        accumulator.sinks = SinkMass(attention.n_layers, attention.n_heads).add(mass)
    return accumulator.add(attention.values, chain.contact_map(cutoff, min_separation), mask=chain.pair_mask("cb"),
                           target_labels=residue_labels(chain))
