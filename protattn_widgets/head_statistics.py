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
        selection: one pass over the stored attention, a layer at a time
        (timed at 33 x 20 and 36 x 40 heads, L = 1,022, in ``bench/results_head_statistics.md``).

The contact share (the grid's default) is counted by
:class:`~protattn_widgets.widgets.grid_counts.StrongPairIndex`.
"""

from __future__ import annotations

import numpy as np

from .attention import Attention, as_float32, check_threshold
from .errors import InvalidOptionError

__all__ = [
    "apc", "apc_head", "GRID_STATISTICS", "available_statistics", "head_statistic",
    "attention_to_residue", "special_token_mass", "mean_separation", "attention_entropy",
]

_TINY = np.finfo(np.float32).smallest_subnormal

#: The head grid's colour choices: name -> what the grid's caption says.
GRID_STATISTICS: dict[str, str] = {
    "contact_share": "share of strong attention on 3D contacts",
    "attention_to_residue": "mean attention to the selected residue",
    "special_token_mass": "mean attention on special tokens",
    "mean_separation": "mean |i \u2212 j| of strong pairs (residues)",
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
    """:func:`apc` of one head of ``attention``, shape ``(L, L)`` float32 (about 10 ms at L = 1,022)."""
    return apc(attention.head(layer, head))


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
    ``threshold`` is at or above their floor, else from the stored values.

    Returns
    -------
    mean : ndarray of float64, shape=(n_layers, n_heads)
        NaN where a head has no strong pair.
    count : ndarray of int64, shape=(n_layers, n_heads)
        Its strong pairs.
    """
    t = np.float32(check_threshold(threshold))
    shape, length = (attention.n_layers, attention.n_heads), len(attention)
    n_flat = shape[0] * shape[1]
    strong = attention.strong_pairs
    if strong is not None and t >= np.float32(strong.floor) and t > 0:
        heads = np.floor(strong.keys).astype(np.int64)
        weights = strong.keys - heads
        at_one = weights == 0  # a weight of exactly 1 is stored as the next head's integer key
        heads[at_one] -= 1
        weights[at_one] = 1.0
        i, j = np.divmod(strong.pairs, length)
        keep = (weights >= t) & (i != j)
        flat, separation = heads[keep], np.abs(i[keep] - j[keep])
        count = np.bincount(flat, minlength=n_flat)
        summed = np.bincount(flat, weights=separation, minlength=n_flat)
    else:
        separation = np.abs(np.subtract.outer(np.arange(length), np.arange(length)))
        count = np.zeros(n_flat, dtype=np.int64)
        summed = np.zeros(n_flat)
        for flat in range(n_flat):
            mask = as_float32(attention.values[divmod(flat, shape[1])]) >= t
            np.fill_diagonal(mask, False)
            count[flat] = np.count_nonzero(mask)
            summed[flat] = separation[mask].sum(dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, summed / np.maximum(count, 1), np.nan)
    return mean.reshape(shape), count.astype(np.int64).reshape(shape)


def attention_entropy(attention: Attention) -> np.ndarray:
    """Mean row entropy per head, in bits, float64 ``(n_layers, n_heads)``.

    Each query residue's row ``a_i.`` is renormalised over the residues
    (``p_ij = a_ij / sum_j a_ij``) and ``H_i = -sum_j p_ij log2 p_ij``; the
    head's value is the mean of ``H_i`` over rows with any attention (NaN if
    none).  Computed as ``log2 s_i - sum_j a_ij log2 a_ij / s_i``, one layer at
    a time in float32 (a float16 layer through one reused buffer).
    """
    n_layers, n_heads, length = attention.n_layers, attention.n_heads, len(attention)
    out = np.full((n_layers, n_heads), np.nan)
    buffer = np.empty((n_heads, length, length), dtype=np.float32)
    logs = np.empty_like(buffer)
    for layer in range(n_layers):
        a = as_float32(attention.values[layer], out=buffer)
        np.maximum(a, _TINY, out=logs)  # 0 log 0 = 0: 0 * log2(tiny) is 0
        np.log2(logs, out=logs)
        np.multiply(logs, a, out=logs)
        s = a.sum(axis=-1, dtype=np.float64)  # (n_heads, L)
        xlogx = logs.sum(axis=-1, dtype=np.float64)
        rows = s > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            h = np.where(rows, np.log2(np.where(rows, s, 1.0)) - xlogx / np.where(rows, s, 1.0), 0.0)
            n_rows = rows.sum(axis=-1)
            out[layer] = np.where(n_rows > 0, h.sum(axis=-1) / np.maximum(n_rows, 1), np.nan)
    return np.maximum(out, 0.0, where=np.isfinite(out), out=out)  # rounding can give -1e-7 for one-hot rows


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
        values = attention_entropy(attention)
    elif name == "contact_share":
        raise InvalidOptionError("the contact share is counted by the head grid's StrongPairIndex (it needs the chain)")
    else:
        raise InvalidOptionError(f"grid statistic must be one of {list(GRID_STATISTICS)}, got {name!r}")
    return np.ma.masked_invalid(np.asarray(values, dtype=np.float64))
