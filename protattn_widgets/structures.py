"""Protein chains of PDB/mmCIF structures as numpy arrays.

:func:`load_structure` reads a structure (a file path, the text of a file, or a
4-character PDB id fetched once from RCSB) with Biopython and returns a
:class:`Structure`, a mapping from chain id to :class:`Chain`.  A chain holds
its observed residues as parallel arrays: one letter, one author residue id and
one CA/CB coordinate per residue, so residue index ``i`` means the same residue
in ``sequence``, ``residue_ids``, ``ca``, ``cb`` and every ``(L, L)`` map.

Rules
-----
* **Model**: the first model (``model=0``) unless another index is given; NMR
  ensembles work.
* **Alternate locations**: Biopython's default, i.e. each atom takes its
  highest-occupancy location (for a point mutation, the residue Biopython
  selects).
* **Residues**: a residue is kept iff it is an amino acid in Biopython's
  extended table (``Bio.PDB.Polypeptide.is_aa(res, standard=False)``: the 20
  standard ones plus about 1000 modified ones from the wwPDB chemical component
  dictionary).  The 20 standard residues get their usual letter, MSE gets
  ``M`` and every other modified residue (ABA, FME, ...) gets ``X``.  Waters,
  ligands, sugars, caps and peptidomimetic groups that are not in that table
  (ACE, JG3, VME) are left out.  So 7hvp's inhibitor chain C
  (ACE-SER-LEU-ASN-JG3-ILE-VME) is a short protein chain ``"SLNI"`` with
  residue ids 1, 2, 3, 5.  This matches the "observed sequence" convention
  of the bundled data and annotations.
* **Residue ids** are the author residue number plus insertion code
  (``"52A"``, ``"-3"``).
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
* **PDB ids** are downloaded as mmCIF from
  ``https://files.rcsb.org/download/{pdb_id}.cif`` (override with the
  ``PROTATTN_PDB_URL`` environment variable, a template with ``{pdb_id}``)
  into ``cache_dir`` (default ``cache_root()/"pdb"``) and read from there
  afterwards.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import os
import re
import tempfile
import warnings
from pathlib import Path
from typing import Iterator, Union

import numpy as np
from Bio.Data.PDBData import protein_letters_3to1
from Bio.PDB import MMCIFParser, PDBParser
from Bio.PDB.Polypeptide import is_aa

from .config import cache_root
from .download import DEFAULT_PDB_URL, download, pdb_url
from .errors import ChainNotFoundError, ResidueNotFoundError, StructureDownloadError, StructureError

__all__ = [
    "Chain",
    "Structure",
    "load_structure",
    "virtual_cb",
    "DEFAULT_PDB_URL",
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
class Chain:
    """The observed amino-acid residues of one protein chain.

    Attributes
    ----------
    chain_id : str
    structure_name : str
    sequence : str
        One letter per observed residue, length L.
    residue_ids : list of str, length L
        Author residue number plus insertion code, e.g. ``"52A"``.
    residue_names : list of str, length L
        Three-letter names as in the file, e.g. ``"MSE"``.
    ca, cb : ndarray, shape=(L, 3)
        CA and CB (real, else virtual) coordinates in Å, NaN where missing.
    """

    chain_id: str
    structure_name: str
    sequence: str
    residue_ids: list[str]
    residue_names: list[str]
    ca: np.ndarray
    cb: np.ndarray
    _memo: dict = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.sequence)

    def __getitem__(self, index: slice) -> "Chain":
        """Return the sub-chain of residues ``index`` (a slice)."""
        if not isinstance(index, slice):
            raise TypeError("a Chain can only be sliced (chain[10:50]); use chain.sequence[i] for one residue")
        if index.step not in (None, 1):
            raise ValueError("a Chain slice must be contiguous (chain[10:50]): a step would drop residues "
                             "that the model and the contact map need")
        return Chain(
            self.chain_id,
            self.structure_name,
            self.sequence[index],
            self.residue_ids[index],
            self.residue_names[index],
            self.ca[index],
            self.cb[index],
        )

    def __repr__(self) -> str:
        return f"<Chain {self.structure_name}:{self.chain_id} L={len(self)}>"

    def index_of(self, residue_id: str | int) -> int:
        """Return the index of the residue with author id ``residue_id`` (e.g. ``"52A"``)."""
        key = str(residue_id).strip()
        try:
            return self.residue_ids.index(key)
        except ValueError:
            raise ResidueNotFoundError(
                f"residue {key!r} is not an observed residue of chain {self.chain_id!r} of "
                f"{self.structure_name} (ids run {self.residue_ids[0]}..{self.residue_ids[-1]})"
            ) from None

    def _coords(self, atom: str) -> np.ndarray:
        if atom not in _ATOMS:
            raise ValueError(f"atom must be one of {_ATOMS}, not {atom!r}")
        return self.ca if atom == "ca" else self.cb

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
        return np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=-1))

    def pair_mask(self, atom: str = "cb") -> np.ndarray:
        """Which residue pairs have both ``atom`` coordinates: the pairs a contact statistic can count.

        Returns
        -------
        ndarray of bool, shape=(L, L)
        """
        has = self.coordinate_mask(atom)
        return has[:, None] & has[None, :]

    def contact_map(self, cutoff: float = 8.0, min_separation: int = 6, atom: str = "cb") -> np.ndarray:
        """Residue pairs closer than ``cutoff`` Å and ``min_separation`` apart in sequence.

        Parameters
        ----------
        cutoff : float
            Distance threshold in Å (strict ``<``).
        min_separation : int
            Minimum ``|i - j|`` in observed-residue indices.
        atom : {"cb", "ca"}

        Returns
        -------
        ndarray of bool, shape=(L, L)
            Symmetric; False for pairs with a missing coordinate.  Read-only:
            computed once per chain and shared by every caller.
        """
        key = ("contacts", float(cutoff), int(min_separation), atom)
        if key not in self._memo:  # views and statistics ask again and again: computed once per chain
            with np.errstate(invalid="ignore"):
                close = self.distance_map(atom) < cutoff
            idx = np.arange(len(self))
            contacts = close & (np.abs(idx[:, None] - idx[None, :]) >= min_separation)
            contacts.setflags(write=False)
            self._memo[key] = contacts
        return self._memo[key]


class Structure:
    """The protein chains of one model of a structure.

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
    """

    def __init__(self, name: str, text: str, format: str, model: int,
                 chains: dict[str, Chain], problems: dict[str, tuple[str, str]]):
        self.name = name
        self.text = text
        self.format = format
        self.model = model
        self._chains = chains
        self._problems = problems  # unusable chain id -> (kind, why)
        self.chain_ids = list(chains)

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


def load_structure(source: PathOrText, *, model: int = 0,
                   cache_dir: str | os.PathLike[str] | None = None) -> Structure:
    """Read the protein chains of a structure.

    Parameters
    ----------
    source : str or PathLike
        A path to a ``.pdb``/``.ent``/``.cif``/``.mmcif`` file (optionally
        ``.gz``), the text of such a file (a string with newlines), or a
        4-character PDB id such as ``"1ABC"``.
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
        Missing, empty or unparsable input, no protein chain, bad ``model``.
    StructureDownloadError
        A PDB id could not be downloaded.
    """
    if isinstance(source, str) and "\n" in source:
        fmt = "cif" if _looks_like_cif(source) else "pdb"
        return _parse(source, fmt, "structure", "the given text", model)
    path = Path(source)
    if path.is_file():
        text = _read_text(path)
        stem = Path(path.name[:-3] if path.name.lower().endswith(".gz") else path.name)
        ext = stem.suffix.lower()
        if ext in _CIF_SUFFIXES:
            fmt = "cif"
        elif ext in _PDB_SUFFIXES:
            fmt = "pdb"
        else:
            fmt = "cif" if _looks_like_cif(text) else "pdb"
        return _parse(text, fmt, stem.stem, str(path), model)
    if isinstance(source, str) and _PDB_ID.match(source.strip()):
        pdb_id = source.strip().upper()
        text = _fetch_pdb(pdb_id, Path(cache_dir) if cache_dir is not None else cache_root() / "pdb")
        return _parse(text, "cif", pdb_id, f"PDB entry {pdb_id}", model)
    if not isinstance(source, str) or path.suffix or os.sep in source:
        raise StructureError(f"no such file: {path}")
    raise StructureError(
        f"{str(source)!r} is not an existing file, the text of a PDB/mmCIF file, or a 4-character PDB id"
    )


def _looks_like_cif(text: str) -> bool:
    return text.lstrip().startswith("data_") or "_atom_site." in text


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise StructureError(f"{path} is a corrupt gzip file: {exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise StructureError(f"{path} is not a text PDB/mmCIF file (binary data)") from None
    if "\x00" in text:
        raise StructureError(f"{path} is not a text PDB/mmCIF file (binary data)")
    return text


def _fetch_pdb(pdb_id: str, cache_dir: Path) -> str:
    cached = cache_dir / f"{pdb_id.lower()}.cif"
    if cached.is_file():
        return cached.read_text()
    url = pdb_url(pdb_id)  # bounded in total time and size (see download.py)
    data = download(url, f"PDB entry {pdb_id!r}")
    text = data.decode("utf-8", errors="replace")
    # Parse before caching so a broken download is never cached.
    _parse(text, "cif", pdb_id, f"PDB entry {pdb_id} from {url}", 0)
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f".{pdb_id.lower()}.", suffix=".part")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, cached)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return text


def _parse(text: str, fmt: str, name: str, origin: str, model: int) -> Structure:
    if not text.strip():
        raise StructureError(f"{origin} is empty")
    parser = MMCIFParser(QUIET=True) if fmt == "cif" else PDBParser(QUIET=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bio = parser.get_structure(name, io.StringIO(text))
    except Exception as exc:  # Biopython raises many types on corrupt input
        detail = f"missing item {exc}" if isinstance(exc, KeyError) else str(exc)
        raise StructureError(f"could not parse {origin} as {'mmCIF' if fmt == 'cif' else 'PDB'}: {detail}") from None
    models = list(bio)
    if not models:
        raise StructureError(f"{origin} has no ATOM/HETATM records (is it a {fmt.upper()} file?)")
    if not 0 <= model < len(models):
        raise StructureError(
            f"model {model} does not exist: {origin} has {len(models)} model(s), indices 0..{len(models) - 1}"
        )
    chains: dict[str, Chain] = {}
    problems: dict[str, tuple[str, str]] = {}
    for bio_chain in models[model]:
        cid = bio_chain.id
        residues = [r for r in bio_chain if is_aa(r, standard=False)]
        if not residues:
            if any(r.get_resname().strip() in _NUCLEOTIDES for r in bio_chain):
                problems[cid] = ("nucleic", "is a DNA/RNA chain; only protein chains are supported")
            else:
                problems[cid] = ("other", "holds only ligands/water, no amino acids")
            continue
        chain = _chain_arrays(residues, cid, name)
        if np.isnan(chain.ca).all():
            problems[cid] = ("no_ca", f"has {len(chain)} amino-acid residues but no CA atom")
            continue
        chains[cid] = chain
    if not chains:
        details = "; ".join(f"chain {c!r} {why}" for c, (_, why) in problems.items())
        raise StructureError(f"{origin} has no usable protein chain ({details})")
    return Structure(name, text, fmt, model, chains, problems)


def _chain_arrays(residues: list, chain_id: str, structure_name: str) -> Chain:
    names = [r.get_resname().strip() for r in residues]
    sequence = "".join("M" if n == "MSE" else protein_letters_3to1.get(n, "X") for n in names)
    residue_ids = [f"{r.id[1]}{r.id[2].strip()}" for r in residues]
    n, ca, c, cb = (
        np.array([r[a].coord if a in r else (np.nan,) * 3 for r in residues], dtype=float)
        for a in ("N", "CA", "C", "CB")
    )
    cb = np.where(np.isnan(cb), virtual_cb(n, ca, c), cb)
    for array in (ca, cb):
        array.setflags(write=False)
    return Chain(chain_id, structure_name, sequence, residue_ids, names, ca, cb)
