"""The explorer coalesces rapid state changes in a Jupyter kernel (issue 23, "also seen"): a cell making
200 changes computes and sends the last state once, and Python still reads the current state's
values right after each assignment.  Run in a real ipykernel (jupyter_client), whose comm messages
are what a page would receive.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

ROOT = Path(__file__).resolve().parent.parent
KERNEL = "protattn-coalescing"

SETUP = """
import warnings
import numpy as np
import protattn_widgets as paw
from protattn_widgets.widgets.explorer import AttentionExplorer
from protattn_widgets.widgets.heatmap import HeatmapData
with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    ex = AttentionExplorer(paw.example_path('1vfb_complex'), model='antiberty', chain='B', layer=0, head=0)
display(ex)
print(ex.comm.comm_id)
"""


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    kernels = tmp_path_factory.mktemp("kernels")
    (kernels / KERNEL).mkdir()
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    (kernels / KERNEL / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "protattn coalescing test", "language": "python",
        "env": {"PYTHONPATH": pythonpath, "HF_HUB_OFFLINE": "1"}}))
    km = KernelManager(kernel_name=KERNEL, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
    km.start_kernel()
    client = km.client()
    client.start_channels()
    client.wait_for_ready(timeout=120)
    runner = Runner(client)
    runner.comm_id = runner.run(SETUP).strip()
    try:
        yield runner
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)


class Runner:
    def __init__(self, client) -> None:
        self.client = client
        self.comm_id = ""

    def run(self, code: str, settle_s: float = 1.0, updates: list | None = None) -> str:
        """Run ``code``; return what it printed.  ``updates`` collects the explorer's 'update'
        messages (its state keys, and whether it carried data buffers) until ``settle_s`` after the
        cell went idle (a coalesced change is sent after the cell)."""
        msg_id = self.client.execute(code)
        out, errors, idle = [], [], None
        while True:
            try:
                msg = self.client.get_iopub_msg(timeout=settle_s if idle else 300)
            except Exception:  # queue.Empty once the kernel has been quiet for settle_s
                if idle:
                    break
                raise
            kind, content = msg["header"]["msg_type"], msg["content"]
            if (kind == "comm_msg" and content.get("comm_id") == self.comm_id
                    and content["data"].get("method") == "update" and updates is not None):
                data = content["data"]
                updates.append((set(data["state"]) | {path[0] for path in data["buffer_paths"]}, bool(msg["buffers"])))
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if kind == "stream":
                out.append(content["text"])
            elif kind == "error":
                errors.append(f"{content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle":
                idle = time.monotonic()
        assert not errors, errors
        return "".join(out)


BURST = "for h in range(200):\n    ex.head = h % ex.n_heads\nprint(ex.head)"


def test_a_cell_of_200_changes_sends_the_last_state_once(kernel):
    kernel.run("ex.coalesce_changes = True\nex.layer, ex.head = 2, 1")
    updates: list = []
    last = int(kernel.run(BURST, updates=updates))
    assert len(updates) == 1, [sorted(u[0]) for u in updates]
    keys, with_data = updates[0]
    assert "head" in keys and "_heatmap__matrix" in keys and "_structure__pa_edges" in keys and with_data
    assert kernel.run("print(ex.head, ex.heatmap.head, ex.structure_view.head, ex.grid.head)").split() == [str(last)] * 4


def test_each_change_is_pushed_at_once_when_coalescing_is_off(kernel):
    kernel.run("ex.coalesce_changes = False\nex.layer, ex.head = 2, 1")
    updates: list = []
    kernel.run(BURST, updates=updates)
    kernel.run("ex.coalesce_changes = True")
    assert len(updates) >= 190  # one per change (the first is h = 0 -> head 0 from head 1; some repeat a head)


def test_python_reads_the_current_state_right_after_an_assignment(kernel):
    out = kernel.run(
        "ex.coalesce_changes = True\nok = []\n"
        "for layer, head in [(1, 2), (3, 4), (7, 7), (0, 5)]:\n"
        "    ex.layer, ex.head = layer, head\n"
        "    fresh = HeatmapData(ex.attention, ex.chain_obj, layer=layer, head=head, size=380, threshold=ex.threshold)\n"
        "    ok.append(bytes(ex.heatmap._matrix) == bytes(fresh._matrix) and ex.structure_view.head == head\n"
        "              and ex.sequence.layer == layer and ex.get_state()['_heatmap__matrix'] == fresh._matrix)\n"
        "print(all(ok), len(ok))")
    assert out.split() == ["True", "4"]


def test_page_changes_queued_in_a_burst_are_pushed_together_and_the_last_wins(kernel):
    kernel.run("ex.coalesce_changes = True\nex.layer, ex.head = 2, 0")
    n_heads = int(kernel.run("print(ex.n_heads)"))
    heads = [(k + 1) % n_heads for k in range(60)]
    for head in heads:  # what a page sends for a held key or a fast drag, faster than one change is drawn
        kernel.client.session.send(kernel.client.shell_channel.socket, "comm_msg", content={
            "comm_id": kernel.comm_id, "data": {"method": "update", "state": {"head": head}, "buffer_paths": []}})
    updates: list = []
    out = kernel.run("print(ex.head, ex.heatmap.head, ex.structure_view.head)", updates=updates)
    assert out.split() == [str(heads[-1])] * 3
    assert 1 <= len(updates) <= 20, len(updates)  # 60 one by one before (bench/results_rapid_changes.md)
