"""Sink heads: attention that goes to the model's special tokens.

Many heads park most of each query's attention on a special token (CLS/BOS,
SEP/EOS): an "attention sink".  Their strong edges between residues are the
little left over, and a share computed on those few edges says little.

:class:`SinkMass` adds up, per head, the attention each observed residue sends
to special tokens (``Attention.special_token_mass``, ``(n_layers, n_heads,
L)``), and the number of residues, over every protein:

* ``mean_mass = mass / queries``: the head's average attention on special tokens.
* ``sink_head = mean_mass >= SINK_SHARE`` (0.5): most of its attention goes there.

The sums are float64 over float32 masses; they merge across proteins and
Dask shards by addition (equal to the local sums up to float rounding).
"""

from __future__ import annotations

import numpy as np

__all__ = ["SinkMass", "SINK_SHARE"]

#: A head is flagged as a "sink head" when on average at least this share of its attention goes to special tokens.
SINK_SHARE = 0.5


class SinkMass:
    """Per head: total attention on special tokens and the queries it was summed over.

    Attributes
    ----------
    mass : ndarray of float64, shape=(n_layers, n_heads)
    queries : ndarray of int64, shape=(n_layers, n_heads)
    """

    def __init__(self, n_layers: int, n_heads: int):
        self.n_layers, self.n_heads = int(n_layers), int(n_heads)
        self.mass = np.zeros((self.n_layers, self.n_heads), dtype=np.float64)
        self.queries = np.zeros((self.n_layers, self.n_heads), dtype=np.int64)

    def __repr__(self) -> str:
        return f"SinkMass({self.n_layers}x{self.n_heads}, sink heads={int(self.sink_head.sum())})"

    def add(self, special_token_mass: np.ndarray, layer: int | None = None) -> "SinkMass":
        """Add one protein's ``(n_layers, n_heads, L)`` masses, or one layer's ``(n_heads, L)`` with ``layer``."""
        mass = np.asarray(special_token_mass, dtype=np.float32)
        where = slice(None) if layer is None else int(layer)
        expected = self.mass[where].shape
        if mass.shape[:-1] != expected:
            raise ValueError(f"special_token_mass must have shape {(*expected, 'L')}, got {mass.shape}")
        self.mass[where] += mass.sum(axis=-1, dtype=np.float64)
        self.queries[where] += mass.shape[-1]
        return self

    def __add__(self, other: "SinkMass") -> "SinkMass":
        merged = SinkMass(self.n_layers, self.n_heads)
        merged.mass, merged.queries = self.mass + other.mass, self.queries + other.queries
        return merged

    @property
    def mean_mass(self) -> np.ndarray:
        """Average attention on special tokens per query residue (NaN where nothing was counted)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.queries > 0, self.mass / np.maximum(self.queries, 1), np.nan)

    @property
    def sink_head(self) -> np.ndarray:
        """``mean_mass >= SINK_SHARE``, bool ``(n_layers, n_heads)``."""
        return np.nan_to_num(self.mean_mass, nan=0.0) >= SINK_SHARE

    def table(self):
        """One row per head in 0-based flat order: ``special_token_mass`` (the mean) and ``sink_head``."""
        import pandas as pd

        return pd.DataFrame({"special_token_mass": self.mean_mass.ravel(), "sink_head": self.sink_head.ravel()})
