"""Head diagnostics at real model sizes: the APC map and the head grid's statistics.

Random float16 attention of ESM-2 650M (33 x 20) and 3B (36 x 40) shape at L = 1,022 (the
stored dtype of such tensors, :mod:`protattn_widgets.cache`), one process, same run:

* ``pass``: ``Attention.received_all()``, one pass over the stored tensor (the reference);
* ``entropy before``: the grid's entropy colouring as computed until issue 22 (:func:`entropy_before`: a float16
  layer converted to float32, ``a log2 a`` per weight, float64 sums);
* ``entropy``: :func:`~protattn_widgets.head_statistics.attention_entropy` now (float16 heads by two table
  look-ups per weight, float32 sums), first call (a second call returns the kept result); its ratio to
  ``pass`` and ``before / now`` (same run, same attention);
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


def entropy_before(attention: Attention) -> np.ndarray:
    """The entropy colouring before issue 22's change (commit fab10ca), kept here as the reference."""
    from protattn_widgets.attention import as_float32

    tiny = np.finfo(np.float32).smallest_subnormal
    n_layers, n_heads, length = attention.n_layers, attention.n_heads, len(attention)
    out = np.full((n_layers, n_heads), np.nan)
    buffer = np.empty((n_heads, length, length), dtype=np.float32)
    logs = np.empty_like(buffer)
    for layer in range(n_layers):
        a = as_float32(attention.values[layer], out=buffer)
        np.maximum(a, tiny, out=logs)
        np.log2(logs, out=logs)
        np.multiply(logs, a, out=logs)
        s = a.sum(axis=-1, dtype=np.float64)
        xlogx = logs.sum(axis=-1, dtype=np.float64)
        rows = s > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            h = np.where(rows, np.log2(np.where(rows, s, 1.0)) - xlogx / np.where(rows, s, 1.0), 0.0)
            n_rows = rows.sum(axis=-1)
            out[layer] = np.where(n_rows > 0, h.sum(axis=-1) / np.maximum(n_rows, 1), np.nan)
    return np.maximum(out, 0.0, where=np.isfinite(out), out=out)


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
    row["entropy before"] = best(lambda: entropy_before(attention), 2)

    def entropy_now():
        object.__setattr__(attention, "_entropy", None)  # the first call, not the kept result
        return hs.attention_entropy(attention)

    row["entropy"] = best(entropy_now, 2)
    row["entropy max diff"] = float(np.nanmax(np.abs(entropy_now() - entropy_before(attention))))
    row["separation"] = best(lambda: hs.mean_separation(attention, 0.3), 3)
    row["to residue"] = best(lambda: hs.attention_to_residue(attention, length // 2), 5)
    row["apc head"] = best(lambda: hs.apc_head(attention, n_layers // 2, n_heads // 2), 5)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default="33x20@1022,36x40@1022")
    args = parser.parse_args()
    lines = [f"\n## {time.strftime('%Y-%m-%d %H:%M')} on {platform.node()} ({platform.processor() or platform.machine()})\n",
             "| shape | stored | pass (s) | entropy before (s) | entropy (s) | before / now | entropy / pass "
             "| max diff (bits) | separation @0.3 (ms) | to residue (ms) | apc head (ms) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for spec in args.shapes.split(","):
        heads, length = spec.split("@")
        n_layers, n_heads = (int(v) for v in heads.split("x"))
        r = measure(n_layers, n_heads, int(length))
        lines.append(f"| {r['shape']} | {r['stored']} | {r['pass']:.2f} | {r['entropy before']:.2f} | "
                     f"{r['entropy']:.2f} | {r['entropy before'] / r['entropy']:.1f} | {r['entropy'] / r['pass']:.2f} | "
                     f"{r['entropy max diff']:.1e} | {1e3 * r['separation']:.0f} | {1e3 * r['to residue']:.2f} | "
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
