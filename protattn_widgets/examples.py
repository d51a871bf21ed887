"""Example structures bundled with the package (see ``data/PROVENANCE.md``).

>>> from protattn_widgets.examples import example_path
>>> example_path("1vfb_complex").name
'1vfb_complex.pdb'
"""

from __future__ import annotations

import difflib
from pathlib import Path

from .errors import ExampleNotFoundError

__all__ = ["EXAMPLES", "example_path", "resolve_structure"]

_DIR = Path(__file__).resolve().parent / "data" / "structures"

#: Names accepted by :func:`example_path`.
EXAMPLES: tuple[str, ...] = ("1vfb_complex", "1a0q", "7hvp", "1crn", "1ubq")


def example_path(name: str) -> Path:
    """Return the path of the bundled structure ``name`` (e.g. ``"7hvp"``, any case).

    Raises :class:`~protattn_widgets.errors.ExampleNotFoundError` (a ``KeyError``)
    listing the examples for any other name.
    """
    key = str(name).strip().lower().removesuffix(".pdb")
    if key not in EXAMPLES:
        close = [e for e in EXAMPLES if e.startswith(key) or key.startswith(e)] if key else []
        close = close or difflib.get_close_matches(key, EXAMPLES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ExampleNotFoundError(
            f"no bundled example structure {name!r} (names are case-insensitive); "
            f"available: {', '.join(EXAMPLES)}{hint}")
    return _DIR / f"{key}.pdb"


def resolve_structure(source: str | Path):
    """Load a bundled example name (checked first), a file path or a PDB id."""
    from .structures import load_structure

    if str(source).lower().removesuffix(".pdb") in EXAMPLES and not Path(source).is_file():
        return load_structure(example_path(str(source)))
    return load_structure(source)
