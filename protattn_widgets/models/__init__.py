"""Loading protein language models, once per process.

>>> model = load_model("antiberty")                   # embedded, offline
>>> model = load_model("facebook/esm2_t6_8M_UR50D")   # hub id or local directory
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from ..cache import AttentionCache, attention_cache
from ..errors import ModelLoadError
from .adapters import (ADAPTERS, HUB_ALIASES, ModelAdapter, adapter_for, canonical_name, model_display_name,
                       register_adapter)
from .antiberty import AntiBERTyAdapter
from .domain import out_of_domain_note, warn_out_of_domain
from .dtypes import DTYPES, dtype_name, resolve_dtype
from .language_model import Job, ProteinLanguageModel

__all__ = [
    "load_model", "clear_model_cache", "default_device", "ProteinLanguageModel", "Job",
    "ModelAdapter", "register_adapter", "model_display_name", "ADAPTERS", "HUB_ALIASES", "AntiBERTyAdapter", "DTYPES",
    "out_of_domain_note", "warn_out_of_domain",
]

_MODELS: dict[tuple, ProteinLanguageModel] = {}
_MODELS_LOCK = threading.Lock()


def default_device() -> str:
    """``"cuda"`` when a GPU is available, else ``"cpu"``."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_model(name: str | os.PathLike = "antiberty", *, family: str | None = None,
               revision: str | None = None, device: str | None = None,
               cache: AttentionCache | None = None, dtype=None) -> ProteinLanguageModel:
    """Load a protein language model, or return the one already loaded.

    Parameters
    ----------
    name : str or path
        ``"antiberty"`` (embedded, works offline), a short name from
        ``HUB_ALIASES`` (``"esm2-8m"``, ``"protbert"``, ...), a Hugging Face
        hub id, or a local directory saved with ``save_pretrained``.
    family : str, optional
        Force an adapter (a key of ``ADAPTERS``) instead of detecting it.
    revision : str, optional
        Hub revision (branch, tag or commit).
    device : str, optional
        Defaults to :func:`default_device`.
    cache : AttentionCache, optional
        Defaults to the process-wide ``attention_cache``.
    dtype : {None, "float32", "float16", "bfloat16"} or torch.dtype
        What the forward pass runs in.  ``None`` keeps the checkpoint's dtype
        as loaded.  In half precision each layer's softmax is still computed
        in float32 and the attention handed on is float32; its cache entries
        are kept apart from float32 ones.

    Raises
    ------
    ModelLoadError
        If the model cannot be found or loaded.
    """
    name = str(name)
    source = canonical_name(name)
    if _looks_like_path(source):
        source = str(Path(source).expanduser().resolve())
        if not Path(source).is_dir():
            raise ModelLoadError(f"model directory {source!r} does not exist")
    device = device or default_device()
    torch_dtype = resolve_dtype(dtype)  # bad names fail before anything loads
    key = (source, family, revision, device, None if torch_dtype is None else dtype_name(torch_dtype), id(cache))
    with _MODELS_LOCK:
        model = _MODELS.get(key)
        if model is None:
            adapter = adapter_for(source, family, revision)
            loaded = adapter.load(source, revision)
            model = ProteinLanguageModel(source, adapter, loaded, device, cache or attention_cache, torch_dtype)
            _MODELS[key] = model
    return model


def _looks_like_path(name: str) -> bool:
    # Hub ids are "name" or "org/name"; anything else path-like is a local directory.
    return name.startswith(("/", ".", "~")) or name.count("/") > 1 or "\\" in name


def clear_model_cache() -> None:
    """Forget every loaded model (their memory is freed once unreferenced)."""
    with _MODELS_LOCK:
        _MODELS.clear()
