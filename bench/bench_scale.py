"""Attention extraction at real model sizes: AntiBERTy (real) and randomly initialised checkpoints
of ProtBert (30 x 16), ESM-2 650M (33 x 20) and ESM-2 3B (36 x 40), at up to 1,022 residues.

Attention cost depends on layers, heads and length, not on the weights, so the
shaped models (``tests/tiny_models.save_shaped``, small hidden size, saved with
``save_pretrained`` and loaded through ``paw.load_model``) stand in for the
published checkpoints.  Each (model, L) runs in its own subprocess, one at a
time, and reports same-run numbers:

* ``forward``: an eager forward pass without attention output (the reference);
* ``extract``: ``model.attention(seq)`` on a cold cache (best time), and its ratio to
  ``forward``: the median over 9 (L = 1,022: 3) back-to-back (forward, extraction) pairs;
* ``peak/f32``: peak extra anonymous memory (RssAnon sampled every 2 ms, and exact from
  ``smaps_rollup`` before and after) during extraction, over the float32 size of the attention tensor; file-backed
  pages of a spill file are reported separately (``file MiB``);
* ``stored``: how the cache keeps it (dtype, memory or memory-mapped spill);
* ``2nd call``: ``model.attention(seq)`` again (must not run the model);
* ``head``: reading one head (``attn.head``) from the stored array;
* ``extract/forward CPU``: the same ratio in process CPU time (less sensitive to other jobs);
* ``extract/forward warm``: the same pairs, each extraction right after touching and freeing as
  much memory as it stores (``warm_memory``): this VM hands memory freed about a second ago
  back to its host, and a first write to it then costs ``page us cold`` per 4 kB page instead of
  ``page us warm`` (measured in the same process); the warm ratio is what the page faults of the
  stored array cost at a normal machine's price;
* ``sdpa forward`` and ``extract/sdpa forward``: transformers' default attention (fused, no weights
  at all), timed in the same pairs: what a forward pass costs when nobody asks for attention;
* ``extract/forward spilled`` (L > 500): the median ratio over 3 pairs with the cache budget
  set below the array, so that it goes to a memory-mapped spill file (the default budget, an
  eighth of physical memory, keeps every array here in memory on 24 GB);
* ``analysis``: ``analyze`` on 3 (L = 1,022: 2) proteins of that length (amino_acid property),
  proteins/s and peak extra memory.

``python bench/bench_scale.py`` writes ``bench/results_scale.md``;
``--quick`` runs L = 250 only; ``--analysis-only`` measures just the analysis columns
(into ``bench/results_scale_analysis.md``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "tests"))

MODELS = {  # name: (family, layers, heads); None = the real embedded AntiBERTy
    "AntiBERTy (real)": None,
    "ProtBert-shaped 30x16": ("protbert", 30, 16),
    "ESM-2-650M-shaped 33x20": ("esm", 33, 20),
    "ESM-2-3B-shaped 36x40": ("esm", 36, 40),
}
LENGTHS = (250, 500, 1022)
#: Interleaved (forward, extraction) pairs; single pairs vary by +-40 % on a 2-core VM.
PAIRS, PAIRS_LONG = 9, 3
AMINO = "ACDEFGHIKLMNPQRSTVWY"


def _exact_anon_file() -> tuple[int, int]:
    """Anonymous and file-backed resident bytes from /proc/self/smaps_rollup (a page-table walk: exact,
    but too slow to sample often; /proc/self/status's counters are approximate per-CPU sums, which miss
    pages a short-lived thread faulted in, e.g. the layer prefaulter's)."""
    values = {}
    with open("/proc/self/smaps_rollup") as handle:
        for line in handle:
            name, _, rest = line.partition(":")
            if name in ("Rss", "Anonymous"):
                values[name] = int(rest.split()[0]) * 1024
    return values["Anonymous"], values["Rss"] - values["Anonymous"]


def _rss_anon_file() -> tuple[int, int]:
    anon = file = 0
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("RssAnon:"):
                anon = int(line.split()[1]) * 1024
            elif line.startswith("RssFile:"):
                file = int(line.split()[1]) * 1024
    return anon, file


class PeakMemory:
    """Peak RssAnon / RssFile above the level at entry, sampled in a thread."""

    def __enter__(self):
        self.base_anon, self.base_file = _exact_anon_file()
        self.peak_anon, self.peak_file = self.base_anon, self.base_file
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            anon, file = _rss_anon_file()
            self.peak_anon, self.peak_file = max(self.peak_anon, anon), max(self.peak_file, file)
            time.sleep(0.002)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        anon, file = _exact_anon_file()
        self.peak_anon, self.peak_file = max(self.peak_anon, anon), max(self.peak_file, file)
        self.extra_anon = self.peak_anon - self.base_anon
        self.extra_file = self.peak_file - self.base_file


def warm_memory(nbytes: int) -> None:
    """Touch ``nbytes`` of new memory and free it: the next allocation of that size reuses those pages.

    On this VM (Firecracker) memory the guest freed more than about a second ago
    has been handed back to the host, and touching it again costs 2-9 us a page
    (the host backs it) instead of about 0.5 us (``page_fault_cost``).  A forward
    pass recycles its allocations within milliseconds; extraction writes its
    result (0.5x the float32 tensor) to new memory.  Extraction right after this
    is what it costs where a page fault costs what it does on a normal machine.
    """
    import numpy as np

    block = np.empty(nbytes, dtype=np.uint8)
    block[::4096] = 1
    del block


def page_fault_cost(nbytes: int = 256 << 20) -> tuple[float, float]:
    """Microseconds a first write costs per 4 kB page: memory freed 2 s ago ("cold"), then just freed ("warm")."""
    import numpy as np

    costs = []
    for pause in (2.0, 0.0):
        time.sleep(pause)
        start = time.perf_counter()
        block = np.empty(nbytes, dtype=np.uint8)
        block[::4096] = 1
        costs.append((time.perf_counter() - start) / (nbytes / 4096) * 1e6)
        del block
    return costs[0], costs[1]


def random_sequence(length: int, seed: int = 0) -> str:
    import numpy as np

    return "".join(np.random.default_rng(seed).choice(list(AMINO), length))


def _checkpoint_dir(model_name: str, workdir: Path, hidden: int | None) -> Path | None:
    """Where the shaped checkpoint of ``model_name`` lives (None for the real AntiBERTy)."""
    shape = MODELS[model_name]
    if shape is None:
        return None
    family, layers, heads = shape
    return workdir / f"{family}-{layers}x{heads}-h{hidden or 2 * heads}"


def _save_checkpoint(model_name: str, workdir: Path, hidden: int | None) -> None:
    import tiny_models

    directory = _checkpoint_dir(model_name, workdir, hidden)
    if directory is not None and not (directory / "config.json").exists():
        family, layers, heads = MODELS[model_name]
        tiny_models.save_shaped(directory, family, layers, heads, hidden_size=hidden)


def measure_one(model_name: str, length: int, workdir: Path, hidden: int | None = None) -> dict:
    """Everything for one (model, L), in this process."""
    import gc

    import numpy as np
    import torch

    page_cost = page_fault_cost()
    model = load_bench_model(model_name, workdir, hidden)
    if length > model.max_length:
        return {"skipped": f"{model.name} accepts at most {model.max_length} residues"}
    sequence = random_sequence(length)
    f32_bytes = 4 * model.n_layers * model.n_heads * length * length
    inputs, _ = model.encode(sequence)
    forwards, extracts, forward_cpu, extract_cpu = [], [], [], []
    with torch.inference_mode():
        model.module(**inputs)  # warm-up
    # Memory first, before timing runs leave freed (still resident) memory for malloc to reuse.
    gc.collect()
    with torch.inference_mode(), PeakMemory() as forward_memory:
        model.module(**inputs)
    gc.collect()
    with PeakMemory() as memory:
        model.attention(sequence)
    model.cache.clear()
    sdpa_forwards: list[float] = []
    warm_extracts: list[float] = []
    stored_bytes = int(np.dtype(model.cache.placement((model.n_layers, model.n_heads, length, length))[0]).itemsize
                       * model.n_layers * model.n_heads * length * length)
    config = model.module.config
    for _ in range(PAIRS if length <= 500 else PAIRS_LONG):  # interleaved: the machine is shared
        gc.collect()
        with torch.inference_mode():
            start, cpu = time.perf_counter(), time.process_time()
            model.module(**inputs)
            forwards.append(time.perf_counter() - start)
            forward_cpu.append(time.process_time() - cpu)
            config._attn_implementation = "sdpa"  # transformers' default: no attention weights at all
            try:
                start = time.perf_counter()
                model.module(**inputs)
                sdpa_forwards.append(time.perf_counter() - start)
            finally:
                config._attn_implementation = "eager"
        model.cache.clear()
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        model.attention(sequence)
        extracts.append(time.perf_counter() - start)
        extract_cpu.append(time.process_time() - cpu)
        model.cache.clear()
        gc.collect()
        warm_memory(stored_bytes)  # the same extraction on memory the host has backed (see warm_memory)
        start = time.perf_counter()
        model.attention(sequence)
        warm_extracts.append(time.perf_counter() - start)
        model.cache.clear()
    spilled = []
    if length > 500:  # the same extraction with the budget below the array: it goes to a spill file
        budget, model.cache.max_bytes = model.cache.max_bytes, 64 << 20
        for _ in range(PAIRS_LONG):
            gc.collect()
            with torch.inference_mode():
                start = time.perf_counter()
                model.module(**inputs)
                forward_time = time.perf_counter() - start
            gc.collect()
            start = time.perf_counter()
            assert hasattr(model.attention(sequence).values, "filename")
            spilled.append((time.perf_counter() - start) / forward_time)
            model.cache.clear()
        model.cache.max_bytes = budget
    forward, extract = min(forwards), min(extracts)
    attn = model.attention(sequence)
    runs = model.forward_count
    start = time.perf_counter()
    again = model.attention(sequence)
    second = time.perf_counter() - start
    assert model.forward_count == runs and again.values is attn.values
    start = time.perf_counter()
    attn.head(model.n_layers - 1, model.n_heads - 1).sum()
    head = time.perf_counter() - start
    stored = f"{attn.values.dtype}, {'memmap spill' if hasattr(attn.values, 'filename') else 'memory'}"
    del attn, again
    model.cache.clear()
    gc.collect()
    analysis = time_analysis(model, length)
    return {
        "layers x heads": f"{model.n_layers}x{model.n_heads}", "float32 MiB": f32_bytes / 2**20,
        "forward s": forward, "extract s": extract,
        "sdpa forward s": min(sdpa_forwards),
        "extract/forward": float(np.median(np.divide(extracts, forwards))),
        "extract/sdpa forward": float(np.median(np.divide(extracts, sdpa_forwards))),
        "extract/forward warm": float(np.median(np.divide(warm_extracts, forwards))),
        "page us cold": page_cost[0], "page us warm": page_cost[1],
        "extract/forward spilled": float(np.median(spilled)) if spilled else "-",
        "extract/forward CPU": float(np.median(np.divide(extract_cpu, forward_cpu))),
        "forward peak/f32": forward_memory.extra_anon / f32_bytes,
        "extract peak/f32": memory.extra_anon / f32_bytes, "file MiB": memory.extra_file / 2**20,
        "stored": stored, "2nd call ms": second * 1e3, "head ms": head * 1e3,
        **analysis,
    }


def time_analysis(model, length: int) -> dict:
    """``analyze`` on 3 (L > 500: 2) random proteins of ``length``: proteins/s and peak extra memory."""
    from protattn_widgets.analysis import ProteinRecord, analyze

    records = [ProteinRecord(f"p{i}", random_sequence(length, seed=i + 1),
                             tuple(map(str, range(1, length + 1)))) for i in range(3 if length <= 500 else 2)]
    with PeakMemory() as memory:
        start = time.perf_counter()
        analyze(model, records, ["amino_acid"], max_length=length, progress=False, min_total=1)
        seconds = time.perf_counter() - start
    return {"analysis proteins/s": len(records) / seconds, "analysis peak MiB": memory.extra_anon / 2**20}


def load_bench_model(model_name: str, workdir: Path, hidden: int | None):
    """The real AntiBERTy, or the shaped checkpoint of ``model_name`` (normally saved by the parent already)."""
    import protattn_widgets as paw

    directory = _checkpoint_dir(model_name, workdir, hidden)
    if directory is None:
        return paw.load_model("antiberty", cache=paw.AttentionCache())
    _save_checkpoint(model_name, workdir, hidden)
    return paw.load_model(directory, cache=paw.AttentionCache())


def measure_analysis(model_name: str, length: int, workdir: Path, hidden: int | None = None) -> dict:
    """Only the ``analysis`` columns for one (model, L), in this process (``--analysis-only``)."""
    model = load_bench_model(model_name, workdir, hidden)
    if length > model.max_length:
        return {"skipped": f"{model.name} accepts at most {model.max_length} residues"}
    model.attention(random_sequence(length), use_cache=False)  # warm-up, as measure_one's timing runs are
    return {"layers x heads": f"{model.n_layers}x{model.n_heads}", **time_analysis(model, length)}


def _one(args) -> None:
    workdir = Path(args.workdir)
    os.environ["PROTATTN_CACHE_DIR"] = str(workdir / "cache")  # spill files go here, deleted at exit
    measure = measure_analysis if args.analysis_only else measure_one
    print(json.dumps(measure(args.model, args.length, workdir, args.hidden)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="L = 250 only")
    parser.add_argument("--lengths", default=None, help="comma-separated lengths")
    parser.add_argument("--models", default=None, help="comma-separated substrings of model names")
    parser.add_argument("--hidden", type=int, default=None,
                        help="hidden size of the shaped models (default 2 x heads; the issue's runs used 320)")
    parser.add_argument("--analysis-only", action="store_true",
                        help="only the analysis columns (writes bench/results_scale_analysis.md by default)")
    parser.add_argument("--one", nargs=2, metavar=("MODEL", "L"), help=argparse.SUPPRESS)
    parser.add_argument("--workdir", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--output", default=None, help="default bench/results_scale.md "
                        "(bench/results_scale_analysis.md with --analysis-only)")
    args = parser.parse_args()
    if args.output is None:
        args.output = str(BENCH_DIR / ("results_scale_analysis.md" if args.analysis_only else "results_scale.md"))
    if args.one:
        args.model, args.length = args.one[0], int(args.one[1])
        return _one(args)
    lengths = [int(x) for x in args.lengths.split(",")] if args.lengths else ([250] if args.quick else LENGTHS)
    models = [m for m in MODELS if not args.models or any(s in m for s in args.models.split(","))]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO_ROOT)}
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_scale-") as workdir:
        for model in models:
            # Saved here, not in the child: the memory saving frees would be reused there and hide its peak.
            _save_checkpoint(model, Path(workdir), args.hidden)
            for length in lengths:  # one at a time: the biggest need several GB
                hidden = ["--hidden", str(args.hidden)] if args.hidden else []
                only = ["--analysis-only"] if args.analysis_only else []
                result = subprocess.run([sys.executable, __file__, "--one", model, str(length), "--workdir", workdir,
                                         *hidden, *only],
                                        capture_output=True, text=True, env=env)
                if result.returncode != 0:
                    row = {"skipped": f"failed: {result.stderr.strip().splitlines()[-1][:120]}"}
                else:
                    row = json.loads(result.stdout.strip().splitlines()[-1])
                rows.append((model, length, row))
                print(model, length, row, flush=True)
    write_markdown(rows, Path(args.output), args.hidden, ANALYSIS_COLUMNS if args.analysis_only else None)


ANALYSIS_COLUMNS = ["layers x heads", "analysis proteins/s", "analysis peak MiB"]


def write_markdown(rows, path: Path, hidden: int | None = None, columns: list[str] | None = None) -> None:
    import torch

    columns = columns or ["layers x heads", "float32 MiB", "forward s", "sdpa forward s", "extract s", "extract/forward",
               "extract/forward CPU", "extract/forward warm", "extract/sdpa forward", "extract/forward spilled",
               "page us cold", "page us warm", "forward peak/f32",
               "extract peak/f32", "file MiB", "stored", "2nd call ms", "head ms", "analysis proteins/s",
               "analysis peak MiB"]
    lines = [
        "# " + ("`analyze` at real model sizes (bench_scale.py --analysis-only)" if columns == ANALYSIS_COLUMNS
                else "Attention at real model sizes (bench_scale.py)"), "",
        f"{datetime.date.today()}, {platform.platform()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
        f"device cpu. Shaped models: random weights, hidden size {hidden or '2 x heads'}."
        + ("" if columns == ANALYSIS_COLUMNS else " Ratios are same-run."), "",
        "| model | L | " + " | ".join(columns) + " |", "|---|---|" + "---|" * len(columns),
    ]
    for model, length, row in rows:
        if "skipped" in row:
            lines.append(f"| {model} | {length} | skipped: {row['skipped']} |" + " |" * (len(columns) - 1))
            continue
        cells = [f"{row[c]:.2f}" if isinstance(row[c], float) else str(row[c]) for c in columns]
        lines.append(f"| {model} | {length} | " + " | ".join(cells) + " |")
    path.write_text("\n".join(lines) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
