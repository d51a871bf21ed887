"""Secondary structure of a chain's residues from DSSP (``mkdssp``).

DSSP's eight states are grouped into the paper's four classes (provis
``ss4``):

==============  ====================================
class           DSSP codes
==============  ====================================
``helix``       H (alpha), G (3-10), I (pi)
``strand``      E (strand), B (isolated bridge)
``turn_bend``   T (turn), S (bend)
``none``        anything else (blank, P polyproline)
==============  ====================================

``mkdssp`` comes from the Debian/Ubuntu package ``dssp`` (``apt-get install
dssp``) or conda-forge; point ``PROTATTN_MKDSSP`` at the binary to use another
one.  DSSP 4 refuses PDB files without a HEADER line (the Docking Benchmark
files have none), so the first model's ATOM/HETATM records are handed to it
under a minimal header.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from ..errors import DSSPError

__all__ = ["SS_CLASSES", "DSSP_TO_CLASS", "find_mkdssp", "dssp_codes", "secondary_structure_classes"]

SS_CLASSES: tuple[str, ...] = ("helix", "strand", "turn_bend", "none")
DSSP_TO_CLASS: dict[str, int] = {"H": 0, "G": 0, "I": 0, "E": 1, "B": 1, "T": 2, "S": 2}

_HEADER = ("HEADER    PROTEIN                                 01-JAN-00   XXXX              \n"
           "CRYST1    1.000    1.000    1.000  90.00  90.00  90.00 P 1           1          \n")
_TIMEOUT_S = 120
_CACHE: dict[str, dict[tuple[str, str], str]] = {}
_CACHE_SIZE = 64


def find_mkdssp() -> str:
    """Path of the ``mkdssp`` binary, or raise :class:`DSSPError` saying how to install it."""
    configured = os.environ.get("PROTATTN_MKDSSP")
    found = shutil.which(configured or "mkdssp") or (configured if configured and Path(configured).is_file() else None)
    if not found:
        where = f"PROTATTN_MKDSSP={configured!r} is not an executable" if configured else "mkdssp is not on PATH"
        raise DSSPError(
            f"secondary structure needs DSSP, but {where}. Install it with `apt-get install dssp` "
            "(Debian/Ubuntu) or `conda install -c conda-forge dssp`, or set PROTATTN_MKDSSP to the binary."
        )
    return found


def dssp_codes(structure) -> dict[tuple[str, str], str]:
    """DSSP's one-letter state of every residue of ``structure`` (first model read).

    Returns
    -------
    dict
        ``(chain_id, residue_id) -> code``; the code is ``" "`` for no
        secondary structure.  Cached per structure text.
    """
    key = hashlib.sha1(structure.text.encode()).hexdigest() + f":{structure.model}"
    if key in _CACHE:
        return _CACHE[key]
    binary = find_mkdssp()
    with tempfile.TemporaryDirectory(prefix="protattn-dssp-") as tmp:
        suffix = ".cif" if structure.format == "cif" else ".pdb"
        source, target = Path(tmp) / f"in{suffix}", Path(tmp) / "out.dssp"
        source.write_text(structure.text if structure.format == "cif" else _pdb_model_text(structure))
        try:
            run = subprocess.run([binary, "--output-format", "dssp", str(source), str(target)],
                                 capture_output=True, text=True, timeout=_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DSSPError(f"could not run {binary} on {structure.name}: {exc}") from None
        if run.returncode != 0 or not target.is_file():
            raise DSSPError(f"{binary} failed on {structure.name} (exit {run.returncode}): "
                            f"{(run.stderr or run.stdout).strip()[:500]}")
        codes = _parse_dssp(target.read_text())
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = codes
    return codes


def secondary_structure_classes(structure, chain) -> np.ndarray:
    """The four-class secondary structure of each residue of ``chain``.

    Parameters
    ----------
    structure : Structure
        The structure ``chain`` comes from.
    chain : Chain
        Possibly truncated (``chain[:n]``): residues are matched by author id.

    Returns
    -------
    ndarray of int8, shape=(L,)
        Index into :data:`SS_CLASSES`; ``-1`` where DSSP gave no state (e.g. a
        residue without backbone atoms), which the analysis leaves out.
    """
    codes = dssp_codes(structure)
    out = np.full(len(chain), -1, dtype=np.int8)
    for i, residue_id in enumerate(chain.residue_ids):
        code = codes.get((chain.chain_id, residue_id))
        if code is not None:
            out[i] = DSSP_TO_CLASS.get(code, 3)
    return out


def _pdb_model_text(structure) -> str:
    lines = []
    for line in structure.text.splitlines():
        if line.startswith("ENDMDL"):
            break  # first model only; load_structure reads model 0 by default
        if line.startswith(("ATOM  ", "HETATM")):
            lines.append(line)
    if structure.model != 0:
        raise DSSPError(f"DSSP on model {structure.model} of a PDB file is not supported; load model 0")
    return _HEADER + "\n".join(lines) + "\nEND\n"


def _parse_dssp(text: str) -> dict[tuple[str, str], str]:
    """Classic DSSP format: residue number cols 6-10, insertion code 11, chain 12, state 17."""
    lines = text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith("  #  RESIDUE"))
    except StopIteration:
        raise DSSPError("DSSP output has no residue table") from None
    codes = {}
    for line in lines[start + 1:]:
        if len(line) < 17 or line[13] == "!":  # chain breaks
            continue
        residue_id = line[5:10].strip() + line[10].strip()
        codes[(line[11], residue_id)] = line[16]
    return codes
