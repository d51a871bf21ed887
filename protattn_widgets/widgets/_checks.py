"""Checks every view shares: attention matches its chain, and the shared traits are in range.

:class:`SharedStateChecks` validates ``layer``, ``head``, ``threshold`` and
``selected_residue`` against ``self.attention`` for any widget that has those
traits (the anywidget views, the 3D view and the explorer), so the same
mistake gives the same message everywhere.
"""

from __future__ import annotations

from traitlets import CaselessStrEnum, validate

from ..attention import EDGE_MODES, Attention, check_threshold
from ..errors import AttentionMismatchError, InvalidOptionError
from ..structures import Chain

__all__ = ["AttentionMismatchError", "check_attention_chain", "check_mode", "format_threshold", "format_weight", "EdgeModeTrait", "SharedStateChecks"]


def format_weight(value: float) -> str:
    """An attention amount (a weight, a received sum, a head's largest weight) with 3 decimals, as
    every view shows one (``js/lib/format.js`` formatWeight): 0.3412 -> "0.341", 0.0015 -> "0.002"."""
    return f"{float(value):.3f}"


def format_threshold(value: float) -> str:
    """A threshold as set, not rounded (``js/lib/format.js`` formatThreshold): 0.3 -> "0.3", 0.0015 -> "0.0015"."""
    return format(float(value), ".4g")


def check_mode(mode) -> str:
    """``mode`` lower-cased if it is one of :data:`EDGE_MODES`, else :class:`InvalidOptionError`."""
    value = str(mode).lower() if isinstance(mode, str) else None
    if value not in EDGE_MODES:
        raise InvalidOptionError(f"mode must be one of {', '.join(EDGE_MODES)}, got {mode!r}")
    return value


class EdgeModeTrait(CaselessStrEnum):
    """The ``mode`` trait: one of :data:`EDGE_MODES` (any case); anything else is an
    :class:`InvalidOptionError` (a ``ValueError``), not a bare ``TraitError``."""

    def __init__(self, default_value: str = "max", **kwargs) -> None:
        super().__init__(EDGE_MODES, default_value=default_value, **kwargs)

    def error(self, obj, value, error=None, info=None):
        raise InvalidOptionError(f"mode must be one of {', '.join(EDGE_MODES)}, got {value!r}")


def check_attention_chain(attention: Attention, chain: Chain | None) -> None:
    """Raise :class:`AttentionMismatchError` unless ``attention`` is of ``chain``'s residues."""
    if not isinstance(attention, Attention):
        raise TypeError(f"attention must be an Attention (model.attention(chain)), got {type(attention).__name__}")
    if chain is None:
        return
    if not isinstance(chain, Chain):
        raise TypeError(f"chain must be a Chain (structure[chain_id]), got {type(chain).__name__}")
    attention.check_chain(chain)


class SharedStateChecks:
    """Validators of the shared traits; the class using it holds ``self.attention``."""

    @validate("layer", "head")
    def _valid_head(self, proposal):
        if proposal.trait.name == "layer":
            return self.attention.check_head(proposal.value, 0)[0]
        return self.attention.check_head(0, proposal.value)[1]

    @validate("threshold")
    def _valid_threshold(self, proposal):
        return check_threshold(proposal.value)

    @validate("selected_residue")
    def _valid_selected(self, proposal):
        index, n = proposal.value, len(self.attention)
        if index is None:
            return None
        if not -n <= index < n:
            where = f"chain {self.attention.chain_id!r}" if self.attention.chain_id else "the sequence"
            raise IndexError(f"selected_residue {index} is out of range: {where} has {n} residues, "
                             f"indexed 0..{n - 1}")
        return index % n
