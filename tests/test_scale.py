"""A model of ESM-2 650M's exact shape (33 layers x 20 heads, random weights, small hidden size) at
L = 1,000: attention is computed once, kept (float16, memory-mapped past the budget), read fast,
and extraction stays within its memory bound."""

from __future__ import annotations

import time

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets.cache import AttentionCache

import tiny_models

LENGTH = 1000


def _rss_anon() -> int:
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) * 1024 for line in handle if line.startswith("RssAnon:"))


@pytest.fixture(scope="module")
def esm650_shaped(tmp_path_factory):
    directory = tiny_models.save_shaped(tmp_path_factory.mktemp("shaped") / "esm2_650m", "esm", 33, 20)
    return directory


def test_33x20_at_1000_residues_is_computed_once_kept_in_float16_and_read_fast(esm650_shaped, tmp_path):
    import threading

    cache = AttentionCache(max_bytes=1 << 30, spill_directory=tmp_path / "spill")  # a 1 GiB budget
    model = paw.load_model(esm650_shaped, cache=cache)
    assert (model.n_layers, model.n_heads, model.max_length) == (33, 20, 1022)
    sequence = "".join(np.random.default_rng(0).choice(list("ACDEFGHIKLMNPQRSTVWY"), LENGTH))
    float32_bytes = 4 * 33 * 20 * LENGTH * LENGTH  # 2.46 GiB, more than the cache budget
    base, peak, stop = _rss_anon(), [0], threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], _rss_anon())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    attn = model.attention(sequence)
    stop.set()
    sampler.join()
    assert model.forward_count == 1
    assert attn.values.dtype == np.float16 and isinstance(attn.values, np.memmap)  # 1.23 GiB > 1 GiB: spilled
    assert attn.values.shape == (33, 20, LENGTH, LENGTH) and not attn.values.flags.writeable
    assert (peak[0] - base) < 0.75 * float32_bytes  # no stacked float32 copy was held
    assert cache.mapped_nbytes == attn.values.nbytes
    # in memory: only the companions captured with it (strong pairs, token masses), a few MB
    companions = attn.strong_pairs.nbytes + attn.special_token_mass.nbytes + attn.unobserved_mass.nbytes
    assert cache.nbytes == companions < 0.01 * attn.values.nbytes

    again = model.attention(sequence)
    assert model.forward_count == 1 and again.values is attn.values
    start = time.perf_counter()
    matrix = again.head(32, 19)
    assert time.perf_counter() - start < 1.0  # milliseconds on a quiet machine
    assert matrix.dtype == np.float32 and matrix.shape == (LENGTH, LENGTH)
    threshold = float(np.quantile(matrix, 0.999))
    expected = np.count_nonzero(np.triu(np.maximum(matrix, matrix.T) >= threshold, 1))
    assert expected > 0 and len(again.edges(32, 19, threshold=threshold)) == expected
    rows = matrix.sum(axis=1)
    assert np.all(rows > 0.9) and np.all(rows <= 1.01)  # float16 rows still sum to ~1 (minus specials)
