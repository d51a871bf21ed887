"""load_model(dtype=): half precision with a float32 softmax, kept apart in the cache."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import protattn_widgets as paw
from protattn_widgets.cache import AttentionCache
from protattn_widgets.errors import ModelLoadError
from protattn_widgets.models import language_model

HEAVY = "EVQLVESGGGLVQPGGSLRLSCAASGFTFSSYAMSWVRQAPGKGLEWVSAISGSGGSTYYADSVKGRFTISRDNSKNTLYLQMNSLRAEDTAVYYCAK"
#: Largest |bf16 - float32| residue attention measured on HEAVY: 0.0128 (bfloat16 keeps ~3 digits).
BF16_ATOL = 2.5e-2


@pytest.fixture(scope="module")
def cache():
    return AttentionCache()


@pytest.fixture(scope="module")
def bf16(cache):
    return paw.load_model("antiberty", cache=cache, dtype="bfloat16")


def test_bfloat16_antiberty_runs_in_bfloat16_and_says_so(bf16):
    assert bf16.dtype == "bfloat16"
    assert {p.dtype for p in bf16.module.parameters()} == {torch.bfloat16}
    assert "dtype='bfloat16'" in repr(bf16)
    assert paw.load_model("antiberty", cache=bf16.cache, dtype=torch.bfloat16) is bf16


def test_the_sink_gets_float32_rows_that_sum_to_one(bf16, monkeypatch):
    seen = []
    original = language_model.capturing

    def spying(module, sink):
        def spy(weights):
            seen.append((weights.dtype, float((weights.sum(-1) - 1).abs().max())))
            sink(weights)
        return original(module, spy)

    monkeypatch.setattr(language_model, "capturing", spying)
    layers = list(bf16.iter_layer_attention(HEAVY, use_cache=False))
    assert len(seen) == len(layers) == 8
    assert all(dtype == torch.float32 for dtype, _ in seen)
    assert max(error for _, error in seen) < 1e-5
    assert all(values.dtype == np.float32 for _, values in layers)


def test_bfloat16_attention_is_close_to_float32_but_cached_apart(bf16, cache):
    runs = bf16.forward_count
    half = bf16.attention(HEAVY)
    assert bf16.forward_count == runs + 1
    full_model = paw.load_model("antiberty", cache=cache, dtype="float32")
    before = full_model.forward_count
    full = full_model.attention(HEAVY)
    assert full_model.forward_count == before + 1  # the bf16 entry did not answer the float32 request
    assert half.values.dtype == full.values.dtype == np.float32
    difference = np.abs(half.values - full.values)
    assert 0 < difference.max() < BF16_ATOL and difference.mean() < 1e-3
    again = bf16.attention(HEAVY)  # and the float32 entry does not answer the bf16 one
    assert bf16.forward_count == runs + 1
    np.testing.assert_array_equal(again.values, half.values)


def test_unknown_dtype_is_a_clear_error():
    for bad in ("float64", "half", torch.int8, 16):
        with pytest.raises(ModelLoadError, match=r"dtype .* is not supported.*'float32', 'float16', 'bfloat16'"):
            paw.load_model("antiberty", dtype=bad)


def test_default_keeps_the_checkpoint_dtype(antiberty):
    assert antiberty.dtype == "float32" and "dtype='float32'" in repr(antiberty)
