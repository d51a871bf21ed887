"""Whether a model meets the chains it was trained on: one check, one message, wherever attention is asked for.

The adapter knows the domain (:attr:`ModelAdapter.domain`, :meth:`ModelAdapter.domain_problems`);
this module words it the same way for the explorer, ``protattn figure`` and ``analyze``
and issues :class:`~protattn_widgets.errors.OutOfDomainWarning` at the user's line.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..errors import OutOfDomainWarning, warn

__all__ = ["out_of_domain_note", "warn_out_of_domain"]

_LISTED = 5  # names listed in a note about many proteins


def _adapter_of(model: Any):
    """The adapter of a loaded model, or of a bundled alias (no hub lookup); None for anything else."""
    adapter = getattr(model, "adapter", None)
    if adapter is not None or not isinstance(model, str):
        return adapter
    from .adapters import ADAPTERS

    lowered = model.lower()
    return next((cls() for cls in ADAPTERS.values() if lowered in cls.aliases), None)


def _describe(source: Any) -> str:
    chain_id = getattr(source, "chain_id", None)
    if chain_id is not None:
        structure = getattr(source, "structure_name", None)
        return f"chain {chain_id}" + (f" of {structure}" if structure else "")
    record = getattr(source, "id", None)
    return str(record) if record else "the sequence"


def out_of_domain_note(model: Any, sources: Sequence[Any]) -> str:
    """One sentence saying which of ``sources`` (chains, records or sequences) are outside the model's domain, or ``""``.

    ``model``: a loaded model or a bundled alias (``"antiberty"``); models
    trained on any protein (and stand-ins without an adapter) give ``""``.
    """
    adapter = _adapter_of(model)
    if adapter is None or adapter.domain is None or not len(sources):
        return ""
    sequences = [source if isinstance(source, str) else source.sequence for source in sources]
    problems = adapter.domain_problems(sequences)
    outside = [(source, problem) for source, problem in zip(sources, problems) if problem]
    if not outside:
        return ""
    name = adapter.display_name or adapter.family
    if len(sources) == 1:
        return (f"{name} was trained on {adapter.domain}, but {_describe(outside[0][0])} does not look like one "
                f"({outside[0][1]}): its attention may mean little.")
    listed = ", ".join(_describe(source) for source, _ in outside[:_LISTED])
    more = f" and {len(outside) - _LISTED} more" if len(outside) > _LISTED else ""
    return (f"{name} was trained on {adapter.domain}, but {len(outside)} of {len(sources)} proteins do not look "
            f"like one ({outside[0][1]}: {listed}{more}): their attention may mean little.")


def warn_out_of_domain(model: Any, sources: Sequence[Any]) -> str:
    """:func:`out_of_domain_note`, issued as an :class:`OutOfDomainWarning` at the user's line; returns the note."""
    note = out_of_domain_note(model, sources)
    if note:
        warn(note, OutOfDomainWarning)
    return note
