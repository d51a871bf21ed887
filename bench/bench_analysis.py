"""What the dataset analysis costs: one-pass counting vs provis' per-pair loop, and vs the model.

Three measurements, on the machine it runs on:

1. **Aggregation on identical attention** (random, AntiBERTy-shaped
   ``8 x 8 x L x L``): the package's one-pass counting
   (:func:`protattn_widgets.analysis.counting.count_protein`) against a
   faithful re-implementation of provis' loop style (``analyze_heads`` in
   ``protein_attention/attention_analysis/compute_edge_features.py``): for
   every (to, from) residue pair, every feature object's ``get_values`` is
   called and each returned feature adds that pair's per-head vector.  The
   loop counts edges ``>= theta`` (the paper's statistic) instead of summing
   weights; the work per pair is the same.  Contacts, and the 20 amino-acid
   features.
2. **The one-pass limit**: ``(values >= theta).sum()``, one read of the
   tensor, against counting contacts + 20 amino acids + binding sites.
3. **End to end on AntiBERTy** over the bundled antibody variable domains:
   the model's forward + extraction (``model.attention(seq, use_cache=False)``)
   against labelling + counting, and proteins per second of ``analyze``.
4. **The cost of the per-protein and per-offset bookkeeping** (each protein's
   counts per head, ``result[f].per_protein``; strong edges by sequence offset,
   the positional flag): ``analyze`` over the same domains with it and with it
   switched off in this process (the two bookkeeping calls replaced by no-ops),
   runs alternating, the ratio of medians.

Run ``python bench/bench_analysis.py`` (a few minutes on 2 cores) or
``--quick`` (smoke run, seconds).  Writes ``bench/results_analysis.md``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from protattn_widgets import analysis  # noqa: E402
from protattn_widgets.analysis.counting import count_protein  # noqa: E402
from protattn_widgets.analysis.properties import AMINO_ACIDS, PROPERTIES  # noqa: E402


# --------------------------------------------------------------------------- provis' loop style (re-implemented)
# A small, clearly labelled re-implementation of the loop in provis'
# compute_edge_features.analyze_heads with its feature classes (features.py):
# one Python call per feature per residue pair.  Not provis' code.


class ProvisStyleAminoAcidFeature:
    def get_values(self, item, from_index, to_index):
        return {f"aa_to_{item['primary'][to_index]}": 1}


class ProvisStyleContactMapFeature:
    def get_values(self, item, from_index, to_index):
        contact_map = item["contact_map"]
        return {"contact_map": 1} if contact_map[from_index, to_index] == 1 else {}


def provis_style_loop(values: np.ndarray, item: dict, features: list, threshold: float):
    n_layers, n_heads, length, _ = values.shape
    feature_to_sum: dict[str, np.ndarray] = {}
    total = np.zeros((n_layers, n_heads), dtype=np.int64)
    for to_index in range(length):
        for from_index in range(length):
            strong = values[:, :, from_index, to_index] >= threshold
            total += strong
            for feature in features:
                for name, value in feature.get_values(item, from_index, to_index).items():
                    if name not in feature_to_sum:
                        feature_to_sum[name] = np.zeros((n_layers, n_heads), dtype=np.int64)
                    feature_to_sum[name] += strong * value
    return feature_to_sum, total


# --------------------------------------------------------------------------- helpers


def timed(fn, repeats: int) -> float:
    """Median seconds of ``repeats`` calls (after one warm-up)."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def synthetic(length: int, seed: int = 0):
    rng = np.random.default_rng(seed + length)
    values = rng.random((8, 8, length, length), dtype=np.float32)
    values = values ** 6 / (values ** 6).sum(axis=-1, keepdims=True) * 4  # peaky rows, like attention
    sequence = "".join(rng.choice(list(AMINO_ACIDS), size=length))
    idx = np.arange(length)
    coords = np.cumsum(rng.normal(size=(length, 3)) * 2.2, axis=0)
    distance = np.sqrt(((coords[:, None] - coords[None]) ** 2).sum(-1))
    contacts = (distance < 8) & (np.abs(idx[:, None] - idx[None]) >= 6)
    sites = rng.random(length) < 0.05
    record = analysis.ProteinRecord("synthetic", sequence, tuple(str(i + 1) for i in range(length)))
    return values, sequence, contacts, sites, record


# --------------------------------------------------------------------------- benchmarks


def bench_loop_vs_one_pass(lengths, repeats, threshold=0.3):
    rows = []
    for length in lengths:
        values, sequence, contacts, sites, record = synthetic(length)
        item = {"primary": sequence, "contact_map": contacts.astype(int)}
        aa_labels, _ = PROPERTIES["amino_acid"].labels(record)
        mask = np.ones((length, length), bool)
        for name, feature, labelled in [
            ("contact", ProvisStyleContactMapFeature(), [(PROPERTIES["contact"], contacts, mask)]),
            ("20 amino acids", ProvisStyleAminoAcidFeature(), [(PROPERTIES["amino_acid"], aa_labels, None)]),
        ]:
            start = time.perf_counter()
            loop_hits, loop_total = provis_style_loop(values, item, [feature], threshold)
            loop_s = time.perf_counter() - start
            counts = count_protein(values, threshold, labelled)
            check = (counts["contact"].hits if name == "contact" else counts["amino_acid:A"].hits)
            expected = loop_hits.get("contact_map" if name == "contact" else "aa_to_A", np.zeros_like(check))
            assert np.array_equal(check, expected), "one-pass counts differ from the loop"
            fast_s = timed(lambda: count_protein(values, threshold, labelled), repeats)
            rows.append((length, name, loop_s, fast_s, loop_s / fast_s))
    return rows


def bench_one_pass_limit(lengths, repeats, threshold=0.3):
    rows = []
    for length in lengths:
        values, sequence, contacts, sites, record = synthetic(length)
        aa_labels, _ = PROPERTIES["amino_acid"].labels(record)
        has_cb = np.ones(length, bool)
        has_cb[::37] = False  # a few residues without coordinates: the masked path
        everything = [(PROPERTIES["contact"], contacts, has_cb[:, None] & has_cb[None]),
                      (PROPERTIES["amino_acid"], aa_labels, None),
                      (PROPERTIES["binding_site"], sites[:, None], None)]
        read_s = timed(lambda: (values >= threshold).sum(), repeats)
        all_s = timed(lambda: count_protein(values, threshold, everything), repeats)
        rows.append((length, read_s, all_s, all_s / read_s))
    return rows


def bench_end_to_end(repeats):
    import protattn_widgets as paw

    model = paw.load_model("antiberty")
    records = analysis.antibody_dataset()
    props = [PROPERTIES[p] for p in ("contact", "paratope", "amino_acid", "binding_site")]
    forward_s = label_s = count_s = 0.0
    for record in records:
        forward_s += timed(lambda: model.attention(record.sequence, use_cache=False), repeats)
        values = model.attention(record.sequence, use_cache=False).values
        start = time.perf_counter()
        labelled = [(p, *found) for p in props if (found := p.labels(record)) is not None]
        label_s += time.perf_counter() - start
        count_s += timed(lambda: count_protein(values, 0.3, labelled), repeats)
    start = time.perf_counter()
    analysis.analyze(model, records, [p.name for p in props], progress=False, use_cache=False)
    analyze_s = time.perf_counter() - start
    lengths = [len(r) for r in records]
    return {"proteins": len(records), "mean_length": float(np.mean(lengths)), "forward_s": forward_s,
            "label_s": label_s, "count_s": count_s, "analyze_s": analyze_s, "device": model.device}


def bench_bookkeeping(repeats):
    """``analyze`` with and without the per-protein / offset bookkeeping, alternating.

    Times are this process's CPU seconds (``time.process_time``, all its threads) as well as wall
    seconds: on a shared machine other processes' load stretches wall time by a factor that drifts
    from run to run, CPU time far less.  During the runs with bookkeeping, the CPU time spent inside
    its two calls is also summed (``time.thread_time``): an upper bound on what it can cost.
    """
    import protattn_widgets as paw
    from protattn_widgets.analysis.accumulator import PropertyAccumulator
    from protattn_widgets.analysis.offsets import OffsetCounts

    model = paw.load_model("antiberty")
    records = analysis.antibody_dataset(list(analysis.antibodies.ORIGINAL_STRUCTURES))
    props = ["contact", "paratope", "amino_acid", "binding_site"]
    real = PropertyAccumulator.add_protein, OffsetCounts.add_strong
    inside = [0.0]

    def timed_call(fn):
        def call(*args, **kwargs):
            start = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                inside[0] += time.thread_time() - start
        return call

    def run(bookkeeping: bool) -> tuple[float, float, float]:
        inside[0] = 0.0
        if bookkeeping:
            PropertyAccumulator.add_protein, OffsetCounts.add_strong = (timed_call(f) for f in real)
        else:  # the two calls the new bookkeeping adds, as no-ops
            PropertyAccumulator.add_protein = lambda self, *args, **kwargs: None
            OffsetCounts.add_strong = lambda self, layer, strong: None
        try:
            wall, cpu = time.perf_counter(), time.process_time()
            result = analysis.analyze(model, records, props, progress=False, use_cache=False)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        finally:
            PropertyAccumulator.add_protein, OffsetCounts.add_strong = real
        assert (len(result["contact"].protein_counts) == len(records)) == bookkeeping
        return wall, cpu, inside[0]

    run(True)  # warm-up: first-call costs (imports, label caches) in neither figure
    on, off = [], []
    for _ in range(repeats):
        off.append(run(False))
        on.append(run(True))
    median = statistics.median
    return {"proteins": len(records), "repeats": repeats,
            "on_wall": median(r[0] for r in on), "off_wall": median(r[0] for r in off),
            "on_cpu": median(r[1] for r in on), "off_cpu": median(r[1] for r in off),
            "inside_cpu": median(r[2] for r in on),
            "cpu_ratios": [a[1] / b[1] for a, b in zip(on, off)], "wall_ratios": [a[0] / b[0] for a, b in zip(on, off)]}


# --------------------------------------------------------------------------- report


def machine() -> str:
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__} ({torch.get_num_threads()} threads), "
            f"numpy {np.__version__}, Python {platform.python_version()}, "
            f"{datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: short sequences, few repeats")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results_analysis.md"))
    parser.add_argument("--section", type=int, action="append", choices=(1, 2, 3, 4),
                        help="run only this section (repeatable; default all)")
    args = parser.parse_args(argv)
    sections = set(args.section or (1, 2, 3, 4))
    loop_lengths = [40] if args.quick else [120, 250]
    limit_lengths = [120] if args.quick else [120, 250, 510]
    repeats = 2 if args.quick else 7

    lines = ["# Analysis benchmark", "", f"Machine: {machine()}", "",
             f"Command: `python bench/bench_analysis.py{' --quick' if args.quick else ''}"
             f"{''.join(f' --section {n}' for n in sorted(args.section or ()))}`", ""]
    if 1 in sections:
        print("1. provis-style loop vs one pass (identical attention, 8 x 8 heads) ...", flush=True)
        lines += ["## 1. Aggregation on identical attention: provis' loop style vs one pass", "",
                  "Random AntiBERTy-shaped attention (8 layers x 8 heads), threshold 0.3; counts checked equal.", "",
                  "| L | features | provis-style loop | one pass | speed-up |", "|---|---|---|---|---|"]
        for length, name, loop_s, fast_s, ratio in bench_loop_vs_one_pass(loop_lengths, repeats):
            lines.append(f"| {length} | {name} | {loop_s * 1e3:,.0f} ms | {fast_s * 1e3:.2f} ms | {ratio:,.0f}x |")
    if 2 in sections:
        print("2. one-pass limit ...", flush=True)
        lines += ["", "## 2. The one-pass limit", "",
                  "All of contact (with a coordinate mask) + 20 amino acids + binding site in one call, "
                  "against one read of the tensor, `(values >= 0.3).sum()`.", "",
                  "| L | `(values >= θ).sum()` | all properties | ratio |", "|---|---|---|---|"]
        for length, read_s, all_s, ratio in bench_one_pass_limit(limit_lengths, repeats):
            lines.append(f"| {length} | {read_s * 1e3:.2f} ms | {all_s * 1e3:.2f} ms | {ratio:.2f}x |")
    if 3 in sections:
        print("3. end to end on AntiBERTy ...", flush=True)
        e2e = bench_end_to_end(1 if args.quick else 3)
        aggregation = e2e["label_s"] + e2e["count_s"]
        lines += ["", "## 3. End to end on AntiBERTy (bundled antibody variable domains)", "",
                  f"{e2e['proteins']} chains, mean length {e2e['mean_length']:.0f} residues, device {e2e['device']}; "
                  "properties contact, paratope, 20 amino acids, binding site.", "",
                  "| what | time | share of forward |", "|---|---|---|",
                  f"| forward + extraction (`model.attention`, no cache) | {e2e['forward_s'] * 1e3:,.0f} ms | 100% |",
                  f"| labelling (contact maps, one-hot, labels) | {e2e['label_s'] * 1e3:.1f} ms | "
                  f"{e2e['label_s'] / e2e['forward_s']:.1%} |",
                  f"| counting (one pass) | {e2e['count_s'] * 1e3:.1f} ms | {e2e['count_s'] / e2e['forward_s']:.1%} |",
                  f"| aggregation (labelling + counting) | {aggregation * 1e3:.1f} ms | "
                  f"{aggregation / e2e['forward_s']:.1%} |", "",
                  f"`analyze` without the cache: {e2e['analyze_s']:.2f} s, "
                  f"**{e2e['proteins'] / e2e['analyze_s']:.1f} proteins/s**.", ""]
    if 4 in sections:
        print("4. per-protein / offset bookkeeping on and off ...", flush=True)
        book = bench_bookkeeping(1 if args.quick else 5)
        lines += ["## 4. Per-protein and offset bookkeeping", "",
                  f"`analyze` over the {book['proteins']} variable domains of the 8 structures the earlier benchmark "
                  "used (contact, paratope, 20 amino acids, binding site; no cache), with the bookkeeping and with its "
                  f"two calls replaced by no-ops in the same process; {book['repeats']} runs each, alternating, "
                  "medians. CPU time is the process's (all threads); wall time also counts other processes' load.",
                  "", "| bookkeeping | CPU time | proteins per CPU second | wall time | proteins/s (wall) |",
                  "|---|---|---|---|---|",
                  f"| off | {book['off_cpu']:.2f} s | {book['proteins'] / book['off_cpu']:.1f} | "
                  f"{book['off_wall']:.2f} s | {book['proteins'] / book['off_wall']:.1f} |",
                  f"| on (per-protein counts + offsets) | {book['on_cpu']:.2f} s | "
                  f"{book['proteins'] / book['on_cpu']:.1f} | {book['on_wall']:.2f} s | "
                  f"{book['proteins'] / book['on_wall']:.1f} |", "",
                  f"Ratio on/off, CPU time: **{book['on_cpu'] / book['off_cpu']:.3f}** (pairwise "
                  f"{', '.join(f'{r:.3f}' for r in book['cpu_ratios'])}); wall time: "
                  f"{book['on_wall'] / book['off_wall']:.3f} (pairwise {', '.join(f'{r:.3f}' for r in book['wall_ratios'])}). "
                  f"CPU time inside the two bookkeeping calls: {book['inside_cpu'] * 1e3:.0f} ms a run, "
                  f"{book['inside_cpu'] / book['on_cpu']:.2%} of the run's CPU time.", ""]
    text = "\n".join(lines)
    print(text)
    Path(args.output).write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
