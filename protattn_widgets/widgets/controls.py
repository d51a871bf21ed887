"""Layer, head, threshold, mode and chain controls for the linked views.

Layer and head sliders show the paper's 1-based numbers while their values are
the 0-based indices Python uses: they are ``SelectionSlider`` s whose options
are ``("1", 0), ("2", 1), ...`` (the synced ``index`` is then the 0-based
layer too).
"""

from __future__ import annotations

from typing import Sequence

import ipywidgets
from traitlets import Float, Int, link, validate

from ..attention import EDGE_MODES, _check_index, check_threshold
from ._base import DEFAULT_THRESHOLD
from ._checks import EdgeModeTrait

__all__ = ["Controls"]


class Controls(ipywidgets.VBox):
    """Sliders and dropdowns whose traits ``layer``, ``head``, ``threshold`` and ``mode``
    follow the widgets both ways; ``chain_dropdown`` offers the chains.

    The chain is not a linked trait: switching may fail (a chain longer than
    the model accepts), and the owner must then be able to put the dropdown
    back, which a ``traitlets.link`` in the middle of an update forbids.

    Parameters
    ----------
    n_layers, n_heads : int
    chain_ids : sequence of str
        Chains to offer; ``chain`` is the one shown first.
    threshold_step : float
        Step of the threshold slider.
    """

    layer = Int(0)
    head = Int(0)
    threshold = Float(DEFAULT_THRESHOLD)
    mode = EdgeModeTrait("max")

    def __init__(self, n_layers: int, n_heads: int, chain_ids: Sequence[str] = (), *, layer: int = 0,
                 head: int = 0, threshold: float = DEFAULT_THRESHOLD, mode: str = "max",
                 chain: str | None = None, threshold_step: float = 0.01, **kwargs) -> None:
        self.n_layers, self.n_heads = int(n_layers), int(n_heads)
        style = {"description_width": "64px"}
        self.layer_slider = ipywidgets.SelectionSlider(
            options=[(str(i + 1), i) for i in range(n_layers)], value=layer, description="layer",
            tooltip=f"Layer, 1-{n_layers} (arrow keys step)", style=style, layout=ipywidgets.Layout(width="300px"))
        self.head_slider = ipywidgets.SelectionSlider(
            options=[(str(i + 1), i) for i in range(n_heads)], value=head, description="head",
            tooltip=f"Head, 1-{n_heads} (arrow keys step)", style=style, layout=ipywidgets.Layout(width="300px"))
        self.threshold_slider = ipywidgets.FloatSlider(
            value=check_threshold(threshold), min=0.0, max=1.0, step=threshold_step, description="threshold",
            readout_format=".2f", continuous_update=False, style=style,
            tooltip="Strong attention: edges drawn, grid statistic, unfaded heatmap cells", layout=ipywidgets.Layout(width="300px"))
        self.mode_dropdown = ipywidgets.Dropdown(options=list(EDGE_MODES), value=mode, description="mode",
                                                 tooltip="How both directions of a pair combine into an edge",
                                                 style=style, layout=ipywidgets.Layout(width="180px"))
        chain_ids = list(chain_ids)
        self.chain_dropdown = ipywidgets.Dropdown(
            options=chain_ids, value=chain if chain is not None else (chain_ids[0] if chain_ids else None),
            description="chain", tooltip="The chain whose attention is shown", style=style, layout=ipywidgets.Layout(width="180px"),
            disabled=len(chain_ids) < 2)
        super().__init__(children=[
            ipywidgets.HBox([self.layer_slider, self.head_slider]),
            ipywidgets.HBox([self.threshold_slider, self.mode_dropdown, self.chain_dropdown]),
        ], **kwargs)
        self.layer, self.head, self.threshold, self.mode = layer, head, threshold, mode
        self._links = [
            link((self, "layer"), (self.layer_slider, "value")),
            link((self, "head"), (self.head_slider, "value")),
            link((self, "threshold"), (self.threshold_slider, "value")),
            link((self, "mode"), (self.mode_dropdown, "value")),
        ]

    # A value the sliders cannot show is refused here, before the links carry it anywhere,
    # so the controls and whatever they are linked to (the explorer) never disagree.
    @validate("layer", "head")
    def _valid_index(self, proposal):
        name = proposal.trait.name
        return _check_index(proposal.value, self.n_layers if name == "layer" else self.n_heads, name)

    @validate("threshold")
    def _valid_threshold(self, proposal):
        return check_threshold(proposal.value)

    @property
    def widgets(self) -> list:
        return [self.layer_slider, self.head_slider, self.threshold_slider, self.mode_dropdown, self.chain_dropdown]
