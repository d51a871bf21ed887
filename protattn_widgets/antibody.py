"""Antibody knowledge: what kind of chain a sequence is, where its variable domain and CDRs are.

Two ways of knowing, chosen by what is installed:

* **ANARCI** (Dunbar & Deane 2016; BSD-3-Clause, like this package), an optional
  extra: ``pip install "protattn-widgets[antibody]"`` installs ``anarci`` and the
  ``hmmer`` wheel (MIT; its ``hmmscan`` binary, found without being on PATH).
  It numbers the variable domain in the IMGT, Kabat or Chothia scheme and says
  whether it is a heavy, kappa or lambda chain; CDRs then follow each scheme's
  published definition (:data:`CDR_DEFINITIONS`).
* **The J-motif rule**, the fallback without ANARCI: a variable domain's CDR3 is
  closed by the J-region motif ``WGxG`` (heavy) or ``FGxG`` (light), 85-135
  residues into the chain.  It tells heavy from light (not kappa from lambda,
  nor VHH from VH), and places IMGT CDR1 and CDR3 between their conserved
  anchors (Cys23-Trp41 and Cys104-Trp/Phe118); it does not place CDR2, and asks
  for ``scheme="imgt"``.

Chain types are ``"heavy"``, ``"kappa"``, ``"lambda"``, ``"VHH"`` (a heavy chain
with the camelid hallmark residues at IMGT 42/49/50/52, Kabat 37/44/45/47) and,
from the fallback only, ``"light"``.

>>> from protattn_widgets.antibody import number_chain
>>> number_chain(chain.sequence).chain_type            # "heavy"
>>> number_chain(chain.sequence).cdr_labels()[95:100]  # ["CDR3", "CDR3", ...]
"""

from __future__ import annotations

import importlib.util
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .errors import InvalidOptionError

__all__ = ["AntibodyChain", "number_chain", "number_chains", "chain_type", "cdr_labels", "cdr_tracks",
           "antibody_chain_role", "variable_domains", "numbering_available", "SCHEMES", "CDR_DEFINITIONS",
           "CDR_NAMES"]

SCHEMES: tuple[str, ...] = ("imgt", "kabat", "chothia")
CDR_NAMES: tuple[str, ...] = ("CDR1", "CDR2", "CDR3")

#: Inclusive residue-number ranges of each CDR, by scheme and chain class ("H" heavy, "L" light);
#: insertions (``35A``, ``111A``) belong to their number's range.  IMGT: Lefranc et al. 2003;
#: Kabat: Kabat et al. 1991; Chothia: Al-Lazikani et al. 1997 on Chothia numbering.
CDR_DEFINITIONS: dict[str, dict[str, dict[str, tuple[int, int]]]] = {
    "imgt": {"H": {"CDR1": (27, 38), "CDR2": (56, 65), "CDR3": (105, 117)},
             "L": {"CDR1": (27, 38), "CDR2": (56, 65), "CDR3": (105, 117)}},
    "kabat": {"H": {"CDR1": (31, 35), "CDR2": (50, 65), "CDR3": (95, 102)},
              "L": {"CDR1": (24, 34), "CDR2": (50, 56), "CDR3": (89, 97)}},
    "chothia": {"H": {"CDR1": (26, 32), "CDR2": (52, 56), "CDR3": (95, 102)},
                "L": {"CDR1": (24, 34), "CDR2": (50, 56), "CDR3": (89, 97)}},
}

#: VH -> VHH hallmark positions (IMGT 42, 49, 50, 52 = Kabat/Chothia 37, 44, 45, 47) and the
#: residues a camelid VHH has there instead of VH's V, G, L, W (Muyldermans 2013).
_HALLMARKS = {"imgt": (42, 49, 50, 52), "kabat": (37, 44, 45, 47), "chothia": (37, 44, 45, 47)}
_VHH_RESIDUES = ("FY", "EQ", "RC", "GLF")
_ANARCI_TYPES = {"H": "heavy", "K": "kappa", "L": "lambda"}

#: J-region motifs after CDR3 (IMGT J-TRP / J-PHE 118), and where a variable domain has them.
_J_MOTIFS = (("heavy", re.compile(r"WG.G")), ("light", re.compile(r"FG.G")))
_J_WINDOW = (85, 135)


@dataclass(frozen=True)
class AntibodyChain:
    """One antibody variable domain found in a sequence.

    Attributes
    ----------
    chain_type : str
        ``"heavy"``, ``"kappa"``, ``"lambda"``, ``"VHH"``, or ``"light"`` (fallback only).
    method : str
        ``"anarci"`` or ``"j-motif"`` (the fallback).
    scheme : str
        Numbering scheme the CDRs follow (``"imgt"``, ``"kabat"``, ``"chothia"``).
    domain : tuple of int
        ``(start, stop)``: the variable domain is ``sequence[start:stop]`` (0-based).
    numbers : tuple of str
        The scheme's residue number of each residue of the sequence (``"111A"``), ``""``
        outside the domain; all ``""`` from the fallback, which numbers nothing.
    cdrs : tuple of str
        Per residue, ``"CDR1"``, ``"CDR2"``, ``"CDR3"`` or ``""``.
    cdrs_found : tuple of str
        The CDRs this method places (the fallback places no CDR2).
    """

    chain_type: str
    method: str
    scheme: str
    domain: tuple[int, int]
    numbers: tuple[str, ...]
    cdrs: tuple[str, ...]
    cdrs_found: tuple[str, ...] = CDR_NAMES

    @property
    def is_heavy(self) -> bool:
        return self.chain_type in ("heavy", "VHH")

    def cdr_labels(self, prefix: bool = False) -> list[str]:
        """Per residue, its CDR (``"CDR3"``; ``"CDR-H3"`` with ``prefix``) or ``""``."""
        if not prefix:
            return list(self.cdrs)
        letter = "H" if self.is_heavy else "L"
        return [f"CDR-{letter}{label[-1]}" if label else "" for label in self.cdrs]

    def cdr_mask(self, name: str | None = None) -> np.ndarray:
        """bool, shape=(len(sequence),): residues in CDR ``name`` (``"CDR3"``), or in any CDR."""
        labels = np.asarray(self.cdrs)
        return labels != "" if name is None else labels == name


def numbering_available() -> bool:
    """Whether ANARCI and an ``hmmscan`` it can run are installed (the ``antibody`` extra)."""
    return importlib.util.find_spec("anarci") is not None and _hmmer_path() is not None


def _hmmer_path() -> str | None:
    """Folder of ``hmmscan``: the ``hmmer`` wheel's, else PATH's, else None."""
    import shutil

    spec = importlib.util.find_spec("hmmer")
    if spec is not None and spec.submodule_search_locations:
        folder = Path(next(iter(spec.submodule_search_locations))) / "data" / "bin"
        if (folder / "hmmscan").is_file():
            return str(folder)
    found = shutil.which("hmmscan")
    return str(Path(found).parent) if found else None


def _check_scheme(scheme: str) -> str:
    if not isinstance(scheme, str) or scheme.lower() not in SCHEMES:
        raise InvalidOptionError(f"antibody numbering scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
    return scheme.lower()


_MEMO: dict[tuple[str, str, bool], AntibodyChain | None] = {}
_MEMO_LOCK = threading.Lock()


def number_chains(sequences: Iterable[str], scheme: str = "imgt", *,
                  use_numbering: bool | None = None) -> list[AntibodyChain | None]:
    """:func:`number_chain` of several sequences (one ANARCI run for all that are not memoised)."""
    scheme = _check_scheme(scheme)
    library = numbering_available() if use_numbering is None else bool(use_numbering)
    if library and not numbering_available():
        raise InvalidOptionError("antibody numbering needs ANARCI and hmmer: pip install 'protattn-widgets[antibody]'")
    sequences = [str(s) for s in sequences]
    with _MEMO_LOCK:
        todo = sorted({s for s in sequences if (s, scheme, library) not in _MEMO})
    if todo:
        found = _anarci(todo, scheme) if library else [_j_motif(s, scheme) for s in todo]
        with _MEMO_LOCK:
            _MEMO.update({(s, scheme, library): result for s, result in zip(todo, found)})
    with _MEMO_LOCK:
        return [_MEMO[(s, scheme, library)] for s in sequences]


def number_chain(sequence: str, scheme: str = "imgt", *, use_numbering: bool | None = None) -> AntibodyChain | None:
    """The antibody variable domain of ``sequence``, or ``None`` when it has none.

    ``scheme``: ``"imgt"`` (default), ``"kabat"`` or ``"chothia"``.
    ``use_numbering``: ``None`` uses ANARCI when installed, else the J-motif
    fallback; ``False`` forces the fallback; ``True`` requires ANARCI.
    """
    return number_chains([sequence], scheme, use_numbering=use_numbering)[0]


def chain_type(sequence: str) -> str | None:
    """``"heavy"``, ``"kappa"``, ``"lambda"``, ``"VHH"``, ``"light"`` (fallback) or ``None``."""
    found = number_chain(sequence)
    return None if found is None else found.chain_type


def antibody_chain_role(sequence: str) -> str | None:
    """What a legend calls the chain: ``"heavy chain"``, ``"light chain"``, ``"VHH"`` or ``None``."""
    kind = chain_type(sequence)
    if kind is None:
        return None
    return {"heavy": "heavy chain", "VHH": "VHH"}.get(kind, "light chain")


def cdr_labels(sequence: str, scheme: str = "imgt", *, prefix: bool = False) -> list[str]:
    """Per residue of ``sequence``: ``"CDR1"``..``"CDR3"`` (``"CDR-H3"`` with ``prefix``) or ``""``.

    All ``""`` for a sequence without an antibody variable domain.
    """
    found = number_chain(sequence, scheme)
    return [""] * len(sequence) if found is None else found.cdr_labels(prefix)


def cdr_tracks(sequence: str, scheme: str = "imgt") -> dict[str, np.ndarray]:
    """Sequence-view annotation tracks ``{"CDR-H1": bool mask (L,), ...}``; ``{}`` for a non-antibody chain.

    Named by chain (``CDR-H3``, ``CDR-L1``) and, when not IMGT, scheme
    (``CDR-H3 (Kabat)``).  The fallback gives no CDR2 track.
    """
    found = number_chain(sequence, scheme)
    if found is None:
        return {}
    labels = np.asarray(found.cdr_labels(prefix=True))
    suffix = "" if found.scheme == "imgt" else f" ({found.scheme.capitalize()})"
    letter = "H" if found.is_heavy else "L"
    return {f"CDR-{letter}{name[-1]}{suffix}": labels == f"CDR-{letter}{name[-1]}" for name in found.cdrs_found}


# --------------------------------------------------------------------------- ANARCI


def _anarci(sequences: list[str], scheme: str) -> list[AntibodyChain | None]:
    import contextlib
    import io

    from anarci import anarci

    with contextlib.redirect_stdout(io.StringIO()):  # ANARCI prints notes about species it fell back from
        numbered, details, _ = anarci([(f"s{i}", s) for i, s in enumerate(sequences)], scheme=scheme, output=False,
                                      hmmerpath=_hmmer_path(), assign_germline=False)
    return [_from_anarci(s, domains, hits, scheme) for s, domains, hits in zip(sequences, numbered, details)]


def _from_anarci(sequence: str, domains, hits, scheme: str) -> AntibodyChain | None:
    """The first antibody domain ANARCI found (T-cell receptor domains are not antibodies)."""
    for (numbering, start, stop), hit in zip(domains or (), hits or ()):
        kind = _ANARCI_TYPES.get(hit.get("chain_type"))
        if kind is None:
            continue
        numbers = [""] * len(sequence)
        position = start
        for (number, insertion), residue in numbering:
            if residue == "-":
                continue
            numbers[position] = f"{number}{insertion.strip()}"
            position += 1
        by_number = {int(re.match(r"\d+", n).group()): residue
                     for n, residue in zip(numbers, sequence) if n and not n[-1].isalpha()}
        if kind == "heavy" and _has_vhh_hallmarks(by_number, scheme):
            kind = "VHH"
        ranges = CDR_DEFINITIONS[scheme]["H" if kind in ("heavy", "VHH") else "L"]
        cdrs = [_cdr_of(n, ranges) for n in numbers]
        return AntibodyChain(kind, "anarci", scheme, (int(start), int(stop) + 1), tuple(numbers), tuple(cdrs))
    return None


def _cdr_of(number: str, ranges: dict[str, tuple[int, int]]) -> str:
    if not number:
        return ""
    value = int(re.match(r"\d+", number).group())
    return next((name for name, (low, high) in ranges.items() if low <= value <= high), "")


def _has_vhh_hallmarks(by_number: dict[int, str], scheme: str) -> bool:
    """At least two of the four VH/VL-interface positions carry camelid VHH residues."""
    hits = sum(by_number.get(position, "") in residues and by_number.get(position, "") != ""
               for position, residues in zip(_HALLMARKS[scheme], _VHH_RESIDUES))
    return hits >= 2


# --------------------------------------------------------------------------- J-motif fallback


def _j_motif(sequence: str, scheme: str) -> AntibodyChain | None:
    """Heavy or light chain by its J motif; IMGT CDR1 and CDR3 between their conserved anchors."""
    for kind, motif in _J_MOTIFS:
        j = next((m.start() for m in motif.finditer(sequence) if _J_WINDOW[0] <= m.start() <= _J_WINDOW[1]), None)
        if j is not None:
            break
    else:
        return None
    stop = min(len(sequence), j + (11 if kind == "heavy" else 10))  # domain end: J segment's last residue
    cdrs = [""] * len(sequence)
    found = []
    if scheme == "imgt":
        cys104 = _nearest(sequence, "C", 80, j - 3, 92 if kind == "heavy" else 87)
        if cys104 is not None:
            cdrs[cys104 + 1:j] = ["CDR3"] * (j - cys104 - 1)
            found.append("CDR3")
        cys23 = _nearest(sequence, "C", 15, 30, 22)
        trp41 = None if cys23 is None else _nearest(sequence, "W", cys23 + 10, cys23 + 22, cys23 + 14)
        if trp41 is not None:
            cdrs[cys23 + 4:trp41 - 2] = ["CDR1"] * (trp41 - 2 - cys23 - 4)
            found.insert(0, "CDR1")
    return AntibodyChain(kind, "j-motif", scheme, (0, stop), ("",) * len(sequence), tuple(cdrs), tuple(found))


def _nearest(sequence: str, residue: str, low: int, high: int, target: int) -> int | None:
    """Index of ``residue`` in ``sequence[low:high]`` closest to ``target``, or None."""
    places = [i for i in range(max(0, low), min(len(sequence), high)) if sequence[i] == residue]
    return min(places, key=lambda i: abs(i - target)) if places else None


def variable_domains(sequences: Sequence[str]) -> list[tuple[int, int] | None]:
    """``(start, stop)`` of each sequence's antibody variable domain, or None."""
    return [None if found is None else found.domain for found in number_chains(sequences)]
