"""Head diagnostics at real model sizes: the APC map and the head grid's statistics.

Random float16 attention of ESM-2 650M (33 x 20) and 3B (36 x 40) shape at L = 1,022 (the
stored dtype of such tensors, :mod:`protattn_widgets.cache`), one process, same run:

* ``pass``: ``Attention.received_all()``, one pass over the stored tensor (the reference);
* ``entropy``: :func:`~protattn_widgets.head_statistics.attention_entropy` (all heads), and its ratio to ``pass``;
* ``separation``: ``mean_separation`` from the strong pairs at 0.3 (all heads);
* ``to residue``: ``attention_to_residue`` for a new selection (column sums already cached);
* ``apc head``: ``apc_head`` of one head (what the heatmap's APC mode computes per head change).

``python bench/bench_head_statistics.py [--shapes 33x20@1022,36x40@1022]`` appends its table to
``bench/results_head_statistics.md``.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from protattn_widgets.attention import Attention  # noqa: E402
from protattn_widgets import head_statistics as hs  # noqa: E402
from protattn_widgets.strong_pairs import StrongPairs  # noqa: E402


def random_attention(n_layers: int, n_heads: int, length: int, seed: int = 0) -> Attention:
    """Softmax-like rows (a few strong pairs per row), float16, built a head at a time."""
    rng = np.random.default_rng(seed)
    values = np.empty((n_layers, n_heads, length, length), dtype=np.float16)
    keys, pairs = [], []
    for layer in range(n_layers):
        for head in range(n_heads):
            logits = rng.standard_normal((length, length), dtype=np.float32) * np.float32(3.0)
            np.exp(logits, out=logits)
            logits /= logits.sum(axis=1, keepdims=True)
            values[layer, head] = logits
            kept = np.flatnonzero(logits >= 0.05)  # the capture's floor (not timed)
            keys.append(np.sort(logits.ravel()[kept]).astype(np.float64) + layer * n_heads + head)
            pairs.append(kept[np.argsort(logits.ravel()[kept], kind="stable")])
    strong = StrongPairs(0.05, np.concatenate(keys), np.concatenate(pairs))
    ids = tuple(str(i + 1) for i in range(length))
    return Attention(values, "A" * length, ids, "random", strong_pairs=strong)


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(n_layers: int, n_heads: int, length: int) -> dict:
    attention = random_attention(n_layers, n_heads, length)

    def one_pass():
        object.__setattr__(attention, "_received", None)
        attention.received_all()

    row = {"shape": f"{n_layers}x{n_heads}@{length}", "stored": f"{attention.values.nbytes / 2**30:.2f} GiB f16"}
    row["pass"] = best(one_pass, 2)
    row["entropy"] = best(lambda: hs.attention_entropy(attention), 2)
    row["separation"] = best(lambda: hs.mean_separation(attention, 0.3), 3)
    row["to residue"] = best(lambda: hs.attention_to_residue(attention, length // 2), 5)
    row["apc head"] = best(lambda: hs.apc_head(attention, n_layers // 2, n_heads // 2), 5)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default="33x20@1022,36x40@1022")
    args = parser.parse_args()
    lines = [f"\n## {time.strftime('%Y-%m-%d %H:%M')} on {platform.node()} ({platform.processor() or platform.machine()})\n",
             "| shape | stored | pass (s) | entropy (s) | entropy / pass | separation @0.3 (ms) | to residue (ms) "
             "| apc head (ms) |", "|---|---|---|---|---|---|---|---|"]
    for spec in args.shapes.split(","):
        heads, length = spec.split("@")
        n_layers, n_heads = (int(v) for v in heads.split("x"))
        r = measure(n_layers, n_heads, int(length))
        lines.append(f"| {r['shape']} | {r['stored']} | {r['pass']:.2f} | {r['entropy']:.2f} | "
                     f"{r['entropy'] / r['pass']:.2f} | {1e3 * r['separation']:.0f} | {1e3 * r['to residue']:.2f} | "
                     f"{1e3 * r['apc head']:.1f} |")
        print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(__file__).with_name("results_head_statistics.md")
    if not out.exists():
        out.write_text("# Head diagnostics at real sizes (bench_head_statistics.py)\n", encoding="utf-8")
    with out.open("a", encoding="utf-8") as handle:
        handle.write(text)


if __name__ == "__main__":
    main()
