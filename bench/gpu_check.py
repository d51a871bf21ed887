"""The GPU check: half precision, per-layer host transfer and batched analysis on a CUDA device.

Not run in CI (CPU only).  On a machine with CUDA, from the repository root::

    python bench/gpu_check.py            # ~1-3 min on one GPU
    python bench/gpu_check.py --smoke    # the same steps, tiny, on the CPU (checks the script itself)

It saves a randomly initialised ESM checkpoint of ESM-2 650M's shape (33
layers x 20 heads, hidden size 320, up to 1,022 residues; ``tests/tiny_models.save_shaped``)
and, for float32 and float16 (and bfloat16 where supported) on ``cuda``:

1. attention vs the CPU float32 model, max |difference| per dtype, within a
   tolerance per dtype;
2. extraction (``model.attention``) vs a plain forward pass, median time;
3. ``analyze`` proteins/s unbatched (``batch_size=1``) vs batched (automatic),
   and whether the counts agree;
4. ``torch.cuda.max_memory_allocated`` during an extraction and a batched
   analysis, next to the model's parameters plus one layer's attention.

It exits 0 when every check passes, 1 when one fails, 2 without CUDA.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # this working tree, not an installed copy
sys.path.insert(1, str(REPO_ROOT / "tests"))  # tiny_models.save_shaped

AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
#: Largest |attention - CPU float32 attention| accepted, per dtype.
TOLERANCE = {"float32": 1e-4, "float16": 1e-2, "bfloat16": 3e-2}
#: Peak device memory beyond the parameters may be at most this many layers' attention of the batch
#: (scores, float32 softmax, the cast back, the model's activations); every layer held would be n_layers.
LAYERS_OF_HEADROOM = 8


def sequences(lengths, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list(AMINO_ACIDS), size=int(n))) for n in lengths]


def records(n: int, low: int, high: int, seed: int = 1):
    from protattn_widgets.analysis import ProteinRecord

    rng = np.random.default_rng(seed)
    out = []
    for i, seq in enumerate(sequences(rng.integers(low, high + 1, size=n), seed)):
        out.append(ProteinRecord(f"r{i}", seq, tuple(str(k + 1) for k in range(len(seq))),
                                 labels={"binding_site": rng.random(len(seq)) < 0.1}))
    return out


def synchronize(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def median_seconds(run, device: str, repeats: int) -> float:
    run()  # warm-up
    times = []
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        run()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def max_difference(model, reference, seq: str) -> float:
    mine = dict(model.iter_layer_attention(seq, use_cache=False))
    return max(float(np.abs(values - mine[layer]).max()) for layer, values in reference[seq].items())


def plain_forward(model, seq: str):
    import torch

    inputs, _ = model.encode(seq)

    def run():
        with torch.inference_mode():
            model.module(**inputs)
    return run


def parameter_bytes(model) -> int:
    return sum(p.numel() * p.element_size() for p in model.module.parameters())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny model on the CPU: checks the script, not a GPU")
    parser.add_argument("--proteins", type=int, default=None, help="proteins per analyze run")
    args = parser.parse_args(argv)

    import torch

    import protattn_widgets as paw
    from protattn_widgets import analysis
    from protattn_widgets.cache import AttentionCache
    from protattn_widgets.models import clear_model_cache
    from tiny_models import save_shaped

    if args.smoke:
        device, shape, max_residues, lengths, analysis_range = "cpu", (4, 4, 32), 200, (20, 90, 200), (10, 200)
        dtypes, n_proteins, repeats = ["float32", "bfloat16"], args.proteins or 12, 2
    else:
        if not torch.cuda.is_available():
            print("gpu_check: no CUDA device here (torch.cuda.is_available() is False); run it on a machine "
                  "with a GPU, or pass --smoke to check the script on the CPU", file=sys.stderr)
            return 2
        device, shape, max_residues, lengths, analysis_range = "cuda", (33, 20, 320), 1022, (50, 300, 1022), (50, 800)
        dtypes, n_proteins, repeats = ["float32", "float16"], args.proteins or 48, 5
        if torch.cuda.is_bf16_supported():
            dtypes.append("bfloat16")
        print(f"device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}, CUDA {torch.version.cuda}")
    n_layers, n_heads, hidden = shape
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = save_shaped(Path(tmp) / "esm", "esm", n_layers, n_heads, hidden_size=hidden,
                                 max_residues=max_residues)
        cpu = paw.load_model(checkpoint, device="cpu", dtype="float32", cache=AttentionCache())
        seqs = sequences(lengths)
        reference = {s: dict(cpu.iter_layer_attention(s, use_cache=False)) for s in seqs}
        data = records(n_proteins, *analysis_range)
        print(f"model: ESM {n_layers} layers x {n_heads} heads, hidden {hidden}; lengths {list(lengths)}; "
              f"analyze on {n_proteins} proteins of {analysis_range[0]}-{analysis_range[1]} residues\n")
        print("| dtype | max abs diff vs CPU fp32 | tolerance | forward ms | extraction ms | extraction/forward "
              "| analyze prot/s (bs=1) | analyze prot/s (bs) | counts equal | peak MiB extraction "
              "| params + 1 layer MiB | peak MiB batched analyze | params + 1 batch layer MiB |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for dtype in dtypes:
            model = paw.load_model(checkpoint, device=device, dtype=dtype, cache=AttentionCache())
            diff = max(max_difference(model, reference, s) for s in seqs)
            if not diff <= TOLERANCE[dtype]:
                failures.append(f"{dtype}: attention differs from CPU float32 by {diff:.3g} > {TOLERANCE[dtype]}")
            longest = seqs[-1]
            forward = median_seconds(plain_forward(model, longest), device, repeats)
            extraction = median_seconds(lambda: model.attention(longest, use_cache=False), device, repeats)

            tokens = len(longest) + model.n_special_tokens
            one_layer = 4 * n_heads * tokens ** 2
            params = parameter_bytes(model)
            peak_extraction = peak_batched = float("nan")
            if device == "cuda":
                torch.cuda.empty_cache()
                torch.cuda.reset_peak_memory_stats()
                model.attention(longest, use_cache=False)
                peak_extraction = torch.cuda.max_memory_allocated()
                if peak_extraction - params > LAYERS_OF_HEADROOM * one_layer:
                    failures.append(f"{dtype}: extraction peak {peak_extraction / 2**20:.0f} MiB is more than "
                                    f"{LAYERS_OF_HEADROOM} layers' attention above the parameters")

            props = ["binding_site"]
            start = time.perf_counter()
            unbatched = analysis.analyze(model, data, props, min_total=1, progress=False, use_cache=False,
                                         batch_size=1)
            rate_unbatched = n_proteins / (time.perf_counter() - start)
            size = None if device == "cuda" else 4
            from protattn_widgets.analysis.batching import resolve_batch_size

            chosen = resolve_batch_size(size, model, analysis_range[1])
            if device == "cuda":
                torch.cuda.empty_cache()
                torch.cuda.reset_peak_memory_stats()
            start = time.perf_counter()
            batched = analysis.analyze(model, data, props, min_total=1, progress=False, use_cache=False,
                                       batch_size=size)
            rate_batched = n_proteins / (time.perf_counter() - start)
            batch_layer = 4 * chosen * n_heads * (analysis_range[1] + model.n_special_tokens) ** 2
            if device == "cuda":
                peak_batched = torch.cuda.max_memory_allocated()
                if peak_batched - params > LAYERS_OF_HEADROOM * batch_layer:
                    failures.append(f"{dtype}: batched analyze peak {peak_batched / 2**20:.0f} MiB is more than "
                                    f"{LAYERS_OF_HEADROOM} batch layers above the parameters")
            a, b = unbatched["binding_site"], batched["binding_site"]
            differing = int((a.hits != b.hits).sum() + (a.total != b.total).sum())
            equal = "yes" if differing == 0 else f"no ({differing} head counts differ, max " \
                    f"{int(max(np.abs(a.hits - b.hits).max(), np.abs(a.total - b.total).max()))})"
            mib = 2 ** 20
            print(f"| {dtype} | {diff:.3g} | {TOLERANCE[dtype]:g} | {forward * 1e3:.1f} | {extraction * 1e3:.1f} "
                  f"| {extraction / forward:.2f} | {rate_unbatched:.1f} | {rate_batched:.1f} (bs={chosen}) "
                  f"| {equal} | {peak_extraction / mib:.0f} | {(params + one_layer) / mib:.0f} "
                  f"| {peak_batched / mib:.0f} | {(params + batch_layer) / mib:.0f} |")
            del model
            clear_model_cache()
    print()
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("all checks passed" + (" (smoke run on the CPU: no GPU was checked)" if args.smoke else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
