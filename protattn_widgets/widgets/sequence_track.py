"""The chain's sequence, residues coloured by the attention they receive.

What crosses the wire: per head change ``_received`` (uint8 codes of the column
sums, ``L`` bytes) and ``_received_scale``; per chain the sequence, residue ids
and names; per annotation change ``_track_masks`` (uint8, ``T x L``); per chain the gaps
``_gap_after`` / ``_gap_missing`` (``_gap_missing[g]`` residues are missing
between residue ``_gap_after[g]`` and the next, from ``Chain.gaps_after``).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np
from traitlets import Bytes, Float, Int, List, Unicode

from ..errors import AnnotationError
from ._base import STATIC, AttentionViewBase, as_index_mask, default_colors, hold_sync, SyncedWidget
from ._checks import format_weight
from .encoding import dequantize, quantize

__all__ = ["SequenceTrack", "SequenceTrackData"]


class SequenceTrackData(AttentionViewBase):
    """Residues as cells on one line (coloured by attention received) with annotation tracks below.

    The line zooms (wheel, - / + buttons and keys) and pans (drag, or a click on
    the overview strip above it, which shows the whole chain and the window in
    view); at 9 px per residue and more the cells carry their letters.  Hover
    shows the residue (chain, name, author id), the attention it receives and
    its tracks; a click selects it, left/right arrows step the selection (kept
    in view) and Escape clears it.  A red bar between two neighbours marks residues missing from the structure
    (a disordered loop: in the deposited sequence, without coordinates).

    Parameters
    ----------
    attention, chain, layer, head, selected_residue
        As in :class:`~._base.AttentionViewBase`.
    annotations : mapping or list, optional
        Tracks drawn under the residues, e.g. CDRs, antigen contacts, binding
        sites: ``{"CDR-H3": ["95", "96", ...]}`` or a list of
        ``{"name": ..., "residues": ..., "color": ...}``.  ``residues`` is a bool
        mask of length L, 0-based indices or author residue ids.
    """


    _received = Bytes(b"").tag(sync=True)
    _received_scale = Float(0.0).tag(sync=True)
    sequence = Unicode("").tag(sync=True)
    _track_names = List(Unicode()).tag(sync=True)
    _track_colors = List(Unicode()).tag(sync=True)
    _track_masks = Bytes(b"").tag(sync=True)
    _gap_after = List(Int()).tag(sync=True)
    _gap_missing = List(Int()).tag(sync=True)

    def __init__(self, attention, chain=None, *, annotations: Any = None, **kwargs) -> None:
        self._pending_annotations = annotations
        super().__init__(attention, chain, **kwargs)

    def _on_chain(self) -> None:
        self.sequence = self.attention.sequence
        gaps = self.gaps
        self._gap_after, self._gap_missing = list(gaps), list(gaps.values())
        annotations, self._pending_annotations = self._pending_annotations, None
        self.set_annotations(annotations)

    def set_annotations(self, annotations: Any) -> None:
        """Replace the annotation tracks (see the class docstring); ``None`` removes them."""
        tracks = _normalise(annotations)
        colors = default_colors()
        names, hexes, masks = [], [], []
        for k, track in enumerate(tracks):
            names.append(str(track["name"]))
            hexes.append(str(track.get("color") or colors[k % len(colors)]))
            masks.append(as_index_mask(track["residues"], list(self.attention.residue_ids), track["name"]))
        with hold_sync(self):
            self._track_names, self._track_colors = names, hexes
            self._track_masks = np.array(masks, dtype=np.uint8).tobytes() if masks else b""

    @property
    def annotations(self) -> dict[str, np.ndarray]:
        """The tracks shown: name -> bool mask, shape=(L,)."""
        n = len(self.attention)
        masks = np.frombuffer(self._track_masks, dtype=np.uint8).reshape(-1, n) if self._track_masks else []
        return {name: mask.astype(bool) for name, mask in zip(self._track_names, masks)}

    @property
    def gaps(self) -> dict[int, int]:
        """Missing residues marked on the track: ``{i: n}``, ``n`` missing between ``i`` and ``i + 1``."""
        gaps = getattr(self.chain, "gaps_after", None) if self.chain is not None else None
        return {int(i): int(n) for i, n in (gaps or {}).items() if 0 <= int(i) < len(self.attention) - 1}

    @property
    def received(self) -> np.ndarray:
        """Attention received per residue as the front-end has it (decoded), shape=(L,)."""
        return dequantize(self._received, self._received_scale)

    def _send_data(self) -> None:
        codes, scale = quantize(self.attention.received(self.layer, self.head))
        self._received, self._received_scale = codes, scale
        self.caption = f"{self._title()} · attention received (max {format_weight(scale)})"


class SequenceTrack(SequenceTrackData, SyncedWidget):
    """The chain's residues coloured by attention received, with annotation tracks, as a widget.

    Parameters and attributes as :class:`SequenceTrackData` (the same computation without the widget,
    which :class:`~.explorer.AttentionExplorer` uses as its part).
    """

    _esm = STATIC / "sequence_track.js"


def _normalise(annotations: Any) -> list[dict]:
    if annotations is None:
        return []
    if isinstance(annotations, Mapping):
        return [{"name": name, "residues": residues} for name, residues in annotations.items()]
    if isinstance(annotations, (str, bytes)) or not isinstance(annotations, Iterable):
        raise AnnotationError("annotations must be a dict {name: residues} or a list of track dicts, "
                              f"got {type(annotations).__name__}")
    tracks = []
    for item in annotations:
        if not isinstance(item, Mapping) or "name" not in item or "residues" not in item:
            raise AnnotationError("each annotation track must be a dict with 'name' and 'residues' "
                                  "(and optionally 'color')")
        if item.get("color") is not None and not isinstance(item["color"], str):
            raise AnnotationError(f"track {item['name']!r}: color must be a CSS colour string, got {item['color']!r}")
        tracks.append(dict(item))
    return tracks
