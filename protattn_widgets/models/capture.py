"""Layer-by-layer attention capture through transformers' ``AttentionInterface``.

While :func:`capturing` is active, every self-attention layer of the module
runs :func:`_capture_attention`: the same arithmetic as transformers' eager
attention, after which the layer's weights ``(batch, n_heads, T, T)`` are
handed to a *sink* (which copies what it needs, e.g. the residue rows and
columns, to the host) and are **not** returned to the model output.  So no
stacked tuple of every layer's weights is ever held: at most one layer's
weights exist on the device beyond the model's own working set.

A half-precision model (float16, bfloat16) computes its scores in its own
dtype but the softmax in float32: the sink always gets float32 weights (rows
that sum to 1 to float32 precision), and the output matmul uses them cast
back to the value's dtype.
"""

from __future__ import annotations

import math
import threading
from contextlib import contextmanager
from typing import Any, Callable

from .dtypes import is_half

__all__ = ["CAPTURE_IMPLEMENTATION", "capturing"]

CAPTURE_IMPLEMENTATION = "protattn_capture"
_state = threading.local()
_registered = False
_register_lock = threading.Lock()


def _capture_attention(module: Any, query, key, value, attention_mask, scaling: float | None = None,
                       dropout: float = 0.0, **kwargs: Any):
    """Eager attention (as transformers' ``eager_attention_forward``); weights go to the sink, not the output."""
    import torch

    if scaling is None:
        scaling = query.size(-1) ** -0.5
    if scaling != 1.0 and math.frexp(scaling)[0] == 0.5:
        # A power of two (head size 4, 16, 64, 256): scaling the (T, d) query instead of the
        # (T, T) scores gives the same bits (only the exponent changes) and saves a pass over T x T.
        query, scaling = query * scaling, 1.0
    weights = torch.matmul(query, key.transpose(2, 3))
    if scaling != 1.0:  # ESM scales its query itself and passes 1.0: nothing to do
        weights.mul_(scaling)  # in place: one (T, T) block per head at a time, not two
    if attention_mask is not None:
        weights.add_(attention_mask)
    half = is_half(weights.dtype)
    weights = torch.nn.functional.softmax(weights, dim=-1, dtype=torch.float32 if half else None)
    weights = torch.nn.functional.dropout(weights, p=dropout, training=module.training)
    sink = getattr(_state, "sink", None)
    if sink is not None:
        sink(weights)
    if half:
        weights = weights.to(value.dtype)
    output = torch.matmul(weights, value).transpose(1, 2).contiguous()
    return output, None


def _register() -> None:
    global _registered
    with _register_lock:
        if _registered:
            return
        from transformers import AttentionInterface
        from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, eager_mask

        AttentionInterface.register(CAPTURE_IMPLEMENTATION, _capture_attention)
        ALL_MASK_ATTENTION_FUNCTIONS.register(CAPTURE_IMPLEMENTATION, eager_mask)  # same masks as eager
        _registered = True


@contextmanager
def capturing(module: Any, sink: Callable[[Any], None]):
    """Run ``module``'s attention layers through the capture function, calling ``sink(weights)`` per layer.

    ``weights`` is the layer's ``(batch, n_heads, T, T)`` tensor on the
    module's device, valid only during the call.  Not re-entrant per thread;
    the caller serialises forward passes of one module.
    """
    _register()
    config = module.config
    previous = config._attn_implementation
    config._attn_implementation = CAPTURE_IMPLEMENTATION
    _state.sink = sink
    try:
        yield
    finally:
        config._attn_implementation = previous
        _state.sink = None
