"""The attention cache: float16 above a size, memory-mapped spill over the budget, verified disk entries;
local-model fingerprints and model-loading errors (issue 8)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets.analysis.counting import count_protein, count_protein_layers
from protattn_widgets.analysis.properties import resolve_properties
from protattn_widgets.cache import AttentionCache, CacheKey
from protattn_widgets.models import fingerprints

import tiny_models

VH = "QVQLKESGPGLVAPSQSLSITCTVSGFSLTGYGVNWVRQPPGKGLEWLGMIWGDGNTDYNSALKSRLSISKDNSKSQVFLKMNSLHTDDTARYYCARERDYRLDYWGQGTTLTVSS"


@pytest.fixture
def esm_dir(tiny_dir):
    directory = tiny_dir / "esm_cache"
    if not directory.exists():
        tiny_models.save_esm(directory)
    return directory


def _key(text: str) -> CacheKey:
    return CacheKey("m", "r", text)


# ------------------------------------------------------------------ where arrays go


def test_float16_above_the_threshold_float32_below():
    cache = AttentionCache(float16_above=1000)
    assert cache.storage_dtype((10, 25)) == np.float32  # exactly 1000 bytes in float32
    assert cache.storage_dtype((10, 26)) == np.float16


def test_attention_over_the_float16_threshold_is_kept_in_float16_and_heads_read_as_float32(antiberty):
    model = paw.load_model("antiberty", cache=AttentionCache(float16_above=1 << 10))
    exact = antiberty.attention(VH[:50], use_cache=False)
    stored = model.attention(VH[:50])
    assert stored.values.dtype == np.float16 and exact.values.dtype == np.float32
    head = stored.head(3, 5)
    assert head.dtype == np.float32
    np.testing.assert_allclose(head, exact.head(3, 5), atol=1e-3)
    assert model.attention(VH[:50]).values is stored.values and model.forward_count == 1


def test_attention_over_the_memory_budget_is_spilled_to_a_memmap_not_dropped(tmp_path):
    spill = tmp_path / "spill"
    cache = AttentionCache(max_bytes=10_000, spill_directory=spill)
    model = paw.load_model("antiberty", cache=cache)
    first = model.attention(VH[:60])  # 8*8*60*60*4 = 921,600 bytes > 10,000
    assert isinstance(first.values, np.memmap) and not first.values.flags.writeable
    assert len(list(spill.glob("*.npy"))) == 1 and cache.nbytes == 0 and cache.mapped_nbytes == first.values.nbytes
    assert "1 memory-mapped" in repr(cache) and str(spill) in repr(cache)
    second = model.attention(VH[:60])
    assert model.forward_count == 1 and second.values is first.values
    start = time.perf_counter()
    second.head(7, 7), second.edges(7, 7, threshold=0.1)
    assert time.perf_counter() - start < 0.5
    np.testing.assert_array_equal(first.values, model.attention(VH[:60], use_cache=False).values)
    cache.clear()
    assert not list(spill.glob("*.npy"))
    assert first.head(0, 0).shape == (60, 60)  # arrays already handed out stay readable


def test_default_budget_is_an_eighth_of_physical_memory_and_at_least_1_gib():
    from protattn_widgets.cache import DEFAULT_MAX_BYTES, default_max_bytes

    assert default_max_bytes(24 * 10**9) == 3 * 10**9 and default_max_bytes(4 << 30) == 1 << 30
    physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    assert DEFAULT_MAX_BYTES == AttentionCache().max_bytes == max(1 << 30, physical // 8)


def test_lowering_max_bytes_evicts_at_once():
    cache = AttentionCache(max_bytes=4000)
    for text in "ABCD":
        cache.put(_key(text), np.zeros(250, dtype=np.float32))
    assert cache.nbytes == 4000
    cache.max_bytes = 2000
    assert cache.nbytes == 2000
    assert _key("A") not in cache and _key("D") in cache


# ------------------------------------------------------------------ disk cache verified on read


def _stored(tmp_path, values=None):
    cache = AttentionCache(directory=tmp_path)
    values = np.arange(24, dtype=np.float32).reshape(1, 2, 3, 4) / 24 if values is None else values
    cache.put(_key("S"), values)
    array_path, meta_path = cache._paths(_key("S"))
    return values, array_path, meta_path


def _header_claiming_36_tib(array_path, meta_path):
    shape = (1 << 20, 1 << 20, 9)  # 9 Ti float32 elements = 36 TiB
    header = {"descr": "<f4", "fortran_order": False, "shape": shape}
    with open(array_path, "wb") as handle:
        np.lib.format.write_array_header_1_0(handle, header)
    meta = json.loads(meta_path.read_text())
    meta["shape"] = list(shape)
    meta_path.write_text(json.dumps(meta))


DAMAGE = {
    "zero-byte npy": lambda a, m: a.write_bytes(b""),
    "sidecar null": lambda a, m: m.write_text("null"),
    "sidecar list": lambda a, m: m.write_text("[1, 2]"),
    "wrong shape in sidecar": lambda a, m: m.write_text(json.dumps({**json.loads(m.read_text()), "shape": [2, 2, 3, 2]})),
    "flipped byte": lambda a, m: a.write_bytes(a.read_bytes()[:-3] + bytes([a.read_bytes()[-3] ^ 0xFF]) + a.read_bytes()[-2:]),
    "header claiming 36 TiB": _header_claiming_36_tib,
    "truncated data": lambda a, m: a.write_bytes(a.read_bytes()[:-8]),
    "not an array": lambda a, m: a.write_bytes(b"not an array"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_disk_entry_is_warned_about_deleted_and_missed(tmp_path, damage):
    _, array_path, meta_path = _stored(tmp_path)
    DAMAGE[damage](array_path, meta_path)
    reader = AttentionCache(directory=tmp_path)
    with pytest.warns(UserWarning, match="damaged"):
        assert reader.get(_key("S")) is None
    assert not array_path.exists() and not meta_path.exists()


def test_an_intact_entry_is_served(tmp_path):
    values, _, _ = _stored(tmp_path)
    np.testing.assert_array_equal(AttentionCache(directory=tmp_path).get(_key("S")), values)


def test_swapped_disk_entries_are_recomputed_not_served(tmp_path):
    writer = paw.load_model("antiberty", cache=AttentionCache(directory=tmp_path))
    a, b = writer.attention(VH[:40]).values, writer.attention(VH[1:41]).values
    path_a, _ = writer.cache._paths(CacheKey(f"antiberty:antiberty", writer.revision, VH[:40]))
    path_b, _ = writer.cache._paths(CacheKey(f"antiberty:antiberty", writer.revision, VH[1:41]))
    data_a, data_b = path_a.read_bytes(), path_b.read_bytes()
    path_a.write_bytes(data_b)
    path_b.write_bytes(data_a)
    reader = paw.load_model("antiberty", cache=AttentionCache(directory=tmp_path))
    with pytest.warns(UserWarning, match="content hash"):
        np.testing.assert_array_equal(reader.attention(VH[:40]).values, a)
    assert reader.forward_count == 1
    with pytest.warns(UserWarning, match="content hash"):
        np.testing.assert_array_equal(reader.attention(VH[1:41]).values, b)
    assert reader.forward_count == 2


# ------------------------------------------------------------------ exact float32 statistic


def test_iter_layer_attention_is_float32_from_one_forward_and_counts_match(antiberty):
    model = paw.load_model("antiberty", cache=AttentionCache(float16_above=1 << 10))
    reduced = model.attention(VH)  # cached in float16
    assert reduced.values.dtype == np.float16
    layers = list(model.iter_layer_attention(VH))
    assert model.forward_count == 2  # float16 cache not used for counting: one more forward
    exact = antiberty.attention(VH, use_cache=False).values
    assert [layer for layer, _ in layers] == list(range(8))
    stacked = np.stack([values for _, values in layers])
    assert stacked.dtype == np.float32
    np.testing.assert_array_equal(stacked, exact)
    prop = resolve_properties(["amino_acid"])[0]
    record = paw.analysis.ProteinRecord("vh", VH, tuple(map(str, range(1, len(VH) + 1))))
    labelled = [(prop, *prop.labels(record))]
    streamed = count_protein_layers(model.iter_layer_attention(VH), 8, 0.3, labelled)
    whole = count_protein(exact, 0.3, labelled)
    assert streamed.keys() == whole.keys()
    for feature in whole:
        np.testing.assert_array_equal(streamed[feature].hits, whole[feature].hits)
        np.testing.assert_array_equal(streamed[feature].total, whole[feature].total)


def test_visit_layer_attention_is_the_stream_in_the_calling_thread_from_one_forward(antiberty):
    """What analyze counts from: the same float32 layers as the threaded stream, one forward pass, no thread."""
    import threading

    model = paw.load_model("antiberty", cache=AttentionCache(float16_above=1 << 10))
    model.attention(VH)  # cached in float16: not used for counting
    seen, threads = {}, set()

    def visit(layer, values):
        threads.add(threading.current_thread())
        assert values.dtype == np.float32 and not values.flags.writeable
        seen[layer] = values.copy()  # a view of the capture's buffer: copied to keep

    model.visit_layer_attention(VH, visit)
    assert model.forward_count == 2 and threads == {threading.current_thread()}
    np.testing.assert_array_equal(np.stack([seen[layer] for layer in range(8)]),
                                  antiberty.attention(VH, use_cache=False).values)
    batches = {}
    model.visit_layer_attention_batch([VH, VH[:40]], lambda layer, blocks: batches.setdefault(
        layer, [b.copy() for b in blocks]))
    streamed = dict(model.iter_layer_attention_batch([VH, VH[:40]]))
    assert sorted(batches) == list(range(8))
    for layer in range(8):
        for got, expected in zip(batches[layer], streamed[layer]):
            np.testing.assert_array_equal(got, expected)


def test_leaving_the_layer_stream_early_stops_the_forward_pass(antiberty):
    model = paw.load_model("antiberty", cache=AttentionCache())
    stream = model.iter_layer_attention(VH[:30])
    assert next(stream)[0] == 0
    stream.close()
    assert model.attention(VH[:30]).values.shape == (8, 8, 30, 30)  # the lock was released


# ------------------------------------------------------------------ local fingerprints


def test_same_name_size_and_mtime_replacement_changes_the_fingerprint(esm_dir, tmp_path):
    copy = tmp_path / "esm"
    shutil.copytree(esm_dir, copy)
    before = fingerprints.directory_fingerprint(copy)
    weights = copy / "model.safetensors"
    stat = weights.stat()
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0x01  # other weights, same size
    weights.write_bytes(bytes(data))
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # what tar / docker layers preserve
    assert weights.stat().st_size == stat.st_size and weights.stat().st_mtime_ns == stat.st_mtime_ns
    assert fingerprints.directory_fingerprint(copy) != before


def test_fingerprints_are_memoised_not_rehashed(esm_dir, monkeypatch):
    fingerprints.directory_fingerprint(esm_dir)
    opened = []
    real_open = open
    monkeypatch.setattr("builtins.open", lambda path, *a, **k: opened.append(path) or real_open(path, *a, **k))
    fingerprints.directory_fingerprint(esm_dir)
    assert not [p for p in opened if str(esm_dir) in str(p)]


# ------------------------------------------------------------------ clean loading errors


def test_offline_misspelled_hub_id_fails_fast_with_the_closest_name():
    start = time.perf_counter()
    with pytest.raises(paw.ModelLoadError, match="Did you mean 'facebook/esm2_t6_8M_UR50D'"):
        paw.load_model("facebook/esm2_t6_8M_UR50")
    assert time.perf_counter() - start < 3


def test_unreachable_hub_fails_within_seconds():
    code = ("import time, protattn_widgets as paw\nstart = time.perf_counter()\n"
            "try:\n    paw.load_model('Rostlab/prot_bertt')\nexcept paw.ModelLoadError as e:\n"
            "    print(round(time.perf_counter() - start, 2), e)\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "0", "HF_ENDPOINT": "http://127.0.0.1:9"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    seconds, message = result.stdout.strip().split(" ", 1)
    # No retry loop or 10 s socket timeouts: a refused port fails at once (bound generous for loaded CI).
    assert float(seconds) < 30 and "cannot be reached" in message and "Rostlab/prot_bert'" in message


def test_truncated_safetensors_is_a_load_error(esm_dir, tmp_path):
    copy = tmp_path / "esm"
    shutil.copytree(esm_dir, copy)
    weights = copy / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(paw.ModelLoadError, match="truncated"):
        paw.load_model(copy)


def test_model_folder_without_tokenizer_files_is_a_load_error(esm_dir, tmp_path):
    copy = tmp_path / "esm"
    shutil.copytree(esm_dir, copy)
    for name in ("vocab.txt", "tokenizer_config.json", "special_tokens_map.json"):
        (copy / name).unlink(missing_ok=True)
    with pytest.raises(paw.ModelLoadError, match="no tokenizer files"):
        paw.load_model(copy)


def test_tokenizer_model_max_length_is_not_reduced_twice(tmp_path):
    directory = tiny_models.save_shaped(tmp_path / "esm1022", "esm", 1, 2, max_residues=1022)
    config = json.loads((directory / "tokenizer_config.json").read_text())
    config["model_max_length"] = 1024  # as ESM-2's published tokenizer says
    (directory / "tokenizer_config.json").write_text(json.dumps(config))
    model = paw.load_model(directory)
    assert model.tokenizer.model_max_length == 1024 and model.module.config.max_position_embeddings == 1026
    assert model.max_length == 1022


def test_analyze_streams_each_protein_and_keeps_nothing():
    from protattn_widgets.analysis import ProteinRecord, analyze

    model = paw.load_model("antiberty", cache=AttentionCache())
    records = [ProteinRecord(f"p{i}", VH[i:i + 60], tuple(map(str, range(1, 61)))) for i in range(4)]
    result = analyze(model, records, ["amino_acid"], progress=False, min_total=1)
    assert result.proteins == 4 and model.forward_count == 4
    assert model.cache.nbytes == 0 and model.cache.mapped_nbytes == 0  # memory does not grow per protein


def test_spill_files_of_dead_processes_are_removed(tmp_path):
    spill = tmp_path / "spill"
    spill.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = spill / f"{'0' * 32}-{int(dead.stdout)}-abc.npy"
    orphan.write_bytes(b"left by a killed process")
    live = spill / f"{'1' * 32}-{os.getpid()}-abc.npy"
    live.write_bytes(b"still in use")
    cache = AttentionCache(max_bytes=10, spill_directory=spill)
    cache.put(_key("S"), np.zeros(100, dtype=np.float32))
    assert not orphan.exists() and live.exists()
