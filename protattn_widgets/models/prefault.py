"""Touch a fresh attention buffer's pages in a background thread, ahead of the forward pass.

A new buffer (hundreds of MB at ESM-2 sizes) costs a page fault and a page
zeroing per page the first time it is written.  Done in the capture sink that
is work on the forward pass's critical path; done by this thread it overlaps the
forward pass's own work (measured: extraction at 33 x 20, L = 500 went from
1.2-1.65x to 0.85-1.12x a plain forward, ``bench/bench_scale.py``).

Safety: the thread writes zeros, so it must never touch a layer after the sink
has written it.  It goes layer by layer in order and sets an event per layer;
the sink waits for layer ``k``'s event before writing layer ``k``.
"""

from __future__ import annotations

import threading

import numpy as np

__all__ = ["LayerPrefaulter"]

_PAGE = 4096
_CHUNK = 1 << 21  # one transparent huge page


class LayerPrefaulter:
    """Pre-fault ``out[layer]`` for each layer of a fresh in-memory buffer, in order, in a thread.

    Use as a context manager; call :meth:`wait` before writing a layer.  Memory
    maps (spill files) and small buffers are left alone (``wait`` returns at once).
    """

    def __init__(self, out: np.ndarray, min_bytes: int = 32 << 20) -> None:
        self._out = out
        active = not isinstance(out, np.memmap) and out.nbytes >= min_bytes and out.flags.c_contiguous
        self._ready = [threading.Event() for _ in range(len(out))] if active else None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="protattn-prefault", daemon=True) if active else None

    def __enter__(self) -> "LayerPrefaulter":
        if self._thread is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()

    def wait(self, layer: int) -> None:
        """Block until ``out[layer]`` has been touched (then the caller may write it)."""
        if self._ready is not None:
            self._ready[layer].wait()

    def _run(self) -> None:
        try:
            for layer, event in enumerate(self._ready):
                if self._stop.is_set():
                    break
                flat = self._out[layer].reshape(-1).view(np.uint8)
                for start in range(0, flat.size, _CHUNK):
                    flat[start:start + _CHUNK:_PAGE] = 0
                event.set()
        finally:
            for event in self._ready:  # stopped or failed: the sink writes untouched pages itself
                event.set()
