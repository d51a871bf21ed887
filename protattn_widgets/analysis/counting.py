"""Counting every property of one protein in one pass over its attention.

The float tensor ``values`` (``n_layers x n_heads x L x L``) is read once, to
threshold it.  Everything after works on the boolean tensor or on its column
sums:

* target properties: ``received[l, h, j]`` = strong edges into residue ``j``
  (one sum over the boolean tensor); the hits of all ``F`` features are then
  ``received @ labels`` with ``labels`` of shape ``(L, F)``, e.g. the 20
  amino acids' one-hot matrix.
* pair properties: hits are gathered at the labelled pairs only
  (``strong[:, :, i, j]`` for the ``nnz`` contacts), totals are all strong
  edges minus those at excluded pairs (or gathered at counted pairs when
  fewer pairs count than not).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["FeatureCounts", "LayerCounter", "count_protein", "count_thresholded", "count_protein_layers", "threshold_attention",
           "count_targets", "count_pairs"]


@dataclass(frozen=True)
class FeatureCounts:
    """Counts of one feature in one protein.

    Attributes
    ----------
    hits, total : ndarray of int64, shape=(n_layers, n_heads)
    background_hits, background_total : int
    """

    hits: np.ndarray
    total: np.ndarray
    background_hits: int
    background_total: int


def count_protein(values: np.ndarray, threshold: float, labelled: list) -> dict[str, FeatureCounts]:
    """Count strong edges with each feature of each property, in one pass.

    Parameters
    ----------
    values : ndarray, shape=(n_layers, n_heads, L, L)
    threshold : float
        Strong edges are ``values >= threshold``.
    labelled : list of (Property, labels, mask)
        As returned by :meth:`Property.labels`.

    Returns
    -------
    dict of feature name -> FeatureCounts
    """
    return count_thresholded(*threshold_attention(values, threshold), labelled)


def count_thresholded(strong: np.ndarray, received: np.ndarray, all_total: np.ndarray,
                      labelled: list) -> dict[str, FeatureCounts]:
    """:func:`count_protein` from :func:`threshold_attention`'s output (the engine thresholds each layer once)."""
    counts: dict[str, FeatureCounts] = {}
    for prop, labels, mask in labelled:
        if prop.kind == "target":
            for feature, feature_counts in zip(prop.features, count_targets(received, all_total, labels, mask)):
                counts[feature] = feature_counts
        else:
            counts[prop.features[0]] = count_pairs(strong, all_total, labels, mask)
    return counts


def count_protein_layers(layers, n_layers: int, threshold: float, labelled: list) -> dict[str, FeatureCounts]:
    """:func:`count_protein` over a stream of layers, holding one layer at a time.

    Parameters
    ----------
    layers : iterable of (layer, ndarray shape=(n_heads, L, L))
        E.g. ``model.iter_layer_attention(record)`` (float32, one forward pass).
    n_layers : int

    Returns
    -------
    dict of feature name -> FeatureCounts, exactly as :func:`count_protein`
    on the stacked tensor.
    """
    counter = LayerCounter(n_layers, threshold, labelled)
    for layer, values in layers:
        counter.add(layer, values)
    return counter.result()


class LayerCounter:
    """One protein's counts, filled one layer at a time (in any order; the batched engine interleaves proteins)."""

    def __init__(self, n_layers: int, threshold: float, labelled: list):
        self.n_layers, self.threshold, self.labelled = int(n_layers), threshold, labelled
        self._hits: dict[str, np.ndarray] = {}
        self._totals: dict[str, np.ndarray] = {}
        self._background: dict[str, tuple[int, int]] = {}

    def add(self, layer: int, values: np.ndarray) -> None:
        """Count layer ``layer``'s ``(n_heads, L, L)`` attention."""
        self.add_thresholded(layer, *threshold_attention(values, self.threshold))

    def add_thresholded(self, layer: int, strong: np.ndarray, received: np.ndarray, all_total: np.ndarray) -> None:
        """Count layer ``layer`` from :func:`threshold_attention` of its ``(n_heads, L, L)`` attention."""
        counted = count_thresholded(strong[None], received[None], all_total[None], self.labelled)
        for feature, counts in counted.items():
            if feature not in self._hits:
                self._hits[feature] = np.zeros((self.n_layers, counts.hits.shape[1]), dtype=np.int64)
                self._totals[feature] = np.zeros_like(self._hits[feature])
                self._background[feature] = (counts.background_hits, counts.background_total)
            self._hits[feature][layer] = counts.hits[0]
            self._totals[feature][layer] = counts.total[0]

    def result(self) -> dict[str, FeatureCounts]:
        """Feature name -> FeatureCounts, as :func:`count_protein` on the stacked layers."""
        return {feature: FeatureCounts(self._hits[feature], self._totals[feature], *self._background[feature])
                for feature in self._hits}


def threshold_attention(values: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The one pass over the float tensor.

    ``values`` has shape ``(..., L, L)``, e.g. ``(n_layers, n_heads, L, L)``.
    Returns ``strong`` (bool, like ``values``), ``received`` (int64,
    ``(..., L)``: strong edges into each target) and their total per head.
    """
    strong = np.asarray(values) >= threshold
    received = strong.sum(axis=-2, dtype=np.int64)
    return strong, received, received.sum(axis=-1)


def count_targets(received: np.ndarray, all_total: np.ndarray, labels: np.ndarray,
                  mask: np.ndarray | None) -> list[FeatureCounts]:
    """Counts of per-target features: ``labels`` (L, F) bool, ``mask`` (L,) or None."""
    length = labels.shape[0]
    counted = np.ones(length, dtype=bool) if mask is None else mask
    weights = (labels & counted[:, None]).astype(np.int64)  # (L, F)
    hits = received @ weights  # (n_layers, n_heads, F)
    total = all_total if mask is None else received @ counted.astype(np.int64)
    background_hits, background_total = weights.sum(axis=0), int(counted.sum())
    return [FeatureCounts(hits[..., f], total, int(background_hits[f]), background_total)
            for f in range(labels.shape[1])]


def count_pairs(strong: np.ndarray, all_total: np.ndarray, labels: np.ndarray,
                mask: np.ndarray | None) -> FeatureCounts:
    """Counts of a pair feature: ``labels`` and ``mask`` (L, L) bool (mask may be None)."""
    counted = np.ones(labels.shape, dtype=bool) if mask is None else mask
    labels = labels & counted
    hits = _count_at(strong, labels)
    if mask is None:
        total = all_total
    elif counted.sum() < counted.size / 2:
        total = _count_at(strong, counted)
    else:
        total = all_total - _count_at(strong, ~counted)
    return FeatureCounts(hits, total, int(labels.sum()), int(counted.sum()))


def _count_at(strong: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Strong edges at the ``True`` pairs of ``pairs`` (L, L), per head."""
    i, j = np.nonzero(pairs)
    if i.size == 0:
        return np.zeros(strong.shape[:2], dtype=np.int64)
    return strong[:, :, i, j].sum(axis=-1, dtype=np.int64)
