"""Per-head diagnostics of one protein's attention: the APC-corrected map and the grid's statistics.

Both are domain computations on an :class:`~protattn_widgets.Attention` (axes
``(n_layers, n_heads, L, L)``, row ``i`` attends to column ``j``, special tokens
removed); the explorer's heatmap and head grid only draw what they return.

APC map
    :func:`apc` is the preprocessing of ESM's contact regression
    (``esm/modules.py``: ``apc(symmetrize(x))``): ``S = A + A^T``, then
    ``APC = S - outer(S.sum(1), S.sum(0)) / S.sum()``.  Positive where a pair
    attends to each other more than the residues' overall attention predicts:
    the "average product correction" removes the background of rows and
    columns that attend / are attended to everywhere (column heads, sinks).

Grid statistics (:data:`GRID_STATISTICS`, one value per head, ``(n_layers, n_heads)``)
    ``attention_to_residue``
        Mean attention the selected residue ``r`` receives from the other
        residues, ``sum_{i != r} a_ir / (L - 1)`` (from the cached column sums:
        a new selection costs one gather).
    ``special_token_mass``
        Mean attention each residue sends to the model's special tokens
        (``Attention.special_token_mass``; only where the model reported it).
    ``mean_separation``
        Mean ``|i - j|`` of the head's strong pairs (ordered, ``i != j``,
        ``a_ij >= threshold``; the pairs the contact share counts, all of them).
    ``entropy``
        Mean over query residues of the entropy, in bits, of the residue's
        attention row renormalised over the residues (0: all on one residue;
        ``log2(L)``: spread evenly).  Independent of the threshold and the
        selection: computed once per attention (kept on it), a head at a time,
        with progress; a float16 head (the stored dtype of long chains) is two
        table look-ups per weight (``bench/results_head_statistics.md``).

The contact share (the grid's default) is counted by
:class:`~protattn_widgets.widgets.grid_counts.StrongPairIndex`.
"""

from __future__ import annotations

import numpy as np

from .attention import _FLOAT16_TO_32, Attention, as_float32, check_threshold
from .errors import InvalidOptionError
from .strong_pairs import DEFAULT_FLOOR, count_heads_at_least, heads_at_least, pairs_down_to

__all__ = [
    "apc", "apc_head", "HEATMAP_KINDS", "heatmap_matrix", "GRID_FORMATS", "grid_view", "GRID_STATISTICS", "available_statistics", "head_statistic",
    "attention_to_residue", "special_token_mass", "mean_separation", "attention_entropy", "row_entropy",
    "strong_edges", "reads_every_head", "EdgeCounts", "edge_counts", "protein_flags", "flag_words_per_head",
]

_TINY = np.finfo(np.float32).smallest_subnormal

#: How the grid shows each statistic's values (js/head_grid.js ``value_format``).
GRID_FORMATS: dict[str, str] = {
    "contact_share": "percent", "attention_to_residue": "number", "special_token_mass": "percent",
    "mean_separation": "number", "entropy": "number",
}
#: The head grid's colour choices: name -> what the grid's caption says.
GRID_STATISTICS: dict[str, str] = {
    "contact_share": "share of strong attention on 3D contacts",
    "attention_to_residue": "mean attention to the selected residue",
    "special_token_mass": "mean attention on special tokens",
    "mean_separation": "mean |i \u2212 j| of strong edges i\u2192j, i \u2260 j (residues)",
    "entropy": "mean entropy of attention rows (bits)",
}


def apc(matrix: np.ndarray) -> np.ndarray:
    """Symmetrised, APC-corrected attention (ESM's contact-regression preprocessing).

    Parameters
    ----------
    matrix : ndarray, shape=(..., L, L)
        One head or a stack of heads (any float dtype).

    Returns
    -------
    ndarray of float32, shape=(..., L, L)
        ``S - outer(S.sum(-1), S.sum(-2)) / S.sum()`` with ``S = A + A^T``;
        symmetric.  A head with no attention at all gives zeros.  The sums are
        accumulated in float64.
    """
    a = as_float32(matrix)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"apc needs square matrices (..., L, L), got shape {a.shape}")
    sym = a + np.swapaxes(a, -1, -2)
    rows = sym.sum(axis=-1, dtype=np.float64)  # (..., L); S is symmetric: column sums are the same
    total = rows.sum(axis=-1, keepdims=True)  # (..., 1)
    # r_i r_j / total as q_i q_j with q = r / sqrt(total): exactly symmetric in float32.
    q = np.divide(rows, np.sqrt(total), out=np.zeros_like(rows), where=total > 0).astype(np.float32)
    sym -= q[..., :, None] * q[..., None, :]
    return sym


def apc_head(attention: Attention, layer: int, head: int) -> np.ndarray:
    """:func:`apc` of one head of ``attention``, shape ``(L, L)`` float32 (a few ms at L = 1,022)."""
    return apc(attention.head(layer, head))


#: What the explorer's heatmap can show of a head: its attention, or the APC-corrected map.
HEATMAP_KINDS: dict[str, str] = {
    "raw": "attention weights",
    "apc": "symmetrised, APC-corrected attention (ESM's contact preprocessing; below 0 shown as 0)",
}


def heatmap_matrix(attention: Attention, layer: int, head: int, kind: str = "raw") -> np.ndarray:
    """The ``(L, L)`` float32 matrix the heatmap draws for one head: ``"raw"`` attention, or ``"apc"``:
    :func:`apc` clipped at 0 (pairs attending to each other less than their rows and columns predict
    carry no signal for contacts; the heatmap's colour scale starts at 0)."""
    if kind == "raw":
        return attention.head(layer, head)
    if kind == "apc":
        return np.maximum(apc_head(attention, layer, head), np.float32(0))
    raise InvalidOptionError(f"heatmap kind must be one of {list(HEATMAP_KINDS)}, got {kind!r}")


# ---------------------------------------------------------------------- grid statistics


def attention_to_residue(attention: Attention, residue: int) -> np.ndarray:
    """Mean attention residue ``residue`` (0-based) receives from the other residues, per head.

    Returns
    -------
    ndarray of float64, shape=(n_layers, n_heads)
        ``sum_{i != r} a_ir / (L - 1)``; NaN when ``L == 1``.
    """
    length = len(attention)
    if isinstance(residue, bool) or not isinstance(residue, (int, np.integer)) or not 0 <= residue < length:
        raise InvalidOptionError(f"residue must be a 0-based index in [0, {length}), got {residue!r}")
    if length == 1:
        return np.full((attention.n_layers, attention.n_heads), np.nan)
    received = attention.received_all()[:, :, residue].astype(np.float64)
    itself = as_float32(attention.values[:, :, residue, residue]).astype(np.float64)
    return (received - itself) / (length - 1)


def special_token_mass(attention: Attention) -> np.ndarray | None:
    """Mean attention a residue sends to special tokens, per head, float64 ``(n_layers, n_heads)``;
    None when the model did not report ``Attention.special_token_mass``."""
    mass = getattr(attention, "special_token_mass", None)
    if mass is None:
        return None
    return np.asarray(mass, dtype=np.float32).mean(axis=-1, dtype=np.float64)


def mean_separation(attention: Attention, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean sequence separation ``|i - j|`` of each head's strong pairs.

    Strong pairs are ordered pairs ``i != j`` with ``a_ij >= threshold``, from
    the exact float32 strong pairs captured with the attention when
    ``threshold`` is at or above their floor, else from the stored values,
    counted by offset (:func:`edge_counts`: one read of each head, no list of
    every pair).

    Returns
    -------
    mean : ndarray of float64, shape=(n_layers, n_heads)
        NaN where a head has no strong pair.
    count : ndarray of int64, shape=(n_layers, n_heads)
        Its strong pairs.
    """
    shape = (attention.n_layers, attention.n_heads)
    if reads_every_head(attention, threshold):  # by offset while each head is read: no list of every pair
        offsets = edge_counts(attention, threshold).offsets.reshape(-1, 2 * len(attention) - 1)
        separation = np.abs(np.arange(offsets.shape[-1]) - (len(attention) - 1))
        count, summed = offsets[:, separation > 0].sum(axis=-1), offsets @ separation
    else:  # the strong pairs' edges: fewer than the offset table's cells
        flat, i, j = strong_edges(attention, threshold)
        distinct = i != j
        flat, separation = flat[distinct], np.abs(i[distinct] - j[distinct])
        count = np.bincount(flat, minlength=shape[0] * shape[1])
        summed = np.bincount(flat, weights=separation, minlength=shape[0] * shape[1])
    with np.errstate(invalid="ignore", divide="ignore"):  # sums of integers: exact in float64 either way
        mean = np.where(count > 0, summed / np.maximum(count, 1), np.nan)
    return mean.reshape(shape), count.astype(np.int64).reshape(shape)


def reads_every_head(attention: Attention, threshold: float) -> bool:
    """Whether the strong edges at ``threshold`` come from a pass over every stored head (below the
    strong-pair floor, or at 0) rather than from the strong pairs (:func:`strong_edges`)."""
    t = np.float32(check_threshold(threshold))
    return not (t > 0 and t >= np.float32(_pairs_floor(attention)))


def _pairs_floor(attention: Attention) -> float:
    """The lowest threshold the strong pairs serve: the captured pairs' floor, else (or if higher)
    :data:`DEFAULT_FLOOR`, down to which they are rebuilt once (``pairs_down_to``)."""
    captured = attention.strong_pairs
    return DEFAULT_FLOOR if captured is None else min(captured.floor, DEFAULT_FLOOR)


def strong_edges(attention: Attention, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every ordered pair with ``a_ij >= threshold`` (self-attention included) of every head.

    At or above the strong-pair floor from the pairs captured with the attention (exact float32),
    or for attention made without a capture from pairs rebuilt once from its stored values
    (:func:`~protattn_widgets.strong_pairs.pairs_down_to`); below the floor from the stored values,
    a head at a time.

    Returns
    -------
    flat, i, j : ndarray of int64, shape=(k,)
        Flat head ``layer * n_heads + head``, query ``i`` and key ``j`` (0-based residues).
    """
    length = len(attention)
    if reads_every_head(attention, threshold):
        kept = [kept for _, _, kept in heads_at_least(attention.values, threshold)]
        flat = np.repeat(np.arange(len(kept), dtype=np.int64), [k.size for k in kept])
        return (flat, *np.divmod(np.concatenate(kept + [np.zeros(0, dtype=np.int64)]), length))
    strong = pairs_down_to(attention, _pairs_floor(attention))
    heads = np.floor(strong.keys).astype(np.int64)
    weights = strong.keys - heads
    at_one = weights == 0  # a weight of exactly 1 is stored as the next head's integer key
    heads[at_one] -= 1
    weights[at_one] = 1.0
    keep = weights >= np.float32(threshold)
    i, j = np.divmod(strong.pairs[keep], length)
    return heads[keep], i, j


class EdgeCounts:
    """Each head's strong edges counted by offset ``j - i`` and by key ``j``: all the flags read.

    Attributes
    ----------
    offsets : ndarray of int64, shape=(n_layers, n_heads, 2 L - 1)
        ``offsets[l, h, j - i + L - 1]``: strong edges at that offset.
    received : ndarray of int64, shape=(n_layers, n_heads, L)
        ``received[l, h, j]``: strong edges to residue ``j``.
    """

    def __init__(self, n_layers: int, n_heads: int, length: int) -> None:
        self.length = int(length)
        self.offsets = np.zeros((n_layers, n_heads, 2 * self.length - 1), dtype=np.int64)
        self.received = np.zeros((n_layers, n_heads, self.length), dtype=np.int64)

    def add_head(self, flat: int, kept: np.ndarray) -> None:
        """Count one head's strong edges, ``kept`` its flat pairs ``i * L + j``."""
        i, j = np.divmod(kept, self.length)
        self.offsets.reshape(-1, self.offsets.shape[-1])[flat] = np.bincount(
            j - i + self.length - 1, minlength=self.offsets.shape[-1])
        self.received.reshape(-1, self.length)[flat] = np.bincount(j, minlength=self.length)

    def add_edges(self, flat: np.ndarray, i: np.ndarray, j: np.ndarray) -> "EdgeCounts":
        """Count every head's strong edges at once (:func:`strong_edges`'s arrays)."""
        width, length = self.offsets.shape[-1], self.length
        self.offsets += np.bincount(flat * width + (j - i + length - 1), minlength=self.offsets.size).reshape(
            self.offsets.shape)
        self.received += np.bincount(flat * length + j, minlength=self.received.size).reshape(self.received.shape)
        return self


def edge_counts(attention: Attention, threshold: float) -> EdgeCounts:
    """:class:`EdgeCounts` at ``threshold``: from the strong pairs, or one read of every head
    (:func:`reads_every_head`), never a list of every edge below the floor."""
    counts = EdgeCounts(attention.n_layers, attention.n_heads, len(attention))
    if not reads_every_head(attention, threshold):
        return counts.add_edges(*strong_edges(attention, threshold))
    count_heads_at_least(attention.values, threshold, counts)
    return counts


def protein_flags(attention: Attention, threshold: float, counts: EdgeCounts | None = None):
    """The analysis's per-head flags for this one protein, from all its strong edges at ``threshold``.

    The same definitions and counters as a dataset analysis (:mod:`protattn_widgets.analysis.flags`):
    column (:class:`~.analysis.concentration.TargetConcentration`), positional
    (:class:`~.analysis.offsets.OffsetCounts`), sink (:class:`~.analysis.sinks.SinkMass`, where the
    model reports special-token mass), counted over every strong edge (self-attention included).
    ``counts``: the strong edges counted already (:func:`edge_counts`, or a pass shared with others).

    Returns
    -------
    types.SimpleNamespace
        ``n_layers``, ``n_heads``, ``concentration``, ``offsets``, ``sinks`` (None without
        the mass): what :func:`~protattn_widgets.analysis.flags.flag_grid` and
        :func:`flag_words_per_head` read.
    """
    from types import SimpleNamespace

    from .analysis.concentration import TargetConcentration, residue_labels
    from .analysis.offsets import OffsetCounts
    from .analysis.sinks import SinkMass

    n_layers, n_heads, length = attention.n_layers, attention.n_heads, len(attention)
    counts = edge_counts(attention, threshold) if counts is None else counts
    offsets = OffsetCounts(n_layers, n_heads, length)
    offsets.counts = counts.offsets
    concentration = TargetConcentration(n_layers, n_heads, threshold).add_received(
        counts.received, labels=residue_labels(sequence=attention.sequence, residue_ids=attention.residue_ids))
    mass = getattr(attention, "special_token_mass", None)
    sinks = None if mass is None else SinkMass(n_layers, n_heads).add(mass)
    return SimpleNamespace(n_layers=n_layers, n_heads=n_heads, concentration=concentration, offsets=offsets,
                           sinks=sinks)


def flag_words_per_head(flagged) -> list[str]:
    """Each head's flags in words, flat 0-based order (``layer * n_heads + head``), ``""`` for none.

    ``flagged``: an analysis accumulator (``result[feature]``) or :func:`protein_flags`.
    """
    from .analysis.flags import flag_grid, flag_words

    grid = flag_grid(flagged)
    n = flagged.n_layers * flagged.n_heads
    table = {f"{name}_head": np.ravel(grid[name]) for name in ("column", "positional", "sink") if name in grid}
    if "positional" in grid:
        table["positional_offset"] = np.ravel(grid["positional_offset"])
    return flag_words(_Columns(table, n)) if table else [""] * n


class _Columns(dict):
    """Equal-length columns whose ``len()`` is the row count (what ``flag_words`` reads)."""

    def __init__(self, columns: dict, rows: int):
        super().__init__(columns)
        self._rows = rows

    def __len__(self) -> int:
        return self._rows


def attention_entropy(attention: Attention, progress=None) -> np.ndarray:
    """Mean row entropy per head, in bits, float64 ``(n_layers, n_heads)`` (read-only).

    Each query residue's row ``a_i.`` is renormalised over the residues
    (``p_ij = a_ij / sum_j a_ij``) and ``H_i = -sum_j p_ij log2 p_ij``
    (:func:`row_entropy`); the head's value is the mean of ``H_i`` over rows
    with any attention (NaN if none).  Computed once per attention, a head at a
    time through two reused ``L x L`` buffers, calling ``progress(layers_done,
    n_layers)`` after each layer; later calls return the kept result.
    """
    kept = getattr(attention, "_entropy", None)
    if kept is not None:
        return kept
    n_layers, n_heads, length = attention.n_layers, attention.n_heads, len(attention)
    rows = np.empty((n_layers, n_heads, length), dtype=np.float32)
    buffers = tuple(np.empty((length, length), dtype=np.float32) for _ in range(2))
    for layer in range(n_layers):
        for head in range(n_heads):
            rows[layer, head] = row_entropy(attention.values[layer, head], buffers=buffers)
        if progress is not None:
            progress(layer + 1, n_layers)
    finite = np.isfinite(rows)
    n_rows = finite.sum(axis=-1)
    total = np.where(finite, rows, 0.0).sum(axis=-1, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n_rows > 0, total / np.maximum(n_rows, 1), np.nan)
    mean.setflags(write=False)
    object.__setattr__(attention, "_entropy", mean)
    return mean


def _xlog2x_float16_table() -> np.ndarray:
    """``x log2 x`` in float32 for each of the 65,536 float16 bit patterns (0 at 0, NaN below 0 and for NaN)."""
    x = np.arange(65536, dtype=np.uint16).view(np.float16).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        table = np.where(x > 0, x * np.log2(np.where(x > 0, x, 1.0)), np.where(x == 0, 0.0, np.nan))
    return table.astype(np.float32)


_XLOG2X_FLOAT16 = _xlog2x_float16_table()


def row_entropy(values: np.ndarray, buffers: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Entropy in bits of each attention row, renormalised over its columns.

    Parameters
    ----------
    values : ndarray, shape=(..., L, L)
        float32, or float16 (the stored dtype of long chains): then ``a`` and ``a log2 a`` are two
        table look-ups per weight (65,536 entries each) instead of a conversion and a logarithm.
    buffers : two float32 arrays of ``values``' shape, optional
        Reused for ``a`` and ``a log2 a`` (loops over heads).

    Returns
    -------
    ndarray of float32, shape=(..., L)
        ``log2 s_i - sum_j a_ij log2 a_ij / s_i`` with ``s_i = sum_j a_ij`` (float32 pairwise sums),
        at least 0; NaN where the row has no attention.
    """
    array = np.asarray(values)
    a_out, xlogx_out = (None, None) if buffers is None else buffers
    if array.dtype == np.float16:
        bits = array.view(np.uint16)
        a = np.take(_FLOAT16_TO_32, bits, out=a_out, mode="clip")
        xlogx = np.take(_XLOG2X_FLOAT16, bits, out=xlogx_out, mode="clip")
    else:
        a = as_float32(array, out=a_out)
        xlogx = np.maximum(a, _TINY, out=xlogx_out)  # 0 log 0 = 0: 0 * log2(tiny) is 0
        np.log2(xlogx, out=xlogx)
        np.multiply(xlogx, a, out=xlogx)
    s = a.sum(axis=-1).astype(np.float64)
    summed = xlogx.sum(axis=-1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        h = np.where(s > 0, np.log2(np.where(s > 0, s, 1.0)) - summed / np.where(s > 0, s, 1.0), np.nan)
    return np.maximum(h, 0.0, where=np.isfinite(h), out=h).astype(np.float32)  # rounding: -1e-7 for one-hot rows


def grid_view(attention: Attention, name: str, *, threshold: float = 0.3, residue: int | None = None,
              min_total: int = 1) -> dict:
    """What the head grid draws for a statistic other than ``contact_share``: a dict with ``values``
    (:func:`head_statistic`), ``counts`` (strong pairs per head for ``mean_separation``, else None),
    ``value_format`` (:data:`GRID_FORMATS`) and ``caption`` (:data:`GRID_STATISTICS`, with the
    threshold or the residue it depends on)."""
    values = head_statistic(attention, name, threshold=threshold, residue=residue, min_total=min_total)
    counts, caption = None, GRID_STATISTICS[name]
    if name == "mean_separation":
        counts = mean_separation(attention, threshold)[1]
        caption += f", attention \u2265 {threshold:g}"
    elif name == "attention_to_residue":
        caption += (f" ({attention.residue_ids[residue]})" if residue is not None
                    else ": select a residue")
    return {"values": values, "counts": counts, "value_format": GRID_FORMATS[name], "caption": caption}


def available_statistics(attention: Attention, *, has_chain: bool = True) -> list[str]:
    """The :data:`GRID_STATISTICS` this attention can give (``special_token_mass`` needs the model's report,
    ``contact_share`` a chain with coordinates)."""
    names = list(GRID_STATISTICS)
    if special_token_mass(attention) is None:
        names.remove("special_token_mass")
    if not has_chain:
        names.remove("contact_share")
    return names


def head_statistic(attention: Attention, name: str, *, threshold: float = 0.3, residue: int | None = None,
                   min_total: int = 1) -> np.ma.MaskedArray:
    """One grid statistic other than ``contact_share`` for every head, masked where a head has none.

    Parameters
    ----------
    attention : Attention
    name : str
        A key of :data:`GRID_STATISTICS` except ``"contact_share"``.
    threshold : float
        Strong pairs (``mean_separation``).
    residue : int, optional
        The selected residue (``attention_to_residue``; all masked without one).
    min_total : int
        ``mean_separation`` is masked for heads with fewer strong pairs.

    Returns
    -------
    numpy.ma.MaskedArray of float64, shape=(n_layers, n_heads)

    Raises
    ------
    InvalidOptionError
        An unknown name, or ``special_token_mass`` for attention without it.
    """
    shape = (attention.n_layers, attention.n_heads)
    if name == "attention_to_residue":
        if residue is None:
            return np.ma.masked_all(shape)
        values = attention_to_residue(attention, residue)
    elif name == "special_token_mass":
        values = special_token_mass(attention)
        if values is None:
            raise InvalidOptionError(
                f"{attention.model_name} reported no special-token mass for this attention "
                "(Attention.special_token_mass is None); choose another grid statistic")
    elif name == "mean_separation":
        values, count = mean_separation(attention, threshold)
        values = np.where(count >= max(int(min_total), 1), values, np.nan)
    elif name == "entropy":
        values = attention_entropy(attention).copy()
    elif name == "contact_share":
        raise InvalidOptionError("the contact share is counted by the head grid's StrongPairIndex (it needs the chain)")
    else:
        raise InvalidOptionError(f"grid statistic must be one of {list(GRID_STATISTICS)}, got {name!r}")
    return np.ma.masked_invalid(np.asarray(values, dtype=np.float64))
