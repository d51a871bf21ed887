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

import numpy as np

from .attention import check_threshold, head_label

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
    """

    def __init__(self, n_layers: int, n_heads: int, threshold: float = 0.3, min_total: int = 100):
        self.n_layers, self.n_heads = int(n_layers), int(n_heads)
        self.threshold = check_threshold(threshold)
        self.min_total = int(min_total)
        self.hits = np.zeros((self.n_layers, self.n_heads), dtype=np.int64)
        self.total = np.zeros((self.n_layers, self.n_heads), dtype=np.int64)
        self.background_hits = 0
        self.background_total = 0
        self.proteins = 0

    def add(self, values: np.ndarray, labels: np.ndarray, mask: np.ndarray | None = None) -> "PropertyAccumulator":
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
        # Background over what labels describe: pairs, or target residues.
        self.background_hits += int(np.count_nonzero(labels & counted))
        self.background_total += int(np.count_nonzero(counted))
        if labels.ndim == 1:  # a property of the target residue j: broadcast over queries i
            labels, counted = labels[None, :], counted[None, :]
        strong = values >= self.threshold
        strong &= counted
        self.total += np.count_nonzero(strong, axis=(2, 3))
        strong &= labels
        self.hits += np.count_nonzero(strong, axis=(2, 3))
        self.proteins += 1
        return self

    def __add__(self, other: "PropertyAccumulator") -> "PropertyAccumulator":
        if (other.n_layers, other.n_heads, other.threshold) != (self.n_layers, self.n_heads, self.threshold):
            raise ValueError("can only merge accumulators with the same shape and threshold")
        merged = PropertyAccumulator(self.n_layers, self.n_heads, self.threshold, self.min_total)
        merged.hits = self.hits + other.hits
        merged.total = self.total + other.total
        merged.background_hits = self.background_hits + other.background_hits
        merged.background_total = self.background_total + other.background_total
        merged.proteins = self.proteins + other.proteins
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

    def top_heads(self, k: int = 10) -> list[tuple[str, int, int, float, int]]:
        """The ``k`` unmasked heads with the highest share.

        Returns ``(label, layer, head, share, total)`` tuples; ``label`` is
        the paper's 1-based ``"layer-head"``, ``layer`` and ``head`` 0-based.
        """
        share = self.share
        order = np.argsort(-share.filled(-1.0), axis=None, kind="stable")
        rows = []
        for flat in order[:k]:
            layer, head = divmod(int(flat), self.n_heads)
            if share.mask[layer, head]:
                break
            rows.append((head_label(layer, head), layer, head, float(share[layer, head]), int(self.total[layer, head])))
        return rows


def contact_accumulator(attention, chain, threshold: float = 0.3, min_total: int = 100,
                        cutoff: float = 8.0, min_separation: int = 6) -> PropertyAccumulator:
    """The contact statistic of one protein: strong edges that are 3D contacts.

    Parameters
    ----------
    attention : Attention
        Of ``chain``'s sequence.
    chain : Chain
        Supplies the contact map (CB < ``cutoff`` Å, ``|i - j| >= min_separation``).
        Pairs where either residue has no CB (real or virtual) are not counted.
    """
    if attention.sequence != chain.sequence:
        raise ValueError(
            f"attention is of a {len(attention)}-residue sequence, not of chain {chain.chain_id} "
            f"({len(chain)} residues)"
        )
    has_cb = chain.coordinate_mask("cb")
    accumulator = PropertyAccumulator(attention.n_layers, attention.n_heads, threshold, min_total)
    return accumulator.add(attention.values, chain.contact_map(cutoff, min_separation),
                           mask=has_cb[:, None] & has_cb[None, :])
