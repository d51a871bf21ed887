"""Rapid explorer changes in a real Jupyter kernel: coalesced (today) vs pushed one by one (before).

Issue 23 ("also seen"): a cell making 200 changes took 32.6 s (about 160 ms per change at
L = 457).  This runs, in ONE ipykernel started with jupyter_client (its comm messages are what a
page would receive; no browser), an :class:`AttentionExplorer` of 1HZH chain H (L = 457) on the
embedded AntiBERTy, displayed, and alternates ``ex.coalesce_changes = False`` (each change pushed
at once, as before) and ``True``:

* **cell**: ``for h in range(200): ex.head = h % n`` -- the cell's time in the kernel, then the
  'update' messages the kernel sent for it and their bytes (until the kernel is quiet);
* **page burst**: 60 head changes sent to the kernel's comm as fast as a page could (what a held
  arrow key or a slider drag sends), the updates the kernel sent back and the seconds until it
  was quiet.

Run ``python bench/bench_rapid_changes.py [--pairs 3]``; results go to stdout and
``bench/results_rapid_changes.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SETUP = """
import time, warnings
from pathlib import Path
import protattn_widgets as paw
from protattn_widgets.widgets.explorer import AttentionExplorer
hzh = paw.load_structure(Path(paw.__file__).parent / 'data' / 'antibodies' / '1hzh.pdb.gz')
with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    ex = AttentionExplorer(hzh, model='antiberty', chain='H', layer=0, head=0)
display(ex)
print(ex.comm.comm_id, len(ex.chain_obj), ex.n_heads)
"""
CELL = ("t = time.perf_counter()\nfor h in range(200):\n    ex.head = h % ex.n_heads\n"
        "print(time.perf_counter() - t)")


def start_kernel(folder: Path):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = folder / "protattn-bench"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "bench", "language": "python",
        "env": {"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}}))
    km = KernelManager(kernel_name="protattn-bench", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(folder)]))
    km.start_kernel()
    client = km.client()
    client.start_channels()
    client.wait_for_ready(timeout=120)
    return km, client


class Kernel:
    def __init__(self, client) -> None:
        self.client, self.comm_id = client, ""

    def drain(self, quiet_s: float, msg_id: str | None = None) -> tuple[str, list[int], float]:
        """Messages until the kernel is idle for ``msg_id`` (if given) and then quiet for ``quiet_s``:
        (printed text, bytes of each explorer 'update', seconds until the last of them)."""
        out, sizes, start, last = [], [], time.perf_counter(), time.perf_counter()
        idle = msg_id is None
        while True:
            try:
                msg = self.client.get_iopub_msg(timeout=quiet_s if idle else 600)
            except Exception:
                break
            content = msg["content"]
            if (msg["header"]["msg_type"] == "comm_msg" and content.get("comm_id") == self.comm_id
                    and content["data"].get("method") == "update"):
                sizes.append(len(json.dumps(content["data"])) + sum(len(b) for b in msg["buffers"]))
                last = time.perf_counter()
            if msg_id is not None and msg["parent_header"].get("msg_id") == msg_id:
                if msg["header"]["msg_type"] == "stream":
                    out.append(content["text"])
                elif msg["header"]["msg_type"] == "error":
                    raise RuntimeError(f"{content['ename']}: {content['evalue']}")
                elif msg["header"]["msg_type"] == "status" and content["execution_state"] == "idle":
                    idle = True
        return "".join(out), sizes, last - start

    def run(self, code: str, quiet_s: float = 1.0):
        return self.drain(quiet_s, self.client.execute(code))

    def page_burst(self, n: int, n_heads: int) -> tuple[list[int], float]:
        start = time.perf_counter()
        for k in range(n):
            self.client.session.send(self.client.shell_channel.socket, "comm_msg", content={
                "comm_id": self.comm_id,
                "data": {"method": "update", "state": {"head": (k + 1) % n_heads}, "buffer_paths": []}})
        _, sizes, _ = self.drain(2.0)
        return sizes, time.perf_counter() - start - 2.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=3, help="alternating before/after pairs")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results_rapid_changes.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        km, client = start_kernel(Path(tmp))
        try:
            kernel = Kernel(client)
            text, _, _ = kernel.run(SETUP, quiet_s=3.0)
            kernel.comm_id, length, n_heads = text.split()
            n_heads = int(n_heads)
            rows = []
            for pair in range(args.pairs):
                for coalesce in (False, True):
                    kernel.run(f"ex.coalesce_changes = {coalesce}\nex.layer, ex.head = 1, 0", quiet_s=1.0)
                    text, sizes, _ = kernel.run(CELL, quiet_s=2.0)
                    burst_sizes, burst_s = kernel.page_burst(60, n_heads)
                    rows.append({"coalesce": coalesce, "cell_s": float(text), "cell_updates": len(sizes),
                                 "cell_bytes": sum(sizes), "burst_updates": len(burst_sizes),
                                 "burst_bytes": sum(burst_sizes), "burst_s": burst_s})
                    print(rows[-1], flush=True)
            check, _, _ = kernel.run("print(ex.head == ex.heatmap.head == ex.structure_view.head)")
            assert check.strip() == "True", check
        finally:
            client.stop_channels()
            km.shutdown_kernel(now=True)
    report = render(rows, int(length))
    print(report)
    args.output.write_text(report)
    return 0


def render(rows: list[dict], length: int) -> str:
    def med(coalesce: bool, key: str) -> float:
        return statistics.median(r[key] for r in rows if r["coalesce"] is coalesce)

    def line(name: str, key: str, fmt: str) -> str:
        before, after = med(False, key), med(True, key)
        ratio = f"{before / after:.1f}x" if after else "-"
        return f"| {name} | {format(before, fmt)} | {format(after, fmt)} | {ratio} |"

    pairs = len(rows) // 2
    return "\n".join([
        "# Rapid explorer changes in a Jupyter kernel (bench/bench_rapid_changes.py)",
        "",
        f"1HZH chain H (L = {length}), embedded AntiBERTy, the explorer displayed in one ipykernel",
        f"(jupyter_client, no browser); medians of {pairs} alternating pairs in one run,",
        f"`coalesce_changes=False` (each change pushed at once, the behaviour before) vs `True`.",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, shared with other work when measured",
        "(ratios within a run are the result, not the absolute times).",
        "",
        "| | each change pushed (before) | coalesced | before / after |",
        "|---|---:|---:|---:|",
        line("cell of 200 head changes: kernel seconds", "cell_s", ".3f"),
        line("  update messages sent", "cell_updates", ".0f"),
        line("  bytes sent", "cell_bytes", ",.0f"),
        line("60 page changes sent at once: update messages back", "burst_updates", ".0f"),
        line("  bytes back", "burst_bytes", ",.0f"),
        line("  seconds until the kernel is quiet", "burst_s", ".2f"),
        "",
        "The coalesced cell's seconds leave out its one push, made after the cell (the cost of one",
        "change, a few ms here).  The kernel pushes a change 5 ms (`COALESCE_S`) after the first of a burst, having handled the",
        "page changes queued meanwhile; the front-end sends at most one slider change per animation",
        "frame and draws at most once per frame (js/explorer.js, js/lib/dom.js `batched`).",
        "",
    ])


if __name__ == "__main__":
    sys.exit(main())
