"""The floating-point types a model may run in (``load_model(..., dtype=)``)."""

from __future__ import annotations

from typing import Any

from ..errors import ModelLoadError

__all__ = ["DTYPES", "resolve_dtype", "dtype_name", "is_half"]

#: Names ``load_model`` accepts for ``dtype=``.
DTYPES = ("float32", "float16", "bfloat16")


def resolve_dtype(dtype: Any) -> Any:
    """``None`` (keep the checkpoint's dtype), a name in :data:`DTYPES` or a ``torch.dtype`` -> ``torch.dtype`` or None.

    Raises
    ------
    ModelLoadError
        For anything else, naming the allowed values.
    """
    import torch

    if dtype is None:
        return None
    allowed = {name: getattr(torch, name) for name in DTYPES}
    if isinstance(dtype, torch.dtype):
        if dtype in allowed.values():
            return dtype
    elif isinstance(dtype, str) and dtype.removeprefix("torch.") in allowed:
        return allowed[dtype.removeprefix("torch.")]
    raise ModelLoadError(f"dtype {dtype!r} is not supported; use None (the checkpoint's own dtype), "
                         f"{', '.join(repr(n) for n in DTYPES)} or the matching torch.dtype")


def dtype_name(dtype: Any) -> str:
    """``torch.bfloat16`` -> ``"bfloat16"``."""
    return str(dtype).removeprefix("torch.")


def is_half(dtype: Any) -> bool:
    """Whether ``dtype`` is a 16-bit float (its softmax is then computed in float32)."""
    import torch

    return dtype in (torch.float16, torch.bfloat16)
