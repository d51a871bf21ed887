"""Protein sequences as the models receive them.

A sequence is a string of one-letter residue codes: the 20 standard amino
acids plus ``X`` (unknown) and the ambiguous or rare codes ``B Z U O``.
Whitespace is dropped and ASCII letters are upper-cased, so pasted FASTA lines
work; anything else is an error naming the offending characters and their
positions.  Non-ASCII characters are always an error, never case-mapped
(``'ß'.upper()`` is ``'SS'``, which would change the length and the residues).

:func:`map_onto` places a chain's observed residues in a longer sequence (the
deposited sequence, or one a user gives), guided by the author numbering.
"""

from __future__ import annotations

import re

import numpy as np

from .errors import InvalidSequenceError

__all__ = ["STANDARD_RESIDUES", "ALLOWED_RESIDUES", "clean_sequence", "map_onto", "numbering_gaps"]

STANDARD_RESIDUES = "ACDEFGHIKLMNPQRSTVWY"
ALLOWED_RESIDUES = STANDARD_RESIDUES + "XBZUO"

_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")
_INVALID = re.compile(f"[^{ALLOWED_RESIDUES}]")
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def clean_sequence(sequence: str) -> str:
    """Return ``sequence`` upper-cased without whitespace, or raise.

    Raises
    ------
    InvalidSequenceError
        If the sequence is empty or holds characters that are not residues
        (including any non-ASCII character, e.g. ``'ß'``).
    """
    if not isinstance(sequence, str):
        raise InvalidSequenceError(
            f"a sequence must be a str of one-letter residue codes, got {type(sequence).__name__}"
        )
    cleaned = _WHITESPACE.sub("", sequence)
    if not cleaned:
        raise InvalidSequenceError("the sequence is empty")
    cleaned = cleaned.translate(_ASCII_UPPER)  # str.upper() would map 'ß' to 'SS'
    bad = [(m.start(), m.group()) for m in _INVALID.finditer(cleaned)]
    if bad:
        shown = ", ".join(f"{char!r} at position {pos + 1}" for pos, char in bad[:5])
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise InvalidSequenceError(
            f"the sequence holds {len(bad)} character(s) that are not residue codes: "
            f"{shown}{more}. Allowed: {ALLOWED_RESIDUES} (X for unknown residues); "
            "positions count residues after whitespace is removed."
        )
    return cleaned


_OPEN = 1.0       # a gap the author numbering did not announce
_PER_RESIDUE = 1e-6  # among such gaps prefer short ones (tie-breaking only)


def map_onto(observed: str, target: str, expected_gaps: np.ndarray | None = None) -> np.ndarray | None:
    """Where each observed residue sits in ``target``, or ``None`` if it cannot.

    Every observed residue must land on an identical letter of ``target``, in
    order (``target`` may hold more residues: the missing ones).  Among such
    placements the one whose gaps best agree with ``expected_gaps`` wins: a
    gap of exactly the announced size is free, any other costs 1.

    Parameters
    ----------
    observed, target : str
        One-letter sequences, ``L <= M`` letters.
    expected_gaps : ndarray of int, shape=(L - 1,), optional
        Residues expected to be missing between observed ``i`` and ``i + 1``
        (from the author numbering); default none.

    Returns
    -------
    ndarray of int64, shape=(L,) or None
        Strictly increasing indices into ``target``.
    """
    n, m = len(observed), len(target)
    if n == 0 or n > m:
        return None
    obs = np.frombuffer(observed.encode("ascii"), dtype=np.uint8)
    tgt = np.frombuffer(target.encode("ascii"), dtype=np.uint8)
    expected = np.zeros(max(n - 1, 0), dtype=np.int64) if expected_gaps is None else np.asarray(expected_gaps)
    cols = np.arange(m)
    best = np.where(tgt == obs[0], 0.0, -np.inf)  # leading residues may be missing at no cost
    back = np.zeros((n, m), dtype=np.int32 if m < 2**31 else np.int64)
    for i in range(1, n):
        e = int(expected[i - 1])
        exact = np.full(m, -np.inf)
        if e + 1 < m:
            exact[e + 1:] = best[: m - e - 1]
        # any other predecessor j < j': cost _OPEN + _PER_RESIDUE * (j' - 1 - j)
        value = best + _PER_RESIDUE * cols
        run = np.maximum.accumulate(value)
        arg = np.maximum.accumulate(np.where(value == run, cols, 0))
        other = np.full(m, -np.inf)
        other[1:] = run[:-1] - _OPEN - _PER_RESIDUE * cols[:-1]
        take_exact = exact >= other
        new = np.where(take_exact, exact, other)
        back[i] = np.where(take_exact, cols - e - 1, np.concatenate(([0], arg[:-1])))
        best = np.where(tgt == obs[i], new, -np.inf)
        if not np.isfinite(best).any():
            return None
    if not np.isfinite(best).any():
        return None
    positions = np.empty(n, dtype=np.int64)
    positions[-1] = int(np.argmax(best))  # trailing residues may be missing at no cost
    for i in range(n - 1, 0, -1):
        positions[i - 1] = back[i, positions[i]]
    return positions


_NUMBER = re.compile(r"-?\d+")


def numbering_gaps(residue_ids) -> np.ndarray:
    """Residues the author numbering says are missing between neighbours.

    ``"52"`` -> ``"52A"`` and ``"82C"`` -> ``"83"`` announce none, ``"126"``
    -> ``"134"`` announces 7.

    Returns
    -------
    ndarray of int64, shape=(L - 1,)
    """
    numbers = np.array([int(m.group()) if (m := _NUMBER.match(str(r))) else 0 for r in residue_ids],
                       dtype=np.int64)
    return np.maximum(np.diff(numbers) - 1, 0) if len(numbers) > 1 else np.zeros(0, dtype=np.int64)
