"""Protein chains of PDB/mmCIF structures as numpy arrays.

:func:`load_structure` reads a structure (a file path, the text or bytes of a
file, a bundled example name, or a 4-character PDB id fetched once from RCSB,
resolved in that order: see its docstring) with Biopython and returns a
:class:`Structure`, a mapping from chain id to :class:`Chain`.
:func:`example` reads a bundled example and :func:`fetch_pdb` an RCSB entry,
whatever the name.  A chain holds
its observed residues as parallel arrays: one letter, one author residue id and
one CA/CB coordinate per residue, so residue index ``i`` means the same residue
in ``sequence``, ``residue_ids``, ``ca``, ``cb`` and every ``(L, L)`` map.

The file is parsed once (:mod:`.structure_parsing`) into an atom table,
``structure.atoms`` (:class:`~protattn_widgets.atoms.AtomTable`); each chain is
derived from that table, and so are interfaces, site labels and the text for
NGL.  The atom-level rules (which model, which alternate location, non-finite
coordinates as missing atoms) are stated once, in :mod:`.atoms`.

Rules
-----
* **Model**: the first model (``model=0``) unless another index is given; NMR
  ensembles work.  Alternate locations: Biopython's choice (see :mod:`.atoms`).
* **Residues**: a residue is kept iff it is an amino acid in Biopython's
  extended table (``Bio.PDB.Polypeptide.is_aa(res, standard=False)``: the 20
  standard ones plus about 1000 modified ones from the wwPDB chemical component
  dictionary).  Every residue reads as its parent amino acid from that
  table (``Bio.Data.PDBData.protein_letters_3to1_extended``: MSE -> M,
  SEP -> S, TPO -> T, PTR -> Y, HYP -> P, ABA -> A, ...), so the model sees
  a serine at a phosphoserine; ``residue_names`` keeps the file's own name
  (``"SEP"``) for hover text and figures.  Waters,
  ligands, sugars, caps and peptidomimetic groups that are not in that table
  (ACE, JG3, VME) are left out.  So 7hvp's inhibitor chain C
  (ACE-SER-LEU-ASN-JG3-ILE-VME) is a short protein chain ``"SLNI"`` with
  residue ids 1, 2, 3, 5.
* **Residue ids** are the author residue number plus insertion code
  (``"52A"``, ``"-3"``).  A letter code is appended as is; any other code
  (mmCIF allows digits) is joined with ``^`` (residue 3 code "1" is
  ``"3^1"``, never ``"31"``, which is residue 31).  ``index_of`` also
  accepts ``"52^A"`` (NGL's spelling).  Two residues with the same id in one
  chain make that chain unusable (:class:`StructureError` when accessed).
* **Deposited sequence**: the full sequence of the chain as deposited, from
  mmCIF ``_pdbx_poly_seq_scheme`` (each position carries its author residue
  id, so the observed residues are placed exactly) or PDB ``SEQRES``
  (observed residues placed by :func:`~protattn_widgets.sequences.map_onto`:
  identical letters, in order, gaps where the author numbering jumps).
  Residues are kept by the same rule as observed ones (caps such as ACE are
  left out).  The model reads this sequence by default
  (:meth:`Chain.model_input`) and the attention is restricted to the
  observed residues.  A mapping that fails makes ``model_input()`` raise a
  :class:`StructureError` naming the chain, never a shifted placement.
* **Missing atoms**: a residue without a CA atom is still in the sequence
  (it was observed), with a NaN row in ``ca``; every distance or contact
  involving a NaN coordinate is NaN or False.  ``cb`` is the real CB, else a
  virtual CB built from N, CA and C (glycine, truncated side chains), else NaN.
  A chain whose amino acids have no CA atom at all is not listed in
  ``chain_ids`` and raises :class:`StructureError` when accessed.
* **Chains**: only protein chains are listed, in file order.  DNA/RNA chains
  and ligand/water-only chains raise a clear error when accessed; a structure
  without any protein chain raises :class:`StructureError` when loaded.
  Chain ids are case-sensitive and never guessed.
* **Names**: a bundled example's name wins over the PDB id it spells (``"1crn"``
  is the bundled file, offline); :func:`fetch_pdb` always asks RCSB.
* **PDB ids** are downloaded as mmCIF from
  ``https://files.rcsb.org/download/{pdb_id}.cif`` (override with the
  ``PROTATTN_PDB_URL`` environment variable, a template with ``{pdb_id}``)
  into ``cache_dir`` (default ``cache_root()/"pdb"``) and read from there
  afterwards.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tempfile
from pathlib import Path
from typing import Iterator, Union

import numpy as np

from .atoms import AtomTable, NGLText, ngl_text, pdb_text
from .definitions import CONTACT_CUTOFF, CONTACT_MIN_SEPARATION
from .config import writable_cache_dir
from .download import DEFAULT_PDB_URL, download, pdb_url
from .examples import EXAMPLES, close_examples, example_path, is_example
from .errors import (ChainNotFoundError, InvalidOptionError, InvalidSequenceError, MissingResiduesWarning, ResidueNotFoundError,
                     StructureDownloadError, StructureError)
from .errors import warn as warn_user
from .sequences import clean_sequence, map_onto, numbering_gaps
from .structure_parsing import Deposited, Sites, parse_model, residue_id, residue_letter
from .structure_text import decode, looks_like_cif, read_text

__all__ = [
    "Chain",
    "ModelInput",
    "MissingResiduesWarning",
    "Structure",
    "residue_letter",
    "residue_id",
    "load_structure",
    "fetch_pdb",
    "example",
    "virtual_cb",
    "DEFAULT_PDB_URL",
    "MAX_PAIRWISE_RESIDUES",
]

_PDB_ID = re.compile(r"^[0-9][A-Za-z0-9]{3}$")
_CIF_SUFFIXES = {".cif", ".mmcif"}
_PDB_SUFFIXES = {".pdb", ".ent"}
_NUCLEOTIDES = {"A", "C", "G", "U", "T", "I", "N", "DA", "DC", "DG", "DT", "DU", "DI", "DN"}
_ATOMS = ("cb", "ca")

PathOrText = Union[str, "os.PathLike[str]"]


def virtual_cb(n: np.ndarray, ca: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Ideal-geometry CB positions from backbone atoms.

    Parameters
    ----------
    n, ca, c : ndarray, shape=(L, 3)
        Backbone N, CA and C coordinates; NaN rows give NaN rows.

    Returns
    -------
    ndarray, shape=(L, 3)
    """
    b = ca - n
    c_ = c - ca
    a = np.cross(b, c_)
    return -0.58273431 * a + 0.56802827 * b - 0.54067466 * c_ + ca


@dataclasses.dataclass(frozen=True, eq=False)
class ModelInput:
    """What a model reads for a chain, and where the chain's residues sit in it.

    Attributes
    ----------
    sequence : str
        The ``M`` residues the model reads (one letter each).
    positions : ndarray of int64, shape=(L,)
        Index in ``sequence`` of each of the chain's ``L`` observed residues,
        strictly increasing.  Attention over ``sequence`` restricted with
        ``values[..., positions[:, None], positions[None, :]]`` is attention
        between observed residues.
    source : {"deposited", "observed", "user"}
        Where ``sequence`` came from.
    """

    sequence: str
    positions: np.ndarray
    source: str

    def __post_init__(self) -> None:
        positions = np.asarray(self.positions, dtype=np.int64).reshape(-1)
        if positions.size and (positions[0] < 0 or positions[-1] >= len(self.sequence)
                               or (np.diff(positions) <= 0).any()):
            raise ValueError("positions must be strictly increasing indices into sequence")
        positions.setflags(write=False)
        object.__setattr__(self, "positions", positions)

    def __len__(self) -> int:
        return len(self.sequence)


@dataclasses.dataclass(frozen=True, eq=False)
class Chain:
    """The observed amino-acid residues of one protein chain.

    Attributes
    ----------
    chain_id : str
    structure_name : str
    sequence : str
        One letter per observed residue, length L (modified residues as
        their parent amino acid).
    residue_ids : list of str, length L
        Author residue number plus insertion code, e.g. ``"52A"``, ``"3^1"``.
    residue_names : list of str, length L
        Three-letter names as in the file, e.g. ``"SEP"``.
    ca, cb : ndarray, shape=(L, 3)
        CA and CB (real, else virtual) coordinates in Å, NaN where missing.
    deposited_sequence : str or None
        The chain's deposited sequence (``M >= L`` letters), ``None`` when the
        file has none (or it could not be matched, see ``deposited_error``).
    deposited_positions : ndarray of int64, shape=(L,), or None
        Index in ``deposited_sequence`` of each observed residue.
    deposited_error : str or None
        Why the observed residues could not be placed in the deposited
        sequence; :meth:`model_input` raises it.
    """

    chain_id: str
    structure_name: str
    sequence: str
    residue_ids: list[str]
    residue_names: list[str]
    ca: np.ndarray
    cb: np.ndarray
    deposited_sequence: str | None = None
    deposited_positions: np.ndarray | None = None
    deposited_error: str | None = None
    _memo: dict = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.sequence)

    def __getitem__(self, index: slice) -> "Chain":
        """Return the sub-chain of residues ``index`` (a slice).

        The sub-chain's deposited sequence is the span from its first to its
        last observed residue, extended to the deposited start (end) when the
        slice starts at the chain's first (ends at its last) residue: so
        ``chain[:]`` is the chain, and ``chain[:k]`` keeps the deposited
        residues before the first observed one.
        """
        if not isinstance(index, slice):
            raise TypeError("a Chain can only be sliced (chain[10:50]); use chain.sequence[i] for one residue")
        if index.step not in (None, 1):
            raise ValueError("a Chain slice must be contiguous (chain[10:50]): a step would drop residues "
                             "that the model and the contact map need")
        start, stop, _ = index.indices(len(self))
        stop = max(start, stop)
        deposited, positions = self.deposited_sequence, self.deposited_positions
        if deposited is not None and positions is not None:
            if stop > start:
                lo = 0 if start == 0 else int(positions[start])
                hi = len(deposited) if stop == len(self) else int(positions[stop - 1]) + 1
                deposited, positions = deposited[lo:hi], positions[start:stop] - lo
            else:
                deposited, positions = None, None
        return Chain(
            self.chain_id,
            self.structure_name,
            self.sequence[start:stop],
            self.residue_ids[start:stop],
            self.residue_names[start:stop],
            self.ca[start:stop],
            self.cb[start:stop],
            deposited,
            positions,
            self.deposited_error,
        )

    def __repr__(self) -> str:
        return f"<Chain {self.structure_name}:{self.chain_id} L={len(self)}>"

    def index_of(self, residue_id: str | int) -> int:
        """Return the index of the residue with author id ``residue_id`` (e.g. ``"52A"``, ``"52^A"``)."""
        key = str(residue_id).strip()
        if "^" in key and key not in self.residue_ids:
            number, _, code = key.partition("^")
            if code.isalpha():
                key = f"{number}{code}"
        try:
            return self.residue_ids.index(key)
        except ValueError:
            raise ResidueNotFoundError(
                f"residue {key!r} is not an observed residue of chain {self.chain_id!r} of "
                f"{self.structure_name} " + (f"(ids run {self.residue_ids[0]}..{self.residue_ids[-1]})"
                                             if self.residue_ids else "(it has no residues)")
            ) from None

    # ------------------------------------------------------------ model input

    def model_input(self, sequence: str | None = None) -> ModelInput:
        """The sequence a model reads for this chain and where the observed residues sit in it.

        Parameters
        ----------
        sequence : str, optional
            ``None`` (default): the deposited sequence when the file has one,
            else the observed residues (with a :class:`MissingResiduesWarning`
            when the author numbering jumps, a likely missing loop).
            ``"observed"``: the observed residues glued together.
            Any other string: the chain's full sequence, given by the user;
            the observed residues are placed in it.

        Returns
        -------
        ModelInput

        Raises
        ------
        StructureError
            The observed residues do not map onto the deposited (or given)
            sequence.
        InvalidSequenceError
            ``sequence`` is not a protein sequence.
        """
        if sequence is None:
            if self.deposited_error is not None:
                raise StructureError(
                    f"{self.deposited_error}. Pass sequence='observed' to read only the observed residues, "
                    "or the chain's full sequence as sequence='...'")
            if self.deposited_sequence is not None:
                return self._memoised(("input", None), lambda: ModelInput(
                    self.deposited_sequence, self.deposited_positions, "deposited"))
            if "warned" not in self._memo:
                self._memo["warned"] = True
                jumps = self.numbering_jumps()
                if jumps:
                    where = ", ".join(f"{self.residue_ids[i]}->{self.residue_ids[i + 1]}" for i in list(jumps)[:5])
                    warn_user(
                        f"chain {self.chain_id!r} of {self.structure_name} has no deposited sequence (SEQRES / "
                        f"_pdbx_poly_seq_scheme) and its author numbering jumps ({where}{', ...' if len(jumps) > 5 else ''}): "
                        "residues are probably missing, and the model reads the observed residues joined across "
                        "the gap. Pass the full sequence (sequence='...') to avoid that, or sequence='observed' "
                        "to silence this warning.", MissingResiduesWarning)
            return self._observed_input()
        if not isinstance(sequence, str):
            raise InvalidSequenceError(
                f"sequence must be None, 'observed' or a protein sequence, got {type(sequence).__name__}")
        if sequence == "observed":
            return self._observed_input()
        full = clean_sequence(sequence)
        return self._memoised(("input", full), lambda: self._user_input(full))

    def _observed_input(self) -> ModelInput:
        return self._memoised(("input", "observed"), lambda: ModelInput(
            self.sequence, np.arange(len(self), dtype=np.int64), "observed"))

    def _user_input(self, full: str) -> ModelInput:
        positions = map_onto(self.sequence, full, numbering_gaps(self.residue_ids))
        if positions is None:
            raise StructureError(
                f"the {len(self)} observed residues of chain {self.chain_id!r} of {self.structure_name} do not "
                f"map onto the given {len(full)}-residue sequence (every observed residue must appear in it, "
                "in order, with the same letter)")
        return ModelInput(full, positions, "user")

    def _memoised(self, key, make):
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def truncate(self, max_length: int) -> "Chain":
        """The longest prefix ``chain[:k]`` whose default :meth:`model_input` has at most ``max_length`` residues."""
        if max_length < 1:
            raise ValueError(f"max_length must be at least 1, got {max_length}")
        if self.deposited_sequence is None or self.deposited_positions is None:
            return self if len(self) <= max_length else self[:max_length]
        if len(self.deposited_sequence) <= max_length:
            return self
        # chain[:k] (k < L) reads deposited[:positions[k-1] + 1]
        k = int(np.searchsorted(self.deposited_positions, max_length, side="left"))
        return self[:min(k, len(self) - 1)]

    @property
    def gaps_after(self) -> dict[int, int]:
        """Missing residues between neighbours: ``{i: n}`` means ``n`` residues are missing between ``i`` and ``i + 1``.

        From the deposited sequence when known, else estimated from jumps in
        the author numbering (:meth:`numbering_jumps`).
        """
        if self.deposited_positions is not None:
            steps = np.diff(self.deposited_positions) - 1
            return {int(i): int(steps[i]) for i in np.flatnonzero(steps > 0)}
        return self.numbering_jumps()

    def numbering_jumps(self) -> dict[int, int]:
        """``{i: n}`` where the author number jumps by ``n + 1`` from residue ``i`` to ``i + 1``."""
        expected = numbering_gaps(self.residue_ids)
        return {int(i): int(expected[i]) for i in np.flatnonzero(expected > 0)}

    def _coords(self, atom: str) -> np.ndarray:
        if atom not in _ATOMS:
            raise InvalidOptionError(f"atom must be one of {_ATOMS}, not {atom!r}")
        return self.ca if atom == "ca" else self.cb

    def _check_pairwise(self, what: str, itemsize: int) -> None:
        """Refuse an ``(L, L)`` map of a chain too long for one, before anything is allocated."""
        n = len(self)
        if n > MAX_PAIRWISE_RESIDUES:
            raise StructureError(
                f"chain {self.chain_id!r} of {self.structure_name} has {n:,} residues: its {what} would be a "
                f"({n:,}, {n:,}) array of {n * n * itemsize / 2**30:,.0f} GiB. Pairwise maps are built for "
                f"chains of at most {MAX_PAIRWISE_RESIDUES:,} residues; take a window, e.g. "
                f"chain[0:{MAX_PAIRWISE_RESIDUES}]")

    def coordinate_mask(self, atom: str = "cb") -> np.ndarray:
        """Which residues have an ``atom`` ("cb" or "ca") coordinate.

        Returns
        -------
        ndarray of bool, shape=(L,)
        """
        return ~np.isnan(self._coords(atom)).any(axis=1)

    def distance_map(self, atom: str = "cb") -> np.ndarray:
        """Pairwise ``atom`` ("cb" or "ca") distances in Å.

        Returns
        -------
        ndarray of float, shape=(L, L)
            NaN where either residue lacks the coordinate.
        """
        x = self._coords(atom)
        self._check_pairwise("distance map", 8)
        return _distances(x, x)

    def pair_mask(self, atom: str = "cb") -> np.ndarray:
        """Which residue pairs have both ``atom`` coordinates: the pairs a contact statistic can count.

        Returns
        -------
        ndarray of bool, shape=(L, L)
        """
        has = self.coordinate_mask(atom)
        self._check_pairwise("pair mask", 1)
        return has[:, None] & has[None, :]

    def contact_map(self, cutoff: float = CONTACT_CUTOFF, min_separation: int = CONTACT_MIN_SEPARATION, atom: str = "cb") -> np.ndarray:
        """Residue pairs closer than ``cutoff`` Å and ``min_separation`` apart in sequence.

        Parameters
        ----------
        cutoff : float
            Distance threshold in Å (strict ``<``), finite and positive.
        min_separation : int
            Minimum ``|i - j|`` in observed-residue indices, ``>= 0``.
        atom : {"cb", "ca"}

        Returns
        -------
        ndarray of bool, shape=(L, L)
            Symmetric; False for pairs with a missing coordinate.  Read-only:
            computed once per chain and shared by every caller.

        Raises
        ------
        InvalidOptionError
            ``cutoff`` is not a finite positive number (``"8"``, NaN, -1), or
            ``min_separation`` not a whole number ``>= 0``.
        StructureError
            The chain has more than :data:`MAX_PAIRWISE_RESIDUES` residues.
        """
        cutoff = _positive_number(cutoff, "cutoff")
        min_separation = _whole_number(min_separation, "min_separation")
        x = self._coords(atom)
        key = ("contacts", cutoff, min_separation, atom)
        if key not in self._memo:  # views and statistics ask again and again: computed once per chain
            self._check_pairwise("contact map", 1)
            n = len(self)
            contacts = np.empty((n, n), dtype=bool)
            idx = np.arange(n)
            rows = max(1, _BLOCK_VALUES // max(n, 1))  # a block of rows at a time: no (L, L) float array
            for start in range(0, n, rows):
                stop = min(n, start + rows)
                with np.errstate(invalid="ignore"):
                    close = _distances(x[start:stop], x) < cutoff
                contacts[start:stop] = close & (np.abs(idx[start:stop, None] - idx[None, :]) >= min_separation)
            contacts.setflags(write=False)
            self._memo[key] = contacts
        return self._memo[key]


#: Chains longer than this get no ``(L, L)`` map (a 20,000-residue bool map is 400 MB, its
#: distance map 3.2 GB): a clear error instead of a MemoryError asking for hundreds of GiB.
MAX_PAIRWISE_RESIDUES = 20_000
_BLOCK_VALUES = 1 << 22  # distances computed at once by contact_map (~100 MB of float64 temporaries)


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances, shape=(len(a), len(b)); NaN where a row is NaN."""
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1))


def _positive_number(value: object, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidOptionError(f"{name} must be a number of Å, got {value!r}")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise InvalidOptionError(f"{name} must be a finite positive number of Å, got {value}")
    return value


def _whole_number(value: object, name: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 0:
        raise InvalidOptionError(f"{name} must be a whole number >= 0, got {value!r}")
    return int(value)


class Structure:
    """The protein chains of one model of a structure, and the atom table they derive from.

    Attributes
    ----------
    name : str
        File stem, PDB id, or ``"structure"`` for text.
    text : str
        The original file text.
    format : {"pdb", "cif"}
    chain_ids : list of str
        Protein chains in file order.
    model : int
        Index of the model read.
    atoms : AtomTable
        Every atom of that model (ligands and water too), parsed once: chains,
        interfaces (:mod:`.atoms`), site labels and the text for NGL all read it.
    sites : dict of site id -> frozenset of (chain id, author residue id)
        The file's site records (PDB ``SITE``, mmCIF ``_struct_site_gen``);
        empty when it has none.
    """

    def __init__(self, name: str, text: str, format: str, model: int,
                 chains: dict[str, Chain], problems: dict[str, tuple[str, str]],
                 atoms: AtomTable | None = None, sites: Sites | None = None,
                 secondary_structure: tuple[str, ...] = ()):
        self.name = name
        self.text = text
        self.format = format
        self.model = model
        self._chains = chains
        self._problems = problems  # unusable chain id -> (kind, why)
        self.chain_ids = list(chains)
        self.atoms = atoms
        self.sites = dict(sites or {})
        self._secondary_structure = tuple(secondary_structure)  # HELIX/SHEET lines for NGL
        self._ngl: NGLText | None = None

    def to_pdb(self) -> str:
        """PDB ``ATOM``/``HETATM`` text of the model read, written from :attr:`atoms` (every atom
        with a coordinate, its element in columns 77-78).  See :func:`~protattn_widgets.atoms.pdb_text`."""
        return pdb_text(self._table())

    def to_ngl_text(self) -> NGLText:
        """``(text, ext)`` for NGL: PDB from :attr:`atoms` where PDB can hold it, else a complete mmCIF.

        Computed once per structure.  It holds only the model read, so NGL's
        model index is 0 whatever ``model`` was.  See
        :func:`~protattn_widgets.atoms.ngl_text`.
        """
        if self._ngl is None:
            self._ngl = ngl_text(self._table(), self._secondary_structure)
        return self._ngl

    def _table(self) -> AtomTable:
        if self.atoms is None:
            raise StructureError(f"{self.name} was built without an atom table; load it with load_structure")
        return self.atoms

    def __getitem__(self, chain_id: str) -> Chain:
        if chain_id in self._chains:
            return self._chains[chain_id]
        listed = ", ".join(self.chain_ids)
        if chain_id in self._problems:
            kind, why = self._problems[chain_id]
            error = ChainNotFoundError if kind == "other" else StructureError
            raise error(f"chain {chain_id!r} of {self.name} {why}; protein chains: {listed}")
        hint = ""
        if any(c.lower() == str(chain_id).lower() for c in self.chain_ids):
            hint = " (chain ids are case-sensitive)"
        raise ChainNotFoundError(
            f"no chain {chain_id!r} in {self.name}{hint}; protein chains: {listed}"
        )

    def __iter__(self) -> Iterator[Chain]:
        return iter(self._chains.values())

    def __len__(self) -> int:
        return len(self._chains)

    def __contains__(self, chain_id: object) -> bool:
        return chain_id in self._chains

    def __repr__(self) -> str:
        chains = ", ".join(f"{c.chain_id}:{len(c)}" for c in self)
        return f"<Structure {self.name} ({self.format}) chains {chains}>"


def load_structure(source: PathOrText | bytes, *, model: int = 0,
                   cache_dir: str | os.PathLike[str] | None = None) -> Structure:
    """Read the protein chains of a structure.

    ``source`` is resolved by one rule, the same in Python, the ``protattn``
    command line, the demo and the widgets:

    1. ``bytes``, or a string with a line break: the content of a PDB/mmCIF
       file (optionally gzipped, for bytes);
    2. a path to an existing file (``.pdb``/``.ent``/``.cif``/``.mmcif``,
       optionally ``.gz``);
    3. the name of a bundled example (:data:`~protattn_widgets.examples.EXAMPLES`,
       any case): ``"1vfb_complex"``, and ``"1a0q"``, ``"7hvp"``, ``"1crn"``,
       ``"1ubq"``, which are also PDB ids but always mean the bundled file, so
       they work offline (:func:`example`);
    4. any other 4-character PDB id: downloaded from RCSB once, then read
       from the cache (:func:`fetch_pdb`; call it directly to get RCSB's
       entry of a bundled id).

    Parameters
    ----------
    source : str, PathLike or bytes
    model : int
        Index of the model to read (NMR ensembles hold several).
    cache_dir : str or PathLike, optional
        Where downloaded entries are kept; default ``cache_root()/"pdb"``.

    Returns
    -------
    Structure

    Raises
    ------
    StructureError
        Missing, empty, binary or unparsable input, a source of the wrong
        type, no protein chain, bad ``model``.
    StructureDownloadError
        A PDB id could not be downloaded (the message names a bundled
        example the id may have meant, e.g. ``1vfb`` -> ``1vfb_complex``).
    """
    model = _check_model(model)
    if isinstance(source, (bytes, bytearray, memoryview)):
        text = decode(bytes(source), "the given bytes")
        fmt = "cif" if looks_like_cif(text) else "pdb"
        return _parse(text, fmt, "structure", "the given bytes", model)
    if not isinstance(source, (str, os.PathLike)):
        raise StructureError(
            f"load_structure takes a file path, the text of a PDB/mmCIF file, its bytes, a bundled "
            f"example name or a 4-character PDB id, not {type(source).__name__}")
    if isinstance(source, str) and ("\n" in source or "\r" in source):
        fmt = "cif" if looks_like_cif(source) else "pdb"
        return _parse(source, fmt, "structure", "the given text", model)
    path = Path(source)
    try:
        is_file = path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL character
        is_file = False
    if is_file:
        return _load_file(path, model)
    if is_example(source):
        return example(source, model=model)
    if isinstance(source, str) and _PDB_ID.match(source.strip()):
        try:
            return fetch_pdb(source, model=model, cache_dir=cache_dir)
        except StructureDownloadError as exc:
            close = close_examples(source)
            if not close:
                raise
            raise StructureDownloadError(
                f"{str(exc).rstrip('.')}. A bundled example is named {close[0]!r}: load_structure({close[0]!r}) "
                f"(on the command line: {close[0]}) reads it offline.") from None
    shown = str(source) if len(str(source)) <= 80 else f"{str(source)[:60]}... ({len(str(source))} characters)"
    close = close_examples(source) if isinstance(source, str) and len(source) <= 80 else []
    hint = f"; did you mean the bundled example {close[0]!r}?" if close else ""
    if len(str(source)) > 255:
        raise StructureError(
            f"{shown!r} is not an existing file, the text of a PDB/mmCIF file (which has line breaks), "
            "a bundled example name or a 4-character PDB id")
    if not isinstance(source, str) or path.suffix or os.sep in source:
        raise StructureError(f"no such file: {shown}{hint}")
    raise StructureError(
        f"{shown!r} is not an existing file, the text of a PDB/mmCIF file, a bundled example name "
        f"({', '.join(EXAMPLES)}) or a 4-character PDB id{hint}"
    )


def example(name: str, *, model: int = 0) -> Structure:
    """A bundled example structure (:data:`~protattn_widgets.examples.EXAMPLES`), read offline.

    Raises :class:`~protattn_widgets.errors.ExampleNotFoundError` listing the
    examples for any other name.
    """
    return _load_file(example_path(name), _check_model(model))


def fetch_pdb(pdb_id: str, *, model: int = 0, cache_dir: str | os.PathLike[str] | None = None) -> Structure:
    """The RCSB entry ``pdb_id`` as mmCIF: downloaded once into ``cache_dir``, then read from there.

    Unlike :func:`load_structure`, a bundled example's id (``"1crn"``) is
    fetched from RCSB too.  The URL is ``PROTATTN_PDB_URL`` (a template with
    ``{pdb_id}``), default :data:`DEFAULT_PDB_URL`.

    Raises
    ------
    StructureError
        ``pdb_id`` is not a 4-character PDB id, or the entry cannot be parsed.
    StructureDownloadError
        The entry could not be downloaded.
    """
    model = _check_model(model)
    if not isinstance(pdb_id, str) or not _PDB_ID.match(pdb_id.strip()):
        raise StructureError(f"{pdb_id!r} is not a PDB id (4 characters, a digit first, e.g. '1crn')")
    pdb_id = pdb_id.strip().upper()
    folder = Path(cache_dir) if cache_dir is not None else writable_cache_dir("pdb")  # warns, falls back
    text, cached = _fetch_pdb(pdb_id, folder)
    try:
        return _parse(text, "cif", pdb_id, f"PDB entry {pdb_id}", model)
    except StructureError:
        if not cached:
            raise
        _discard(folder / f"{pdb_id.lower()}.cif", "cannot be parsed")
        text, _ = _fetch_pdb(pdb_id, folder)
        return _parse(text, "cif", pdb_id, f"PDB entry {pdb_id}", model)


def _check_model(model: object) -> int:
    """``model`` as an int, or a clean error (``model='0'`` or ``1.5`` is a mistake, not a model)."""
    if isinstance(model, (bool, np.bool_)) or not isinstance(model, (int, np.integer)):
        raise StructureError(f"model must be a whole number (0 for the first model), got {model!r}")
    return int(model)


def _load_file(path: Path, model: int) -> Structure:
    text = read_text(path)
    stem = Path(path.name[:-3] if path.name.lower().endswith(".gz") else path.name)
    ext = stem.suffix.lower()
    if ext in _CIF_SUFFIXES:
        fmt = "cif"
    elif ext in _PDB_SUFFIXES:
        fmt = "pdb"
    else:
        fmt = "cif" if looks_like_cif(text) else "pdb"
    return _parse(text, fmt, stem.stem, str(path), model)


def _discard(path: Path, why: str) -> None:
    warn_user(f"cached PDB entry {path} {why}; downloading it again")
    path.unlink(missing_ok=True)


def _fetch_pdb(pdb_id: str, cache_dir: Path) -> tuple[str, bool]:
    """``(text, came_from_cache)`` of a PDB entry."""
    cached = cache_dir / f"{pdb_id.lower()}.cif"
    if cached.is_file():
        try:
            return read_text(cached), True
        except StructureError:
            _discard(cached, "is not a text mmCIF file")
    url = pdb_url(pdb_id)  # bounded in total time and size (see download.py)
    data = download(url, f"PDB entry {pdb_id!r}")
    text = decode(data, f"the download of {pdb_id} from {url}")
    # Parse before caching so a broken download is never cached.
    _parse(text, "cif", pdb_id, f"PDB entry {pdb_id} from {url}", 0)
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f".{pdb_id.lower()}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, cached)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return text, False


def _parse(text: str, fmt: str, name: str, origin: str, model: int) -> Structure:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")  # Windows and old Mac line endings
    parsed = parse_model(text, fmt, name, origin, model)
    table = parsed.atoms
    chains: dict[str, Chain] = {}
    problems: dict[str, tuple[str, str]] = {}
    for cid in table.chain_ids:
        rows = table.chain_residues(cid)
        if not len(rows):
            names = set(table.res_name[table.res_chain == table.chain_ids.index(cid)].tolist())
            if names & _NUCLEOTIDES:
                problems[cid] = ("nucleic", "is a DNA/RNA chain; only protein chains are supported")
            else:
                problems[cid] = ("other", "holds only ligands/water, no amino acids")
            continue
        try:
            chain = _chain_from_table(table, rows, cid, name, parsed.deposited.get(cid))
        except StructureError as exc:
            problems[cid] = ("bad", str(exc))
            continue
        if np.isnan(chain.ca).all():
            problems[cid] = ("no_ca", f"has {len(chain)} amino-acid residues but no CA atom")
            continue
        chains[cid] = chain
    if not chains:
        details = "; ".join(f"chain {c!r} {why}" for c, (_, why) in problems.items())
        raise StructureError(f"{origin} has no usable protein chain ({details})")
    return Structure(name, text, fmt, model, chains, problems, atoms=table, sites=parsed.sites,
                     secondary_structure=parsed.secondary_structure)


def _place(sequence: str, names: list[str], residue_ids: list[str], deposited: Deposited,
           where: str) -> tuple[str | None, np.ndarray | None, str | None]:
    """``(deposited_sequence, positions, error)`` of a chain's observed residues."""
    letters, ids, allowed, source = deposited
    if ids is not None:
        index = {rid: k for k, rid in enumerate(ids)}
        if len(index) != len(ids):
            return None, None, f"{where}: {source} lists an author residue id twice"
        positions = np.empty(len(residue_ids), dtype=np.int64)
        for i, (rid, name) in enumerate(zip(residue_ids, names)):
            k = index.get(rid)
            if k is None:
                return None, None, f"{where}: observed residue {rid} ({name}) is not in {source}"
            if name.upper() not in allowed[k] and residue_letter(name) != letters[k]:
                return None, None, (f"{where}: observed residue {rid} is {name} but {source} has "
                                    f"{'/'.join(sorted(allowed[k]))} there")
            positions[i] = k
        if (np.diff(positions) <= 0).any():
            return None, None, f"{where}: the observed residues are not in the order of {source}"
        return letters, positions, None
    positions = map_onto(sequence, letters, numbering_gaps(residue_ids))
    if positions is None:
        return None, None, (f"{where}: its {len(sequence)} observed residues do not map onto the "
                            f"{len(letters)}-residue deposited sequence ({source}): every observed residue "
                            "must appear in it, in order, with the same letter")
    return letters, positions, None


def _chain_from_table(table: AtomTable, rows: np.ndarray, chain_id: str, structure_name: str,
                      deposited: Deposited | None = None) -> Chain:
    """The :class:`Chain` of residues ``rows`` of the atom table (CA, real or virtual CB, ids, names)."""
    names = table.res_name[rows].tolist()
    sequence = "".join(map(residue_letter, names))
    residue_ids = [residue_id(int(number), code) for number, code in zip(table.res_seq[rows], table.res_icode[rows])]
    if len(set(residue_ids)) != len(residue_ids):
        seen: set[str] = set()
        duplicate = next(rid for rid in residue_ids if rid in seen or seen.add(rid))
        raise StructureError(f"has two residues with id {duplicate!r}; residue ids must be unique within a chain")
    n, ca, c, cb = (table.residue_atom_coords(rows, atom) for atom in ("N", "CA", "C", "CB"))
    with np.errstate(invalid="ignore", over="ignore"):
        cb = np.where(np.isnan(cb), virtual_cb(n, ca, c), cb)
    cb[~np.isfinite(cb).all(axis=1)] = np.nan
    for array in (ca, cb):
        array.setflags(write=False)
    dep_seq = dep_pos = error = None
    if deposited is not None:
        dep_seq, dep_pos, error = _place(sequence, names, residue_ids, deposited,
                                         f"chain {chain_id!r} of {structure_name}")
        if dep_pos is not None:
            dep_pos.setflags(write=False)
    return Chain(chain_id, structure_name, sequence, residue_ids, names, ca, cb, dep_seq, dep_pos, error)
