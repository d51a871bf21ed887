"""Example structures bundled with the package (see ``data/PROVENANCE.md``).

>>> from protattn_widgets.examples import example_path
>>> example_path("1vfb_complex").name
'1vfb_complex.pdb'
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["EXAMPLES", "example_path", "resolve_structure"]

_DIR = Path(__file__).resolve().parent / "data" / "structures"

#: Names accepted by :func:`example_path`.
EXAMPLES: tuple[str, ...] = ("1vfb_complex", "1a0q", "7hvp", "1crn", "1ubq")


def example_path(name: str) -> Path:
    """Return the path of the bundled structure ``name`` (e.g. ``"7hvp"``)."""
    key = str(name).lower().removesuffix(".pdb")
    if key not in EXAMPLES:
        raise KeyError(f"no example structure {name!r}; available: {', '.join(EXAMPLES)}")
    return _DIR / f"{key}.pdb"


def resolve_structure(source: str | Path):
    """Load a bundled example name (checked first), a file path or a PDB id."""
    from .structures import load_structure

    if str(source).lower().removesuffix(".pdb") in EXAMPLES and not Path(source).is_file():
        return load_structure(example_path(str(source)))
    return load_structure(source)
