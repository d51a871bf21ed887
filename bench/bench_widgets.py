"""What a layer / head / threshold change costs in the explorer, kernel side and in a browser.

For one chain of L = 500 residues (default) on the embedded AntiBERTy:

* **kernel side**: ``ex.head = h``, ``ex.layer = l``, ``ex.threshold = t`` and
  ``ex.mode = m`` on an :class:`AttentionExplorer` with every view (3D
  structure, head grid, heatmap, sequence track), timed with
  ``time.perf_counter`` up to the moment the widget messages are handed to the
  comm (their state is serialised, binary buffers split off), with the bytes
  they carry.  The attention comes from the cache: the benchmark checks that
  ``model.forward_count`` does not move.
* **provis-style baseline**: what the paper's code does for a view: load the
  model again, recompute the attention (no cache), compute the edges.
* **browser**: with ``--browser``, runs ``tests/browser/test_explorer_browser.py::
  test_redraw_time`` on the same structure in JupyterLab + Chromium: the kernel
  sets the head and the page times, with ``performance.now()``, until the
  heatmap has redrawn (see that test).  ``--browser-only --reference REV``
  updates just this section, timing the explorer of git revision ``REV`` (its
  own test, exported with ``git archive``) alternately with this checkout.
* **first paint**: with ``--browser`` (or ``--first-paint-only``, which updates just this section),
  runs ``tests/browser/test_first_paint.py`` on the same structure: JupyterLab's "run cell" on
  ``ex`` until every view of the explorer has drawn and NGL has painted the structure and the
  head, the first time on the page and when shown again; the reference, in the same run and
  page, is one ``AttentionHeatmap`` of the same chain displayed the same way.

* **build vs extraction** (``--pages-only``, or with the other sections): a randomly initialised
  ESM-shaped checkpoint (``--build``, default 33 x 20 at L = 1,022, hidden size 320), timed in one
  run: ``model.attention(chain)`` on a cold cache, then ``AttentionExplorer`` on the warm cache.
* **page vs bertviz** (same flag): ``to_html`` next to bertviz's ``head_view`` page for the same
  real AntiBERTy attention (1VFB chain B, L = 116; 1HZH chain H, L = 457), bertviz in a child
  process with a time limit; "bertviz not installed" when it is absent (it is not a dependency).
  ``--pages-only`` updates just these two sections of ``--output``.
* **threshold below the floor at real size** (``--below-floor-ab REV --pairs N``, updates just this
  section): the real-size explorer (random float16 attention, 33 x 20 at L = 1,022 by default,
  ``--below-floor-shape``) set to thresholds under the 0.05 strong-pair floor, new and seen
  before, with this checkout's package and git ``REV``'s alternately in child processes (this
  bench code for both), and a digest of the grid's counts and flags that must agree.

The 500-residue chain is 1HZH's heavy chain H (457 residues) followed by the
first 43 residues of its light chain L, renumbered as one chain (a bench input,
not a molecule).  Run ``python bench/bench_widgets.py [--browser] [--quick]``;
results go to stdout and ``bench/results_widgets.md``.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


def long_chain_pdb(length: int, directory: Path, chains: tuple[str, ...] = ("H", "L", "K", "M")) -> Path:
    """A PDB file whose chain H has ``length`` residues: 1HZH's ``chains`` in that order (H first), the
    others renumbered into chain H after it."""
    source = REPO_ROOT / "protattn_widgets/data/antibodies/1hzh.pdb.gz"
    lines = gzip.decompress(source.read_bytes()).decode().splitlines()
    atoms = [ln for ln in lines if ln.startswith("ATOM  ")]
    out, seen, number = [], [], 0
    assert chains[0] == "H", chains
    for chain in chains:
        for ln in atoms:
            if ln[21] != chain:
                continue
            key = (chain, ln[22:27])
            if key not in seen:
                if len(seen) == length:
                    break
                seen.append(key)
                number = len(seen)
            if chain == "H":
                out.append(ln)
            else:  # renumber into chain H after its own residues (no insertion codes)
                out.append(f"{ln[:21]}H{1000 + number:4d} {ln[27:]}")
        if len(seen) == length:
            break
    path = directory / f"bench_{''.join(chains)}_L{length}.pdb"
    path.write_text("\n".join(out + ["TER", "END"]) + "\n")
    return path


class Tally:
    def __init__(self):
        self.messages = 0
        self.bytes = 0


class RecordingComm:
    """Stands in for a widget's kernel comm: counts what would be sent (JSON text + binary buffers)."""

    kernel = True  # ipywidgets serialises and sends only when the comm has a kernel

    def __init__(self, tally: Tally, comm_id: str):
        self.tally = tally
        self.comm_id = comm_id

    def send(self, data=None, buffers=None, **_):
        self.tally.messages += 1
        self.tally.bytes += len(json.dumps(data, default=str)) + sum(memoryview(b).nbytes for b in buffers or [])

    def close(self, *args, **kwargs):
        pass

    def on_msg(self, *args, **kwargs):
        pass


def attach_recorder() -> Tally:
    from ipywidgets.widgets.widget import _instances

    tally = Tally()
    for widget in list(_instances.values()):
        widget.comm = RecordingComm(tally, widget.model_id)
    return tally


def timed(action, comm: Tally) -> tuple[float, int, int]:
    before_messages, before_bytes = comm.messages, comm.bytes
    start = time.perf_counter()
    action()
    elapsed = time.perf_counter() - start
    return elapsed * 1000, comm.messages - before_messages, comm.bytes - before_bytes


def kernel_side(path: Path, chain: str, rounds: int) -> dict:
    import protattn_widgets as paw
    from protattn_widgets.widgets.explorer import AttentionExplorer

    model = paw.load_model("antiberty")
    structure = paw.load_structure(path)
    start = time.perf_counter()
    ex = AttentionExplorer(structure, model=model, chain=chain, layer=0, head=0, threshold=0.3)
    build_s = time.perf_counter() - start
    comm = attach_recorder()
    forwards = model.forward_count
    results: dict[str, list] = {"head": [], "layer": [], "threshold (new value)": [],
                                "threshold (seen before)": [], "mode": []}
    thresholds = [round(0.05 + 0.01 * k, 2) for k in range(rounds + 1)]
    for k in range(rounds):
        results["head"].append(timed(lambda: setattr(ex, "head", (ex.head + 1) % 8), comm))
        results["layer"].append(timed(lambda: setattr(ex, "layer", (ex.layer + 3) % 8), comm))
        results["threshold (new value)"].append(timed(lambda: setattr(ex, "threshold", thresholds[k + 1]), comm))
        results["mode"].append(timed(lambda: setattr(ex, "mode", ("max", "mean", "directed")[(k + 1) % 3]), comm))
    for k in range(rounds):
        results["threshold (seen before)"].append(timed(lambda: setattr(ex, "threshold", thresholds[k]), comm))
    assert model.forward_count == forwards, "a view called the model"
    import ipywidgets

    ipywidgets.Widget.close_all()  # before interpreter exit, where closing them would fail noisily
    rows = {}
    for name, samples in results.items():
        ms = [s[0] for s in samples]
        rows[name] = {"median_ms": statistics.median(ms), "max_ms": max(ms),
                      "messages": statistics.median(s[1] for s in samples),
                      "bytes": statistics.median(s[2] for s in samples)}
    return {"L": len(ex.attention), "build_s": build_s, "rows": rows}


class PrecomputedModel:
    """A stand-in model whose only sequence's attention is given (no forward pass)."""

    def __init__(self, attention):
        self.attention_object = attention
        self.name = attention.model_name
        self.max_length = len(attention)
        self.forward_count = 0

    def attention(self, chain):
        self.attention_object.check_chain(chain)
        return self.attention_object


def _float32_heads(attention):
    """The same Attention whose ``head`` returns float32 (as the engine branch's does for float16
    storage), so that views calling ``received``/``edges`` are timed as they will run after the merge."""
    import dataclasses

    from protattn_widgets.attention import Attention
    from protattn_widgets.widgets.encoding import as_float32

    class Float32Heads(Attention):
        def head(self, layer, head):
            layer, head = self.check_head(layer, head)
            return as_float32(self.values[layer, head])

    return Float32Heads(**{f.name: getattr(attention, f.name) for f in dataclasses.fields(attention) if f.init})


def random_attention(chain, n_layers: int, n_heads: int, seed: int = 0):
    """Row-stochastic random attention of real-model shape, float16 (what the engine stores when big)."""
    import numpy as np

    from protattn_widgets.attention import Attention

    rng = np.random.default_rng(seed)
    n = len(chain)
    # A few random heads, each head a column-rolled copy of one (fast to make; still row-stochastic).
    bases = []
    for _ in range(8):
        x = rng.standard_exponential((n, n), dtype=np.float32) ** 4  # peaky rows, like real heads
        bases.append((x / x.sum(axis=1, keepdims=True)).astype(np.float16))
    values = np.empty((n_layers, n_heads, n, n), dtype=np.float16)
    for flat in range(n_layers * n_heads):
        values[divmod(flat, n_heads)] = np.roll(bases[flat % 8], 17 * flat, axis=1)
    values.flags.writeable = False
    return _float32_heads(Attention(values, chain.sequence, tuple(chain.residue_ids), f"random-{n_layers}x{n_heads}",
                                    chain.chain_id, chain.structure_name))


def scale_side(path: Path, n_layers: int, n_heads: int, rounds: int, pages: bool) -> dict:
    """Explorer costs at a real model's head count (random float16 attention; no model runs)."""
    import ipywidgets
    import protattn_widgets as paw
    from protattn_widgets.widgets.explorer import AttentionExplorer

    structure = paw.load_structure(path)
    start = time.perf_counter()
    attention = random_attention(structure["H"], n_layers, n_heads)
    make_s = time.perf_counter() - start
    model = PrecomputedModel(attention)
    start = time.perf_counter()
    ex = AttentionExplorer(structure, model=model, chain="H", threshold=0.3)
    build_s = time.perf_counter() - start
    assert ex.attention is attention  # the same object: no second copy of the tensor
    comm = attach_recorder()
    results: dict[str, list] = {"head": [], "layer": [], "grid click (layer and head)": [],
                                "threshold (new value)": [], "mode": []}
    for k in range(rounds):
        results["head"].append(timed(lambda: setattr(ex, "head", (ex.head + 1) % n_heads), comm))
        results["layer"].append(timed(lambda: setattr(ex, "layer", (ex.layer + 3) % n_layers), comm))
        target = {"layer": (ex.layer + 5) % n_layers, "head": (ex.head + 7) % n_heads}
        # a tile click: the page sets layer and head together (one message to the explorer)
        results["grid click (layer and head)"].append(timed(lambda: ex.set_state(target), comm))
        results["threshold (new value)"].append(timed(lambda: setattr(ex, "threshold", round(0.06 + 0.013 * k, 3)), comm))
        results["mode"].append(timed(lambda: setattr(ex, "mode", ("max", "mean", "directed")[(k + 1) % 3]), comm))
    rows = {}
    for name, samples in results.items():
        ms = [x[0] for x in samples]
        rows[name] = {"median_ms": statistics.median(ms), "max_ms": max(ms),
                      "messages": statistics.median(x[1] for x in samples),
                      "bytes": statistics.median(x[2] for x in samples)}
    page_rows = {}
    if pages:
        with tempfile.TemporaryDirectory() as tmp:
            for heads in ("all", "layer", "current"):
                start = time.perf_counter()
                out = ex.to_html(Path(tmp) / f"{heads}.html", heads=heads)
                page_rows[heads] = {"s": time.perf_counter() - start, "mb": out.stat().st_size / 1e6}
    index = ex.grid.pair_index
    ipywidgets.Widget.close_all()
    return {"shape": f"{n_layers} x {n_heads}", "L": len(attention), "make_s": make_s, "build_s": build_s,
            "tensor_gb": attention.values.nbytes / 1e9, "index_mb": index.nbytes / 1e6, "rows": rows,
            "pages": page_rows}


#: Thresholds below the 0.05 strong-pair floor, as a user drags the slider down (step 0.0005 there).
BELOW_FLOOR = (0.02, 0.01, 0.004, 0.003, 0.002)


def below_floor_side(path: Path, n_layers: int, n_heads: int, thresholds=BELOW_FLOOR) -> dict:
    """The explorer of :func:`scale_side` at thresholds below the strong-pair floor, where the grid reads
    every stored head: each threshold set as a new value, then each again (seen before).  Returns the
    times (ms), the peak RSS and a digest of the grid's counts and flags at each threshold (to compare
    revisions: the same digest is the same integers and words)."""
    import hashlib
    import resource

    import ipywidgets
    import numpy as np
    import protattn_widgets as paw
    from protattn_widgets.widgets.explorer import AttentionExplorer

    load = os.getloadavg()[0]
    structure = paw.load_structure(path)
    attention = random_attention(structure["H"], n_layers, n_heads)
    ex = AttentionExplorer(structure, model=PrecomputedModel(attention), chain="H", threshold=0.3)
    comm = attach_recorder()
    digest, new_ms, seen_ms = hashlib.sha256(), [], []
    for t in thresholds:
        new_ms.append(timed(lambda: setattr(ex, "threshold", t), comm)[0])
        acc = ex.grid.contact_accumulator()
        assert "approximate" in ex.grid.caption  # float16 below the floor: the grid says so
        digest.update(np.ascontiguousarray(acc.hits).tobytes() + np.ascontiguousarray(acc.total).tobytes())
        digest.update("|".join(ex.grid._flags).encode())
    for t in thresholds:
        seen_ms.append(timed(lambda: setattr(ex, "threshold", t), comm)[0])
    ipywidgets.Widget.close_all()
    return {"new_ms": new_ms, "seen_ms": seen_ms, "digest": digest.hexdigest()[:12], "package": paw.__file__,
            "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
            "load": [load, os.getloadavg()[0]]}


def below_floor_ab(reference: str, pairs: int, spec: str = "33x20@1022") -> list[str]:
    """:func:`below_floor_side` (this bench script) on this checkout's package and on git ``reference``'s,
    each in a child process, alternating (reference first) ``pairs`` times."""
    shape, length = spec.split("@")
    n_layers, n_heads = (int(x) for x in shape.split("x"))
    runs: dict[str, list[dict]] = {"reference": [], "this": []}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "ref").mkdir()
        ref_root, about = export_revision(reference, Path(tmp) / "ref")
        pdb = long_chain_pdb(int(length), Path(tmp))
        for k in range(pairs):
            for name, root in (("reference", ref_root), ("this", REPO_ROOT)):
                # this script's bench code, then ``root`` first on the path: that tree's package
                script = (f"import json, sys; sys.path.insert(0, {str(BENCH_DIR)!r}); import bench_widgets as b; "
                          f"sys.path.insert(0, {str(root)!r}); from pathlib import Path; "
                          f"print(json.dumps(b.below_floor_side(Path({str(pdb)!r}), {n_layers}, {n_heads})))")
                out = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True,
                                     timeout=1800, check=True).stdout
                run = json.loads(out.strip().splitlines()[-1])
                assert run["package"].startswith(str(root)), (name, run["package"])
                runs[name].append(run)
                print(f"pair {k + 1}, {name}: new {statistics.median(run['new_ms']):.0f} ms, seen "
                      f"{statistics.median(run['seen_ms']):.0f} ms, digest {run['digest']}", flush=True)
    return below_floor_lines(runs, about, f"{n_layers} x {n_heads}", int(length))


def below_floor_lines(runs: dict, about: str, shape: str, length: int) -> list[str]:
    median = lambda name, key: statistics.median(statistics.median(r[key]) for r in runs[name])  # noqa: E731
    digests = {r["digest"] for rs in runs.values() for r in rs}
    lines = ["## Threshold below the strong-pair floor at real size (against a reference revision)", "",
             f"The explorer of the real-size section ({shape} heads, L = {length}, random float16 attention, every "
             f"view) set to each of {', '.join(map(str, BELOW_FLOOR))} (below the 0.05 floor: the grid reads "
             f"the stored heads, approximate counts), then to each again (seen before); this checkout's "
             f"package and git {about}'s, each run in its own process, alternating (reference first), "
             f"{len(runs['this'])} runs each.  A value is the median over runs of each run's median.", "",
             "| tree | new value ms | seen before ms | peak RSS |", "|---|---:|---:|---:|"]
    for name in ("reference", "this"):
        rss = max(r["peak_rss_gb"] for r in runs[name])
        lines.append(f"| {name} | {median(name, 'new_ms'):.0f} | {median(name, 'seen_ms'):.0f} | {rss:.2f} GB |")
    ratio = median("this", "new_ms") / median("reference", "new_ms")
    lines += ["", f"New value: this / reference = {ratio:.2f}.  Counts and flags at every threshold: "
              + ("identical in every run (one digest)." if len(digests) == 1 else f"DIFFER ({sorted(digests)})."),
              "", "| pair | reference new / seen ms | this new / seen ms | load (1 min) at start, end of each |",
              "|---:|---:|---:|---|"]
    for k, (ref, this) in enumerate(zip(runs["reference"], runs["this"])):
        loads = ", ".join(f"{a:.1f}-{b:.1f}" for a, b in (ref["load"], this["load"]))
        lines.append(f"| {k + 1} | {statistics.median(ref['new_ms']):.0f} / {statistics.median(ref['seen_ms']):.0f} | "
                     f"{statistics.median(this['new_ms']):.0f} / {statistics.median(this['seen_ms']):.0f} | {loads} |")
    return lines + [""]


def scale_lines(results: list[dict]) -> list[str]:
    lines = ["## Real model sizes (random float16 attention of the model's shape; no model runs)", "",
             "Per change, kernel side, all five views (median of the rounds; machine shared with other jobs, "
             "so compare numbers of one run).  `Attention.head` returns float32 per head (as the engine's "
             "float16 storage does; `_float32_heads`).  The attention is 8 random row-stochastic heads, "
             "each head a column-rolled copy of one; the chain is 1HZH's H, L, K, M renumbered as one.", "",
             "| heads | L | change | median ms | max ms | messages | bytes sent |", "|---|---:|---|---:|---:|---:|---:|"]
    for r in results:
        for name, row in r["rows"].items():
            lines.append(f"| {r['shape']} | {r['L']} | {name} | {row['median_ms']:.1f} | {row['max_ms']:.1f} | "
                         f"{row['messages']:.0f} | {row['bytes']:,.0f} |")
    lines += ["", "| heads | L | attention (float16) | making it (random) | explorer build | grid index |",
              "|---|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['shape']} | {r['L']} | {r['tensor_gb']:.2f} GB | {r['make_s']:.1f} s | "
                     f"{r['build_s']:.1f} s | {r['index_mb']:.0f} MB |")
    if any(r["pages"] for r in results):
        lines += ["", "| heads | L | `to_html(heads=...)` | seconds | MB |", "|---|---:|---|---:|---:|"]
        for r in results:
            for heads, row in r["pages"].items():
                lines.append(f"| {r['shape']} | {r['L']} | {heads} | {row['s']:.1f} | {row['mb']:.1f} |")
    return lines + [""]


def build_vs_extraction(n_layers: int, n_heads: int, length: int, directory: Path, hidden: int = 320) -> dict:
    """Explorer build next to the attention extraction it needs, one run, a real (randomly
    initialised) ESM-shaped checkpoint (``tests/tiny_models.save_shaped``) on a ``length``-residue chain:
    ``model.attention(chain)`` on a cold cache, then ``AttentionExplorer`` (cache warm: the views only)."""
    import gc

    import ipywidgets
    import protattn_widgets as paw
    from protattn_widgets.widgets.explorer import AttentionExplorer

    sys.path.insert(0, str(REPO_ROOT / "tests"))
    import tiny_models

    checkpoint = directory / f"esm-{n_layers}x{n_heads}-h{hidden}"
    tiny_models.save_shaped(checkpoint, "esm", n_layers, n_heads, hidden_size=hidden)
    model = paw.load_model(checkpoint)
    structure = paw.load_structure(long_chain_pdb(length, directory))
    chain = structure["H"]
    model.attention("ACDEFGHIKL")  # warm-up (threads, first-call costs), another sequence: cache stays cold
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    attention = model.attention(chain)
    extract_s, extract_cpu = time.perf_counter() - start, time.process_time() - cpu
    forwards = model.forward_count
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    ex = AttentionExplorer(structure, model=model, chain="H")
    build_s, build_cpu = time.perf_counter() - start, time.process_time() - cpu
    reran = model.forward_count != forwards  # the cache's copy: a new Attention object, not a new forward
    ipywidgets.Widget.close_all()
    del ex
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()  # again: without first-use imports (scipy, matplotlib)
    ex = AttentionExplorer(structure, model=model, chain="H")
    again_s, again_cpu = time.perf_counter() - start, time.process_time() - cpu
    reran = reran or model.forward_count != forwards
    ipywidgets.Widget.close_all()
    return {"shape": f"{n_layers} x {n_heads}", "hidden": hidden, "L": len(attention), "extract_s": extract_s,
            "extract_cpu": extract_cpu, "build_s": build_s, "build_cpu": build_cpu, "reran": reran,
            "again_s": again_s, "again_cpu": again_cpu}


#: The page-size cases: (chains of 1HZH joined in order, residues).  H+K+L is the issue's case (issue 19):
#: 1,116 residues joined, more than ESM-2 takes (1,022), so its first 1,000; H+L+K+M at 1,022 is the
#: chain the other sections use.
PAGE_CASES = ((("H", "K", "L"), 1000), (("H", "L", "K", "M"), 1022))
#: The issue's limit for ``to_html(heads="all")`` at 33 x 20 on such a chain.
PAGE_LIMIT_MB = 40.0


def page_size(n_layers: int, n_heads: int, cases=PAGE_CASES, hidden: int = 320) -> list[dict]:
    """``to_html(heads="all")`` of an explorer whose attention comes from a randomly initialised
    ESM-2-shaped checkpoint (``tests/tiny_models.save_shaped``, a real forward pass: not synthetic
    attention) on each of ``cases``' joined 1HZH chains; size in MB (10^6 bytes) and seconds."""
    import gc

    import ipywidgets
    import protattn_widgets as paw
    from protattn_widgets.widgets.explorer import AttentionExplorer
    from protattn_widgets.widgets.standalone import read_standalone_data

    sys.path.insert(0, str(REPO_ROOT / "tests"))
    import tiny_models

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        checkpoint = directory / f"esm-{n_layers}x{n_heads}-h{hidden}"
        tiny_models.save_shaped(checkpoint, "esm", n_layers, n_heads, hidden_size=hidden)
        model = paw.load_model(checkpoint)
        for chains, length in cases:
            joined = sum(len(paw.load_structure(REPO_ROOT / "protattn_widgets/data/antibodies/1hzh.pdb.gz")[c])
                         for c in chains)
            structure = paw.load_structure(long_chain_pdb(length, directory, chains))
            ex = AttentionExplorer(structure, model=model, chain="H")
            path = directory / "page.html"
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the large-page warning (it names heads="layer") is expected
                ex.to_html(path, heads="all")
            seconds = time.perf_counter() - start
            side = read_standalone_data(path)["arrays"]["matrices"].shape[-1]
            rows.append({"chains": "+".join(chains), "joined": joined, "L": len(ex.attention), "side": side,
                         "shape": f"{n_layers} x {n_heads}", "hidden": hidden, "MB": path.stat().st_size / 1e6,
                         "s": seconds, "dtype": str(ex.attention.values.dtype)})
            print(rows[-1], flush=True)
            ipywidgets.Widget.close_all()
            del ex
            gc.collect()
    return rows


def page_size_lines(rows: list[dict]) -> list[str]:
    lines = ["## Page size at scale (to_html of every head, attention from a random ESM-2-shaped model)", "",
             "`AttentionExplorer(...).to_html(path)` (heads=\"all\") for a randomly initialised ESM-2-650M-shaped "
             "checkpoint (`tests/tiny_models.save_shaped(dir, \"esm\", 33, 20, hidden_size=...)`, a real forward "
             "pass, not synthetic attention; ESM-2 650M's own hidden size is 1280) on 1HZH chains joined and "
             "renumbered as one chain H.  The issue's case "
             "is H+K+L: joined it has 1,116 residues, more than ESM-2 takes (1,022), so its first 1,000 are used. "
             f"Limit: {PAGE_LIMIT_MB:.0f} MB; a page that would exceed it is built again with its heatmaps pooled "
             "coarser (`standalone.PAGE_BUDGET_BYTES`), so \"cells a side\" below 256 means it was; the seconds "
             "include that second build.", "",
             "| chains joined | residues joined | L used | heads | hidden | attention | cells a side | MB | s "
             "| within the limit |",
             "|---|---:|---:|---|---:|---|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['chains']} | {r['joined']:,} | {r['L']:,} | {r['shape']} | {r['hidden']} | {r['dtype']} | "
                     f"{r['side']} | {r['MB']:.1f} | {r['s']:.1f} | {'yes' if r['MB'] <= PAGE_LIMIT_MB else 'NO'} |")
    return lines + [""]


def build_lines(rows: list[dict]) -> list[str]:
    lines = ["## Explorer build vs attention extraction (one run, real shaped checkpoint)", "",
             "`tests/tiny_models.save_shaped(dir, \"esm\", layers, heads, hidden_size=...)` loaded with "
             "`paw.load_model`; the chain is 1HZH's H, L, K, M renumbered as one.  Extraction: "
             "`model.attention(chain)` on a cold cache.  Build: `AttentionExplorer(structure, model=model, "
             "chain=...)` right after (cache warm, so the build is the views), then a second explorer in the same "
             "process (the first one includes one-time imports of scipy.stats and matplotlib, about 1 s).  "
             "Target: build <= 20 % of the extraction.", "",
             "| heads | hidden | L | extraction s (CPU s) | explorer build s (CPU s) | build / extraction | "
             "second build s (CPU s) | second / extraction | model re-run by a build |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['shape']} | {r['hidden']} | {r['L']} | {r['extract_s']:.1f} ({r['extract_cpu']:.1f}) | "
                     f"{r['build_s']:.2f} ({r['build_cpu']:.2f}) | {100 * r['build_s'] / r['extract_s']:.0f} % "
                     f"(CPU {100 * r['build_cpu'] / r['extract_cpu']:.0f} %) | "
                     f"{r['again_s']:.2f} ({r['again_cpu']:.2f}) | {100 * r['again_s'] / r['extract_s']:.0f} % "
                     f"(CPU {100 * r['again_cpu'] / r['extract_cpu']:.0f} %) | "
                     f"{'yes' if r['reran'] else 'no'} |")
    return lines + [""]


def _bertviz_bytes(attention, timeout_s: float) -> tuple[int | None, float, str]:
    """Size of bertviz's ``head_view`` page for ``attention`` (all layers and heads), in a child process
    killed after ``timeout_s``: (bytes or None, seconds, note)."""
    import importlib.util

    if importlib.util.find_spec("bertviz") is None:
        return None, 0.0, "bertviz not installed"
    import numpy as np

    with tempfile.TemporaryDirectory() as tmp:
        values = Path(tmp) / "attention.npy"
        np.save(values, np.asarray(attention.values, dtype=np.float32))
        (Path(tmp) / "tokens.json").write_text(json.dumps(list(attention.sequence)))
        code = ("import json, sys, numpy as np, torch, bertviz; d = sys.argv[1]; "
                "v = np.load(d + '/attention.npy', mmap_mode='r'); "
                "page = bertviz.head_view(attention=tuple(torch.from_numpy(np.array(v[k]))[None] for k in range(len(v))), "
                "tokens=json.load(open(d + '/tokens.json')), html_action='return'); "
                "print(len(page.data.encode('utf-8')))")
        start = time.perf_counter()
        try:
            done = subprocess.run([sys.executable, "-c", code, tmp], capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return None, time.perf_counter() - start, f"not built within {timeout_s:.0f} s"
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            return None, seconds, f"failed: {(done.stderr.strip().splitlines() or ['?'])[-1][:100]}"
        return int(done.stdout.strip().splitlines()[-1]), seconds, ""


def page_vs_bertviz(cases: list[tuple[str, str, str]], timeout_s: float = 150.0) -> list[dict]:
    """Our ``to_html`` (all heads) next to bertviz's ``head_view`` page for the same attention:
    ``cases`` are (model, structure, chain) on real AntiBERTy."""
    import ipywidgets
    import protattn_widgets as paw
    from protattn_widgets.widgets.explorer import AttentionExplorer

    model = paw.load_model("antiberty")
    rows = []
    for model_name, source, chain_id in cases:
        structure = paw.load_structure(source)
        ex = AttentionExplorer(structure, model=model, chain=chain_id)
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            ours = ex.to_html(Path(tmp) / "page.html").stat().st_size
            ours_s = time.perf_counter() - start
        theirs, theirs_s, note = _bertviz_bytes(ex.attention, timeout_s)
        attention = ex.attention
        rows.append({"source": f"{Path(str(source)).name}:{chain_id}", "model": model_name, "L": len(attention),
                     "heads": f"{attention.n_layers} x {attention.n_heads}", "ours": ours, "ours_s": ours_s,
                     "bertviz": theirs, "bertviz_s": theirs_s, "note": note})
        ipywidgets.Widget.close_all()
    return rows


def bertviz_lines(rows: list[dict]) -> list[str]:
    lines = ["## Page size vs bertviz (same attention, all heads)", "",
             "Ours: `AttentionExplorer.to_html(path)` (heads=\"all\"; up to L = 256 every head is embedded "
             "whole, as uint8 codes; longer chains block-max pooled to 256 cells a side plus the pairs >= 0.05, "
             "so at L = 457 ours is lossy where bertviz's is not).  bertviz: `bertviz.head_view(attention=..., tokens=..., "
             "html_action=\"return\").data` for the same float32 attention (every layer and head), "
             "built in a child process with a time limit.", "",
             "| chain | model | heads | L | ours MB | ours s | bertviz MB | bertviz s | bertviz / ours |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if r["bertviz"] is None:
            theirs, ratio = f"— ({r['note']})", "—"
        else:
            theirs, ratio = f"{r['bertviz'] / 1e6:.1f}", f"{r['bertviz'] / r['ours']:.0f}x"
        lines.append(f"| {r['source']} | {r['model']} | {r['heads']} | {r['L']} | {r['ours'] / 1e6:.2f} | "
                     f"{r['ours_s']:.1f} | {theirs} | {r['bertviz_s']:.1f} | {ratio} |")
    return lines + [""]


def replace_section(path: Path, lines: list[str]) -> None:
    """Put ``lines`` (starting with a ``## `` heading) into ``path`` in place of the section of that
    heading (up to the next ``## ``), or at the end."""
    text = path.read_text().splitlines() if path.exists() else []
    heading = lines[0]
    if heading in text:
        start = text.index(heading)
        end = next((k for k in range(start + 1, len(text)) if text[k].startswith("## ")), len(text))
        text[start:end] = lines
    else:
        text += [""] + lines if text and text[-1] else lines
    path.write_text("\n".join(text).rstrip("\n") + "\n")


def provis_baseline(path: Path, chain: str, rounds: int) -> dict:
    """Per view update: load the model again, recompute attention (no cache), compute edges."""
    import protattn_widgets as paw
    from protattn_widgets.models import clear_model_cache

    structure = paw.load_structure(path)
    samples = []
    for k in range(rounds):
        start = time.perf_counter()
        clear_model_cache()
        model = paw.load_model("antiberty")
        attention = model.attention(structure[chain], use_cache=False)
        attention.edges(k % 8, (k * 3) % 8, threshold=0.3)
        samples.append((time.perf_counter() - start) * 1000)
    return {"median_ms": statistics.median(samples), "max_ms": max(samples), "rounds": rounds}


def browser_side(path: Path, chain: str, root: Path = REPO_ROOT) -> dict:
    """``tests/browser/test_explorer_browser.py::test_redraw_time`` of the tree at ``root`` (this
    checkout, or a reference revision exported by :func:`export_revision`) on ``path``'s ``chain``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "redraw.json"
        env = dict(os.environ, PROTATTN_BENCH_STRUCTURE=str(path), PROTATTN_BENCH_CHAIN=chain,
                   PROTATTN_BENCH_OUT=str(out), PYTHONPATH=str(root))
        test = "tests/browser/test_explorer_browser.py::test_redraw_time"
        proc = subprocess.run([sys.executable, "-m", "pytest", test, "-q", "-p", "no:cacheprovider"],
                              cwd=root, env=env, capture_output=True, text=True, timeout=1200)
        if not out.exists():
            raise RuntimeError(f"browser benchmark failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
        return json.loads(out.read_text())


def export_revision(revision: str, directory: Path) -> tuple[Path, str]:
    """The tree of git ``revision`` (its package, built front-end and browser tests) written to
    ``directory``; returns it and the revision's short hash and subject."""
    archive = subprocess.run(["git", "archive", revision], cwd=REPO_ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(directory)], input=archive, check=True)
    about = subprocess.run(["git", "log", "-1", "--format=%h (%ad)", "--date=short", revision], cwd=REPO_ROOT,
                           check=True, capture_output=True, text=True).stdout.strip()
    return directory, about


def browser_ab(path: Path, chain: str, reference: str | None, pairs: int) -> dict:
    """test_redraw_time on this checkout and, when ``reference`` is given, on that revision, run
    alternately ``pairs`` times (reference first) on the same machine and chain."""
    runs = {"this": [], "reference": []}
    with tempfile.TemporaryDirectory() as tmp:
        ref_root, about = export_revision(reference, Path(tmp)) if reference else (None, None)
        for k in range(pairs):
            if ref_root is not None:
                runs["reference"].append(browser_side(path, chain, ref_root))
                print(f"pair {k + 1}: reference {runs['reference'][-1]['total']:.1f} ms", flush=True)
            runs["this"].append(browser_side(path, chain))
            print(f"pair {k + 1}: this checkout {runs['this'][-1]['total']:.1f} ms", flush=True)
    return {"runs": runs, "reference": about}


def browser_lines(ab: dict) -> list[str]:
    """The browser section: this checkout's redraw timings, and the A/B against the reference."""
    this = ab["runs"]["this"]
    med = lambda runs, key: statistics.median(r[key] for r in runs)  # noqa: E731
    lines = ["## Browser (JupyterLab 4 + Chromium, headless, software rendering)", "",
             f"`ex.head = h` in the kernel of a JupyterLab notebook showing the explorer, L = {this[0]['n']}; "
             f"each run is `tests/browser/test_explorer_browser.py::test_redraw_time` ({this[0]['rounds']} "
             f"head changes after 2 warm-up ones); a value below is the median over {len(this)} run(s) of "
             "each run's median.", "",
             "| measure | ms |", "|---|---:|",
             f"| heatmap redraw (new head's message arrived -> canvas drawn) | {med(this, 'changeToDrawn'):.1f} |",
             f"| kernel sets `ex.head` -> heatmap drawn (one clock; includes the Python side) | {med(this, 'total'):.1f} |",
             f"| of which Python side in the kernel | {med(this, 'python'):.1f} |",
             f"| kernel -> the frame showing it painted (with NGL's redraw of the edges) | {med(this, 'painted'):.1f} |",
             f"| worst kernel -> heatmap drawn | {max(r['max_total'] for r in this):.1f} |", ""]
    ref = ab["runs"]["reference"]
    if ref:
        lines += [f"Against the reference in the same run: git {ab['reference']} (its own test_redraw_time, "
                  "the same chain, runs alternating, reference first).  Per run, the median of its head "
                  "changes, in ms: kernel -> heatmap drawn (K), of it the Python side (P) and message "
                  "arrived -> drawn (D); kernel -> painted frame (F).", "",
                  "| pair | ref K | this K | this / ref | ref P | this P | ref D | this D | ref F | this F |",
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        row = lambda name, a, b: (f"| {name} | {a('total'):.1f} | {b('total'):.1f} | "  # noqa: E731
                                  f"{b('total') / a('total'):.2f} | {a('python'):.1f} | {b('python'):.1f} | "
                                  f"{a('changeToDrawn'):.1f} | {b('changeToDrawn'):.1f} | {a('painted'):.0f} | "
                                  f"{b('painted'):.0f} |")
        for k, (a, b) in enumerate(zip(ref, this)):
            lines.append(row(str(k + 1), a.__getitem__, b.__getitem__))
        lines += [row("median", lambda key: med(ref, key), lambda key: med(this, key)), ""]
    return lines


def kernel_ab(length: int, reference: str, rounds: int) -> list[str]:
    """The kernel side (:func:`kernel_side`: messages serialised, not sent) of this checkout and of git
    ``reference`` (exported, run in a child process on its own code), one after the other."""
    script = ("import json, sys, tempfile; from pathlib import Path; sys.path.insert(0, 'bench'); "
              "import bench_widgets as b; d = Path(tempfile.mkdtemp()); "
              f"r = b.kernel_side(b.long_chain_pdb({length}, d), 'H', {rounds}); "
              "print(json.dumps({k: v['median_ms'] for k, v in r['rows'].items()}))")
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        ref_root, about = export_revision(reference, Path(tmp))
        for name, root in (("reference", ref_root), ("this", REPO_ROOT)):
            out = subprocess.run([sys.executable, "-c", script], cwd=root, env=dict(os.environ, PYTHONPATH=str(root)),
                                 capture_output=True, text=True, timeout=900, check=True).stdout
            rows[name] = json.loads(out.strip().splitlines()[-1])
    lines = ["## Kernel side against the reference (messages serialised, not sent)", "",
             f"`kernel_side` (the table above) of git {about} and of this checkout, L = {length}, "
             f"median of {rounds} changes each, one after the other in one run.", "",
             "| change | reference ms | this ms | this / reference |", "|---|---:|---:|---:|"]
    for change, ref_ms in rows["reference"].items():
        ms = rows["this"].get(change)
        if ms is not None:
            lines.append(f"| {change} | {ref_ms:.1f} | {ms:.1f} | {ms / ref_ms:.2f} |")
    return lines + [""]


def first_paint_side(path: Path, chain: str) -> dict:
    """``tests/browser/test_first_paint.py`` on ``path``'s ``chain``: its timings (ms)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "first_paint.json"
        env = dict(os.environ, PROTATTN_BENCH_STRUCTURE=str(path), PROTATTN_BENCH_CHAIN=chain,
                   PROTATTN_BENCH_OUT=str(out), PYTHONPATH=str(REPO_ROOT))
        proc = subprocess.run([sys.executable, "-m", "pytest", "tests/browser/test_first_paint.py", "-q",
                               "-p", "no:cacheprovider"], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                              timeout=1200)
        if not out.exists():
            raise RuntimeError(f"first-paint benchmark failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
        return json.loads(out.read_text())


def first_paint_lines(paint: dict) -> list[str]:
    ratio = lambda a, b: f"{paint[a] / paint[b]:.1f}x"  # noqa: E731
    return ["## First paint (JupyterLab 4 + Chromium, headless, software rendering)", "",
            f"Run cell -> every view drawn and NGL's frame with the structure and the head on screen, "
            f"L = {paint['n']}; reference: one `AttentionHeatmap` of the same chain, same page, same run. "
            f"First display on the page, then the median of {paint['displays'] - 1} more (the cell run again).", "",
            "| display | explorer ms | heatmap alone ms | explorer / heatmap |", "|---|---:|---:|---:|",
            f"| first on the page (loads the bundled NGL) | {paint['first_explorer_ms']:.0f} | "
            f"{paint['first_heatmap_ms']:.0f} | {ratio('first_explorer_ms', 'first_heatmap_ms')} |",
            f"| shown again | {paint['again_explorer_ms']:.0f} | {paint['again_heatmap_ms']:.0f} | "
            f"{ratio('again_explorer_ms', 'again_heatmap_ms')} |", ""]


def machine() -> str:
    import numpy
    import ipywidgets
    import anywidget

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores (load {os.getloadavg()[0]:.2f}); Python {platform.python_version()}, "
            f"numpy {numpy.__version__}, ipywidgets {ipywidgets.__version__}, anywidget {anywidget.__version__}; "
            f"{datetime.date.today()}")


def build_and_pages(args) -> None:
    """The build-vs-extraction and page-vs-bertviz sections, updated in ``args.output``."""
    with tempfile.TemporaryDirectory() as tmp:
        builds = []
        for spec in filter(None, args.build.split(",")):
            shape, length = spec.split("@")
            n_layers, n_heads = (int(x) for x in shape.split("x"))
            builds.append(build_vs_extraction(n_layers, n_heads, int(length), Path(tmp)))
            print("\n".join(build_lines(builds[-1:])), flush=True)
    pages = page_vs_bertviz(BERTVIZ_CASES, args.bertviz_timeout)
    print("\n".join(bertviz_lines(pages)), flush=True)
    if builds:
        replace_section(args.output, build_lines(builds))
    replace_section(args.output, bertviz_lines(pages))


#: (model, structure, chain) for the bertviz comparison: 1VFB's VH (L = 116) and 1HZH's heavy chain (457).
BERTVIZ_CASES = [("AntiBERTy", str(REPO_ROOT / "protattn_widgets/data/structures/1vfb_complex.pdb"), "B"), ("AntiBERTy", str(REPO_ROOT / "protattn_widgets/data/antibodies/1hzh.pdb.gz"), "H")]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--length", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--baseline-rounds", type=int, default=3)
    parser.add_argument("--browser", action="store_true", help="also time the redraw in JupyterLab + Chromium")
    parser.add_argument("--quick", action="store_true", help="5 rounds, 1 baseline round")
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "results_widgets.md")
    parser.add_argument("--scale", default="33x20@1022,36x40@1022",
                        help="real-size shapes, LAYERSxHEADS@L, comma-separated ('' for none)")
    parser.add_argument("--scale-only", action="store_true", help="only the real-size section")
    parser.add_argument("--build", default="33x20@1022",
                        help="explorer build vs extraction on shaped ESM checkpoints, LAYERSxHEADS@L ('' for none)")
    parser.add_argument("--pages-only", action="store_true",
                        help="only the build-vs-extraction and page-vs-bertviz sections (updated in --output)")
    parser.add_argument("--bertviz-timeout", type=float, default=150.0)
    parser.add_argument("--first-paint-only", action="store_true",
                        help="only the first-paint section (updated in --output), on the --length chain")
    parser.add_argument("--page-size-only", action="store_true",
                        help="only the page-size section: to_html of every head at 33 x 20 from a random "
                             "ESM-2-shaped model on 1HZH H+K+L (1,000) and H+L+K+M (1,022)")
    parser.add_argument("--page-hidden", default="320,1280",
                        help="with --page-size-only: hidden sizes of the random model, comma-separated (ESM-2 650M "
                             "has 1280; random attention is flatter at small sizes)")
    parser.add_argument("--kernel-ab", default=None, metavar="REV",
                        help="only the kernel side of this checkout against git revision REV (updated in --output)")
    parser.add_argument("--browser-only", action="store_true",
                        help="only the browser redraw section (updated in --output), on the --length chain")
    parser.add_argument("--reference", default=None,
                        help="with --browser-only: a git revision timed alternately with this checkout")
    parser.add_argument("--pairs", type=int, default=2, help="with --browser-only or --below-floor-ab: runs of each tree")
    parser.add_argument("--below-floor-ab", default=None, metavar="REV",
                        help="only the below-the-floor threshold section at --below-floor-shape: this checkout "
                             "against git revision REV, --pairs alternating runs (updated in --output)")
    parser.add_argument("--below-floor-shape", default="33x20@1022", help="LAYERSxHEADS@L for --below-floor-ab")
    args = parser.parse_args(argv)
    if args.below_floor_ab:
        lines = below_floor_ab(args.below_floor_ab, args.pairs, args.below_floor_shape)
        lines += [f"(This section: `--below-floor-ab {args.below_floor_ab} --pairs {args.pairs}`, {machine()}.)", ""]
        print("\n".join(lines))
        replace_section(args.output, lines)
        return
    if args.page_size_only:
        rows = []
        for hidden in (int(h) for h in args.page_hidden.split(",")):
            # the chain at every hidden size; the 1,022-residue one at the first only
            cases = PAGE_CASES if not rows else PAGE_CASES[:1]
            rows += page_size(33, 20, cases, hidden=hidden)
        lines = page_size_lines(rows) + [f"(This section: `--page-size-only --page-hidden {args.page_hidden}`, "
                                         f"{machine()}.)", ""]
        print("\n".join(lines))
        replace_section(args.output, lines)
        return
    if args.kernel_ab:
        lines = kernel_ab(args.length, args.kernel_ab, args.rounds) + [f"(This section: `--kernel-ab {args.kernel_ab}`, "
                                                                      f"{machine()}.)", ""]
        print("\n".join(lines))
        replace_section(args.output, lines)
        return
    if args.browser_only:
        with tempfile.TemporaryDirectory() as tmp:
            ab = browser_ab(long_chain_pdb(args.length, Path(tmp)), "H", args.reference, args.pairs)
        lines = browser_lines(ab) + [f"(This section: `--browser-only`, {machine()}.)", ""]
        print("\n".join(lines))
        replace_section(args.output, lines)
        return
    if args.pages_only:
        return build_and_pages(args)
    if args.first_paint_only:
        with tempfile.TemporaryDirectory() as tmp:
            paint = first_paint_side(long_chain_pdb(args.length, Path(tmp)), "H")
        lines = first_paint_lines(paint) + [f"(This section: `--first-paint-only`, {machine()}.)", ""]
        print("\n".join(lines))
        replace_section(args.output, lines)
        return
    if args.quick:
        args.rounds, args.baseline_rounds = 5, 1

    scale = []
    with tempfile.TemporaryDirectory() as tmp:
        for spec in filter(None, args.scale.split(",")):
            shape, length = spec.split("@")
            n_layers, n_heads = (int(x) for x in shape.split("x"))
            scale_path = long_chain_pdb(int(length), Path(tmp))
            scale.append(scale_side(scale_path, n_layers, n_heads, min(args.rounds, 10),
                                    pages=(n_layers, n_heads) == (33, 20)))
            print("\n".join(scale_lines(scale[-1:])), flush=True)
        if args.scale_only:  # just this section of --output, as --pages-only does for its two
            replace_section(args.output, scale_lines(scale) + ["", f"(This section: `--scale-only`, {machine()}.)", ""])
            print(f"updated {args.output}")
            return
        path = long_chain_pdb(args.length, Path(tmp))
        kernel = kernel_side(path, "H", args.rounds)
        baseline = provis_baseline(path, "H", args.baseline_rounds)
        browser = browser_side(path, "H") if args.browser else None
        paint = first_paint_side(path, "H") if args.browser else None

    lines = [f"# Explorer update cost, L = {kernel['L']}, AntiBERTy (8 x 8 heads)", "",
             f"Machine: {machine()}.", f"Explorer built in {kernel['build_s']:.1f} s (model load + first forward + views).",
             "", "## Kernel side (Python), per change, all five views", "",
             "| change | median ms | max ms | messages | bytes sent | vs provis-style |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, row in kernel["rows"].items():
        ratio = baseline["median_ms"] / row["median_ms"]
        lines.append(f"| {name} | {row['median_ms']:.1f} | {row['max_ms']:.1f} | {row['messages']:.0f} | "
                     f"{row['bytes']:,.0f} | {ratio:,.0f}x faster |")
    lines += ["", f"provis-style baseline (reload model + recompute attention + edges, per view update): "
              f"median {baseline['median_ms']:.0f} ms over {baseline['rounds']} round(s).", ""]
    if browser:
        lines += browser_lines({"runs": {"this": [browser], "reference": []}, "reference": None})
    if paint:
        lines += first_paint_lines(paint)
    text = "\n".join(lines + scale_lines(scale) if scale else lines)
    print(text)
    args.output.write_text(text + "\n")
    build_and_pages(args)


if __name__ == "__main__":
    main()
