"""How many proteins one forward pass of :func:`~.engine.analyze` runs, and which go together.

On a GPU several proteins of similar length share one padded forward pass.
The batch size is bounded by the bytes of ONE layer's float32 attention of
the batch, ``batch x heads x T x T x 4`` (the capture hands the device one
layer at a time), so deeper models do not need smaller batches.
"""

from __future__ import annotations

import numbers

from ..errors import AnalysisInputError

__all__ = ["resolve_batch_size", "auto_batch_size", "length_batches", "LAYER_BUDGET_BYTES", "MAX_BATCH_SIZE",
           "WINDOW_BATCHES"]

#: Device bytes one layer's attention of a batch may take (float32).
LAYER_BUDGET_BYTES = 1 << 30
#: The automatic batch size never exceeds this.
MAX_BATCH_SIZE = 32
#: Records are sorted by length within windows of this many batches (input order between windows).
WINDOW_BATCHES = 8


def auto_batch_size(n_heads: int, tokens: int, budget: int = LAYER_BUDGET_BYTES, cap: int = MAX_BATCH_SIZE) -> int:
    """Most proteins of ``tokens`` tokens whose one layer of float32 attention fits ``budget`` (1..cap)."""
    per_protein = 4 * int(n_heads) * int(tokens) ** 2
    return max(1, min(int(cap), int(budget) // max(per_protein, 1)))


def resolve_batch_size(batch_size: int | None, model, length: int) -> int:
    """``None``: 1 on the CPU, :func:`auto_batch_size` on CUDA for ``length`` residues; else checked.

    Raises
    ------
    AnalysisInputError
        For a batch size that is not a whole number of at least 1.
    """
    if batch_size is None:
        if not str(model.device).startswith("cuda"):
            return 1
        return auto_batch_size(model.n_heads, int(length) + int(getattr(model, "n_special_tokens", 2)))
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise AnalysisInputError(f"batch_size must be a whole number of at least 1 (or None for automatic), "
                                 f"got {batch_size!r}")
    return int(batch_size)


def length_batches(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Indices into ``lengths`` grouped into batches of similar length (stable sort, longest padding least)."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    return [order[start:start + batch_size] for start in range(0, len(order), batch_size)]
