"""What attention extraction costs, in time and memory, on the embedded AntiBERTy.

For each sequence length L it measures, on the model's own device:

* a plain forward pass (eager attention, no attention output): the reference;
* the same forward asking for ``output_attentions=True``;
* for comparison only, the forward with PyTorch's fused ``sdpa`` attention,
  which the package cannot use (it returns no attention weights);
* full extraction, ``model.attention(seq, use_cache=False)``: tokenise,
  forward, drop special tokens, copy to a numpy array;
* a cache hit, ``model.attention(seq)`` once the array is cached;
* ``attn.head(l, h)`` and ``attn.edges(l, h, threshold=0.3)``, median over
  every head;
* the peak memory increase of a plain forward and of an extraction, each in a
  fresh subprocess, next to the size of the attention array.

Run ``python bench/bench_attention.py`` from anywhere (``--quick`` for a smoke
test).  It prints tables and writes them, with the machine they came from, to
``bench/results.md``.  See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime
import gc
import io
import json
import os
import platform
import pstats
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
# Benchmark the working tree, not whatever copy of the package is installed.
sys.path.insert(0, str(REPO_ROOT))

AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
DEFAULT_LENGTHS = (120, 250, 500)
EDGE_THRESHOLD = 0.3
MODEL_NAME = "antiberty"
MEMORY_KINDS = ("forward", "extraction")


# --------------------------------------------------------------------------- inputs

def random_sequence(length: int, seed: int = 0) -> str:
    """A reproducible random sequence of the 20 standard amino acids.

    Seeded by ``(seed, length)`` so that each length gets the same sequence
    whatever other lengths are benchmarked alongside it.
    """
    rng = np.random.default_rng([seed, length])
    return "".join(rng.choice(list(AMINO_ACIDS), size=length))


def load_benchmark_model():
    """AntiBERTy with a private, memory-only cache (the user's disk cache must
    not turn a "miss" into a disk read)."""
    import protattn_widgets as paw

    return paw.load_model(MODEL_NAME, cache=paw.AttentionCache())


# --------------------------------------------------------------------------- timing

def synchronizer(device: str) -> Callable[[], None]:
    """``torch.cuda.synchronize`` on a GPU, a no-op on the CPU."""
    import torch

    if str(device).startswith("cuda"):
        return torch.cuda.synchronize
    return lambda: None


def time_once(fn: Callable[[], object], sync: Callable[[], None]) -> float:
    sync()
    start = time.perf_counter()
    fn()
    sync()
    return time.perf_counter() - start


def time_round_robin(fns: dict[str, Callable[[], object]], repeats: int, warmup: int,
                     sync: Callable[[], None]) -> dict[str, list[float]]:
    """Seconds per call of each function, calling them in turn each round.

    Interleaving keeps slow drifts of the machine (frequency, other load) from
    favouring whichever variant happened to run first.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            samples[name].append(time_once(fn, sync))
    return samples


def time_fast(fn: Callable[[], object], repeats: int, min_batch_s: float = 0.005) -> list[float]:
    """Seconds per call of a fast function: calls are batched until one batch
    lasts ``min_batch_s``, so timer resolution does not dominate."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        if time.perf_counter() - start >= min_batch_s or number >= 1 << 20:
            break
        number *= 2
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) / number)
    return samples


@contextlib.contextmanager
def attention_implementation(module, name: str):
    """Temporarily run ``module`` with another attention implementation.

    transformers 5 looks ``config._attn_implementation`` up at every forward;
    older versions fix it when the model is built (then this changes nothing,
    which :func:`sdpa_forward` detects).
    """
    config = module.config
    previous = config._attn_implementation
    config._attn_implementation = name
    try:
        yield
    finally:
        config._attn_implementation = previous


def sdpa_forward(model, inputs) -> Callable[[], object] | None:
    """A fused-attention forward of ``model``, or ``None`` if it cannot be had."""
    import torch
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # "sdpa does not support output_attentions": that is the test
    try:
        with attention_implementation(model.module, "sdpa"), torch.inference_mode():
            output = model.module(**inputs, output_attentions=True)
    except Exception:  # noqa: BLE001 - any failure means "no sdpa row"
        return None
    finally:
        hf_logging.set_verbosity(verbosity)
    if output.attentions:  # still eager: the switch did not take
        return None

    def run():
        with attention_implementation(model.module, "sdpa"), torch.inference_mode():
            return model.module(**inputs)

    return run


@dataclass
class TimingResult:
    length: int
    seconds: dict[str, list[float]] = field(default_factory=dict)
    median_edges: float = 0.0

    def median(self, name: str) -> float:
        values = self.seconds.get(name)
        return float(np.median(values)) if values else float("nan")

    def spread(self, name: str) -> float:
        """(max - min) / median of the repeats: how noisy the median is."""
        values = self.seconds.get(name)
        return float((np.max(values) - np.min(values)) / np.median(values)) if values else float("nan")


def benchmark_timing(model, length: int, repeats: int, warmup: int, seed: int) -> TimingResult:
    import torch

    sequence = random_sequence(length, seed)
    inputs, _ = model.encode(sequence)
    sync = synchronizer(model.device)
    result = TimingResult(length)

    def forward():
        with torch.inference_mode():
            return model.module(**inputs)

    def forward_attentions():
        with torch.inference_mode():
            return model.module(**inputs, output_attentions=True)

    def extraction():
        return model.attention(sequence, use_cache=False)

    variants = {"forward": forward, "forward_attentions": forward_attentions, "extraction": extraction}
    sdpa = sdpa_forward(model, inputs)
    if sdpa is not None:
        variants["forward_sdpa"] = sdpa
    result.seconds.update(time_round_robin(variants, repeats, warmup, sync))

    # Cache hit: the first call fills the cache; later calls must not run the model.
    model.cache.clear()
    attn = model.attention(sequence)
    forwards = model.forward_count
    result.seconds["cache_hit"] = time_fast(lambda: model.attention(sequence), repeats)
    if model.forward_count != forwards:
        raise RuntimeError("a cache hit ran the model: the benchmark is not measuring the cache")

    heads = [(layer, head) for layer in range(attn.n_layers) for head in range(attn.n_heads)]
    head_times, edge_times, edge_counts = [], [], []
    for layer, head in heads:
        head_times.append(np.median(time_fast(lambda: attn.head(layer, head), 3)))
        edge_times.append(np.median(time_fast(lambda: attn.edges(layer, head, threshold=EDGE_THRESHOLD), 3)))
        edge_counts.append(len(attn.edges(layer, head, threshold=EDGE_THRESHOLD)))
    result.seconds["head"] = head_times
    result.seconds["edges"] = edge_times
    result.median_edges = float(np.median(edge_counts))
    model.cache.clear()
    return result


def profile_extraction(model, length: int, seed: int, top: int = 15) -> str:
    """cProfile of a few extractions (after a warm-up), by own time."""
    sequence = random_sequence(length, seed)
    model.attention(sequence, use_cache=False)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(3):
        model.attention(sequence, use_cache=False)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(top)
    return text.getvalue()


# --------------------------------------------------------------------------- memory

def _proc_status_kib(field_name: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _release_free_heap() -> None:
    """Give memory that malloc holds free back to the kernel, so the operation
    measured next has to touch fresh pages instead of silently reusing them."""
    import ctypes
    import ctypes.util

    with contextlib.suppress(OSError, AttributeError, TypeError):
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) to the current RSS (Linux >= 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def memory_probe(kind: str, length: int, seed: int) -> dict:
    """Peak memory increase of one operation; meant to run in a fresh process.

    Host memory is resident set size (RSS): it counts what torch's CPU
    allocator, numpy and Python really touched, whichever allocated it.
    The kernel's peak mark is reset just before the operation, so the model
    load that came before does not hide the operation's own peak.  A warm-up
    on a short sequence first takes one-time set-up (thread pools, kernel
    selection) out of the number.
    """
    import torch

    model = load_benchmark_model()
    sequence = random_sequence(length, seed)
    inputs, _ = model.encode(sequence)
    on_gpu = str(model.device).startswith("cuda")

    def forward():
        with torch.inference_mode():
            return model.module(**inputs)

    def extraction():
        return model.attention(sequence, use_cache=False)

    operation = {"forward": forward, "extraction": extraction}[kind]
    warm_inputs, _ = model.encode(random_sequence(16, seed))
    with torch.inference_mode():
        model.module(**warm_inputs, output_attentions=kind == "extraction")
    model.attention(random_sequence(16, seed), use_cache=False)

    gc.collect()
    _release_free_heap()
    if on_gpu:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        gpu_before = torch.cuda.memory_allocated()
    method = "VmHWM" if _reset_peak_rss() else "ru_maxrss"
    rss_before = _proc_status_kib("VmRSS")
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    output = operation()  # kept alive: what the caller holds afterwards counts as retained
    if on_gpu:
        torch.cuda.synchronize()

    if method == "VmHWM":
        peak_kib = _proc_status_kib("VmHWM") - rss_before
    else:  # a lifetime mark: an earlier, higher peak hides this one (reported as 0)
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - maxrss_before
    rss_after = _proc_status_kib("VmRSS")
    report = {
        "kind": kind,
        "length": length,
        "method": method,
        "host_peak_bytes": peak_kib * 1024,
        "host_retained_bytes": (rss_after - rss_before) * 1024 if rss_after is not None else None,
    }
    if on_gpu:
        report["gpu_peak_bytes"] = torch.cuda.max_memory_allocated() - gpu_before
        report["gpu_retained_bytes"] = torch.cuda.memory_allocated() - gpu_before
    del output
    return report


ALLOCATORS = ("live", "default")


def run_memory_probe(kind: str, length: int, seed: int, allocator: str = "live",
                     threads: int | None = None) -> dict:
    """Run :func:`memory_probe` in a fresh interpreter.

    ``allocator="live"`` fixes glibc's mmap threshold at 64 KiB: every block
    of that size or more gets its own pages, returned on free, so the peak RSS
    follows the bytes actually live.  ``"default"`` leaves glibc as a user's
    process has it: the threshold then rises as tensors are freed, and freed
    pages stay resident for reuse, so RSS reads higher.
    """
    command = [sys.executable, str(Path(__file__).resolve()), "--memory-probe", kind,
               "--lengths", str(length), "--seed", str(seed)] + (["--threads", str(threads)] if threads else [])
    env = dict(os.environ)
    env.pop("MALLOC_MMAP_THRESHOLD_", None)
    if allocator == "live":
        env["MALLOC_MMAP_THRESHOLD_"] = str(64 * 1024)
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"memory probe {kind} L={length} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- reporting

def format_seconds(seconds: float) -> str:
    if not np.isfinite(seconds):
        return "n/a"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.1f} µs"
    return f"{seconds * 1e9:.0f} ns"


def format_bytes(n: float | None) -> str:
    if n is None or not np.isfinite(n):
        return "n/a"
    return f"{n / 2**20:.1f} MiB"


def format_ratio(x: float) -> str:
    if not np.isfinite(x):
        return "n/a"
    return f"{x:.2f}x" if x >= 0.01 else f"{x:.1e}"


def machine_info(model) -> dict[str, str]:
    import torch
    import transformers

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    device = str(model.device)
    if device.startswith("cuda"):
        device = f"{device} ({torch.cuda.get_device_name()})"
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "torch threads": str(torch.get_num_threads()),
        "device": device,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "model": f"{model.name} ({model.revision}), {model.n_layers} layers x {model.n_heads} heads, "
                 f"max {model.max_length} residues",
        # Other processes on a small machine show up as noise: say how busy it was.
        "load average (1 min) at start": f"{os.getloadavg()[0]:.2f}",
    }


def attention_bytes(model, length: int) -> int:
    return model.n_layers * model.n_heads * length * length * 4


def build_tables(model, timings: list[TimingResult], memory: dict[tuple[str, str, int], dict]) \
        -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of every table, shared by stdout and markdown."""
    has_sdpa = any("forward_sdpa" in t.seconds for t in timings)
    header = ["L", "forward", "forward + attentions", "extraction", "cache hit",
              "head()", f"edges(t={EDGE_THRESHOLD})"] + (["forward, sdpa*"] if has_sdpa else [])
    rows = []
    for t in timings:
        row = [str(t.length)] + [format_seconds(t.median(k)) for k in
                                 ("forward", "forward_attentions", "extraction", "cache_hit", "head", "edges")]
        if has_sdpa:
            row.append(format_seconds(t.median("forward_sdpa")))
        rows.append(row)
    tables = [("Time per call (median)", header, rows)]

    header = ["L", "fwd+attn / fwd", "extraction / fwd", "extraction / fwd+attn",
              "cache hit / extraction", "extraction / cache hit"] + (["fwd / sdpa fwd"] if has_sdpa else [])
    rows = []
    for t in timings:
        fwd, fwd_attn, ext, hit = (t.median(k) for k in ("forward", "forward_attentions", "extraction", "cache_hit"))
        row = [str(t.length), format_ratio(fwd_attn / fwd), format_ratio(ext / fwd), format_ratio(ext / fwd_attn),
               format_ratio(hit / ext), f"{ext / hit:,.0f}x"]
        if has_sdpa:
            row.append(format_ratio(fwd / t.median("forward_sdpa")))
        rows.append(row)
    tables.append(("Ratios", header, rows))

    header = (["L", "repeats", "forward", "forward + attentions", "extraction"] + (["forward, sdpa*"] if has_sdpa else [])
              + ["spread forward", "spread extraction", "edges per head (median)"])
    rows = []
    for t in timings:
        best = [format_seconds(min(t.seconds[k])) for k in ("forward", "forward_attentions", "extraction")]
        if has_sdpa:
            best.append(format_seconds(min(t.seconds["forward_sdpa"])) if "forward_sdpa" in t.seconds else "n/a")
        rows.append([str(t.length), str(len(t.seconds["forward"]))] + best
                    + [f"{t.spread(k) * 100:.0f}%" for k in ("forward", "extraction")] + [f"{t.median_edges:.0f}"])
    tables.append(("Best of the repeats (min), and spread = (max - min) / median", header, rows))

    if memory:
        lengths = sorted({length for _, _, length in memory})
        on_gpu = any("gpu_peak_bytes" in m for m in memory.values())
        method = next(iter(memory.values()))["method"]
        what = ("host RSS, peak mark reset just before the call" if method == "VmHWM"
                else "host ru_maxrss increase: a lifetime peak, can under-report")
        header = ["L", "attention array", "forward peak", "extraction peak", "extraction peak / array",
                  "extraction retained", "forward peak, default malloc", "extraction peak, default malloc"]
        if on_gpu:
            header += ["GPU forward peak", "GPU extraction peak"]
        rows = []
        for length in lengths:
            cell = {(kind, alloc): memory.get((kind, alloc, length), {})
                    for kind in MEMORY_KINDS for alloc in ALLOCATORS}
            array = attention_bytes(model, length)
            ext_peak = cell["extraction", "live"].get("host_peak_bytes")
            row = [str(length), format_bytes(array), format_bytes(cell["forward", "live"].get("host_peak_bytes")),
                   format_bytes(ext_peak), format_ratio(ext_peak / array) if ext_peak is not None else "n/a",
                   format_bytes(cell["extraction", "live"].get("host_retained_bytes")),
                   format_bytes(cell["forward", "default"].get("host_peak_bytes")),
                   format_bytes(cell["extraction", "default"].get("host_peak_bytes"))]
            if on_gpu:
                row += [format_bytes(cell["forward", "live"].get("gpu_peak_bytes")),
                        format_bytes(cell["extraction", "live"].get("gpu_peak_bytes"))]
            rows.append(row)
        tables.append((f"Peak memory increase of one call, fresh process per cell ({what})", header, rows))
    return tables


def render_text(tables) -> str:
    out = []
    for title, header, rows in tables:
        widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
        out.append(title)
        out.append("  ".join(h.rjust(w) for h, w in zip(header, widths)))
        out.append("  ".join("-" * w for w in widths))
        out.extend("  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in rows)
        out.append("")
    return "\n".join(out)


def render_markdown(tables, info: dict[str, str], settings: str, profile: str | None) -> str:
    out = ["# Attention extraction benchmark", "",
           "Written by `bench/bench_attention.py`; see `bench/README.md` for what each column measures.", ""]
    out += [f"- **{key}**: {value}" for key, value in info.items()]
    out += [f"- **settings**: {settings}", ""]
    for title, header, rows in tables:
        out += [f"## {title}", "", "| " + " | ".join(header) + " |",
                "|" + "|".join("---:" for _ in header) + "|"]
        out += ["| " + " | ".join(row) + " |" for row in rows]
        out.append("")
    out += [
        "Times: `forward` is `model.module(**inputs)` (eager attention, as the package loads it); "
        "`forward + attentions` adds `output_attentions=True`; `extraction` is "
        "`model.attention(seq, use_cache=False)`; `cache hit` is `model.attention(seq)` once cached; "
        "`head()` / `edges()` are medians over all heads.  "
        "*`forward, sdpa` uses the fused attention the package cannot use (it returns no weights): "
        "what insisting on attention weights costs.",
        "",
        "Memory: increase of the process's resident set (RSS) during one call, in a fresh process per "
        "cell, after a warm-up on 16 residues and `malloc_trim`.  The first columns fix glibc's mmap "
        "threshold at 64 KiB so that RSS follows the bytes live; `retained` is what is still resident "
        "once the call returned and its result is held.  The `default malloc` columns are what a "
        "process with glibc's defaults sees: freed tensors' pages stay resident for reuse.",
        "",
    ]
    if profile:
        out += ["## Where extraction time goes (cProfile, own time)", "", "```", profile.strip(), "```", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------- main

def parse_lengths(text: str) -> list[int]:
    return [int(part) for part in text.replace(",", " ").split()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lengths", type=parse_lengths, default=list(DEFAULT_LENGTHS),
                        help="sequence lengths, e.g. '120,250,500' (default)")
    parser.add_argument("--quick", action="store_true", help="1 warm-up and 2 repeats: a smoke test")
    parser.add_argument("--repeats", type=int, help="timed repeats per variant (default 7, --quick 2)")
    parser.add_argument("--warmup", type=int, help="untimed calls first (default 2, --quick 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random sequences")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory subprocesses")
    parser.add_argument("--profile", action="store_true", help="cProfile extraction at the longest length")
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "results.md",
                        help="markdown file to write (default bench/results.md)")
    parser.add_argument("--memory-probe", choices=MEMORY_KINDS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if args.memory_probe:  # internal: one memory measurement in this fresh process
        print(json.dumps(memory_probe(args.memory_probe, args.lengths[0], args.seed)))
        return 0

    repeats = args.repeats or (2 if args.quick else 7)
    warmup = args.warmup if args.warmup is not None else (1 if args.quick else 2)
    model = load_benchmark_model()
    too_long = [length for length in args.lengths if not 1 <= length <= model.max_length]
    if too_long:
        parser.error(f"lengths must lie in 1..{model.max_length}, got {too_long}")
    info = machine_info(model)
    print("\n".join(f"{key}: {value}" for key, value in info.items()), end="\n\n", flush=True)

    timings = []
    for length in args.lengths:
        print(f"timing L={length} ...", flush=True)
        timings.append(benchmark_timing(model, length, repeats, warmup, args.seed))

    memory = {}
    if not args.no_memory:
        for length in args.lengths:
            for kind in MEMORY_KINDS:
                for allocator in ALLOCATORS:
                    print(f"memory {kind} L={length} ({allocator} malloc) ...", flush=True)
                    memory[(kind, allocator, length)] = run_memory_probe(kind, length, args.seed, allocator,
                                                                         args.threads)

    profile = profile_extraction(model, max(args.lengths), args.seed) if args.profile else None

    info["load average (1 min) at end"] = f"{os.getloadavg()[0]:.2f}"
    tables = build_tables(model, timings, memory)
    print()
    print(render_text(tables))
    if profile:
        print(profile)
    settings = (f"lengths {args.lengths}, {warmup} warm-up + {repeats} timed repeats, seed {args.seed}, "
                f"edge threshold {EDGE_THRESHOLD}" + (" (--quick)" if args.quick else ""))
    args.output.write_text(render_markdown(tables, info, settings, profile))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
