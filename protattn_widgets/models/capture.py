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

Under ``torch.inference_mode`` (how the model runs it) the scores of every
layer are computed into one reusable buffer, in place from the matmul to the
softmax, and an all-zero additive mask (one unpadded sequence) is not added.
The arithmetic and so the weights are bit for bit those of eager attention,
but a fresh ``(batch, n_heads, T, T)`` tensor per step costs its page faults
on the CPU (a 16-170 MB allocation is a fresh ``mmap``): eager attention
allocates three per layer, the capture none after the first layer.
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
    shape = (*query.shape[:-1], key.shape[-2])
    reuse = torch.is_inference_mode_enabled() and not module.training
    weights = torch.matmul(query, key.transpose(2, 3), out=_scratch("scores", shape, query) if reuse else None)
    if scaling != 1.0:  # ESM scales its query itself and passes 1.0: nothing to do
        weights.mul_(scaling)  # in place: one (T, T) block per head at a time, not two
    if attention_mask is not None and not _is_zero_mask(attention_mask):
        weights.add_(attention_mask)
    half = is_half(weights.dtype)
    if half:  # scores in the model's dtype, the softmax in float32
        weights = torch.softmax(weights, dim=-1, dtype=torch.float32,
                                out=_scratch("softmax", shape, weights, torch.float32) if reuse else None)
    elif reuse:
        weights = torch.softmax(weights, dim=-1, out=weights)  # row by row: in place is exact
    else:
        weights = torch.nn.functional.softmax(weights, dim=-1)
    weights = torch.nn.functional.dropout(weights, p=dropout, training=module.training)
    sink = getattr(_state, "sink", None)
    if sink is not None:
        sink(weights)
    if half:
        weights = weights.to(value.dtype)
    output = torch.matmul(weights, value).transpose(1, 2).contiguous()
    return output, None


def _scratch(name: str, shape: tuple[int, ...], like, dtype=None):
    """The capture's reusable ``shape`` buffer called ``name`` (one per forward pass, replaced when the shape changes)."""
    import torch

    buffers = getattr(_state, "buffers", None)
    dtype = like.dtype if dtype is None else dtype
    buffer = None if buffers is None else buffers.get(name)
    if buffer is None or buffer.shape != shape or buffer.dtype != dtype or buffer.device != like.device:
        buffer = torch.empty(shape, dtype=dtype, device=like.device)
        if buffers is not None:
            buffers[name] = buffer
    return buffer


def _is_zero_mask(mask) -> bool:
    """Whether the additive mask adds nothing (every entry 0), checked once per mask tensor."""
    known = getattr(_state, "zero_mask", None)
    if known is not None and known[0] is mask:
        return known[1]
    zero = bool(mask.is_floating_point() and not mask.any())
    _state.zero_mask = (mask, zero)  # the reference keeps its address from being reused in this pass
    return zero


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
    _state.sink, _state.buffers, _state.zero_mask = sink, {}, None
    try:
        yield
    finally:
        config._attn_implementation = previous
        _state.sink, _state.buffers, _state.zero_mask = None, None, None
