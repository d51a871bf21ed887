"""Protein sequences as the models receive them.

A sequence is a string of one-letter residue codes: the 20 standard amino
acids plus ``X`` (unknown or modified) and the ambiguous or rare codes
``B Z U O``.  Whitespace is dropped and letters are upper-cased, so pasted
FASTA lines work; anything else is an error naming the offending characters.
"""

from __future__ import annotations

import re

from .errors import InvalidSequenceError

__all__ = ["STANDARD_RESIDUES", "ALLOWED_RESIDUES", "clean_sequence"]

STANDARD_RESIDUES = "ACDEFGHIKLMNPQRSTVWY"
ALLOWED_RESIDUES = STANDARD_RESIDUES + "XBZUO"

_WHITESPACE = re.compile(r"\s+")
_INVALID = re.compile(f"[^{ALLOWED_RESIDUES}{ALLOWED_RESIDUES.lower()}]")


def clean_sequence(sequence: str) -> str:
    """Return ``sequence`` upper-cased without whitespace, or raise.

    Raises
    ------
    InvalidSequenceError
        If the sequence is empty or holds characters that are not residues.
    """
    if not isinstance(sequence, str):
        raise InvalidSequenceError(
            f"a sequence must be a str of one-letter residue codes, got {type(sequence).__name__}"
        )
    # Checked before upper-casing: str.upper() maps some non-ASCII letters to residue codes
    # ("ſ" -> "S", the ligature "ﬁ" -> "FI"), which must be refused, not read as residues.
    cleaned = _WHITESPACE.sub("", sequence)
    if not cleaned:
        raise InvalidSequenceError("the sequence is empty")
    bad = [(m.start(), m.group()) for m in _INVALID.finditer(cleaned)]
    cleaned = cleaned.upper()
    if bad:
        shown = ", ".join(f"{char!r} at position {pos + 1}" for pos, char in bad[:5])
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise InvalidSequenceError(
            f"the sequence holds {len(bad)} character(s) that are not residue codes: "
            f"{shown}{more}. Allowed: {ALLOWED_RESIDUES} (X for unknown or modified residues)."
        )
    return cleaned
