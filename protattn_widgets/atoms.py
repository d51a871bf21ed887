"""All heavy atoms of a structure's protein chains, and residues at an interface.

:mod:`.structures` keeps one CA and one CB per residue; a paratope needs every
heavy atom.  :func:`heavy_atoms` re-reads the structure's text with the same
rules as :func:`~protattn_widgets.structures.load_structure` (first model
unless told otherwise, Biopython's altloc choice, amino acids in Biopython's
extended table), so atom ``residue_index`` values index the same residues as
``Chain.sequence``.  Atoms with a NaN or infinite coordinate are left out
(missing, as in :mod:`.structures`).

>>> structure = load_structure(example_path("1vfb_complex"))
>>> paratope = interface_residues(structure, "B", ["C"], cutoff=4.5)   # bool, shape (116,)
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from Bio.PDB import MMCIFParser, PDBParser
from Bio.PDB.Polypeptide import is_aa

from .errors import ChainNotFoundError, StructureError

__all__ = ["AtomArray", "heavy_atoms", "interface_residues", "chain_interfaces"]


@dataclass(frozen=True, eq=False)
class AtomArray:
    """Heavy atoms of one chain as parallel arrays.

    Attributes
    ----------
    chain_id : str
    coords : ndarray, shape=(n, 3)
        Coordinates in Å.
    residue_index : ndarray of int, shape=(n,)
        0-based index of each atom's residue in ``Chain.sequence``.
    atom_names : ndarray of str, shape=(n,)
    """

    chain_id: str
    coords: np.ndarray
    residue_index: np.ndarray
    atom_names: np.ndarray

    def __len__(self) -> int:
        return len(self.coords)


def heavy_atoms(structure, chain_id: str, _model=None) -> AtomArray:
    """The non-hydrogen atoms of the amino-acid residues of ``structure[chain_id]``.

    Parameters
    ----------
    structure : Structure
        From :func:`~protattn_widgets.structures.load_structure` (its ``text`` is re-read).
    chain_id : str

    Returns
    -------
    AtomArray
    """
    chain = structure[chain_id]  # raises the structures layer's errors for bad ids
    bio_chain = (_model if _model is not None else _bio_model(structure))[chain_id]
    residues = [r for r in bio_chain if is_aa(r, standard=False)]
    if len(residues) != len(chain):
        raise StructureError(f"chain {chain_id!r} of {structure.name}: {len(residues)} residues re-read, "
                             f"{len(chain)} expected")
    coords, index, names = [], [], []
    for i, residue in enumerate(residues):
        for atom in residue:
            if atom.element in ("H", "D"):  # hydrogens (NMR files) and deuterium
                continue
            coords.append(atom.coord)
            index.append(i)
            names.append(atom.get_id())
    coords = np.asarray(coords, dtype=float).reshape(-1, 3)
    finite = np.isfinite(coords).all(axis=1)
    return AtomArray(chain_id, coords[finite], np.asarray(index, dtype=np.int64)[finite],
                     np.asarray(names, dtype=str)[finite])


def interface_residues(structure, chain_id: str, partner_ids: list[str], cutoff: float = 4.5) -> np.ndarray:
    """Residues of ``chain_id`` with any heavy atom within ``cutoff`` Å of a partner's heavy atom.

    With an antibody chain and its antigen chains this is the paratope; swap
    them for the epitope.

    Parameters
    ----------
    structure : Structure
    chain_id : str
    partner_ids : list of str
        Chains whose atoms count as the other side.
    cutoff : float
        Distance in Å (``<=``).

    Returns
    -------
    ndarray of bool, shape=(L,)
        ``L = len(structure[chain_id])``.
    """
    if not partner_ids:
        raise ValueError("partner_ids is empty: name the chains on the other side of the interface")
    model = _bio_model(structure)
    own = heavy_atoms(structure, chain_id, model)
    partners = np.concatenate([heavy_atoms(structure, p, model).coords for p in partner_ids])
    return _touching(own, partners, cutoff, len(structure[chain_id]))


def chain_interfaces(structure, chain_id: str, cutoff: float = 4.5) -> dict[str, np.ndarray]:
    """For each other protein chain touching ``chain_id``: which of its residues touch it.

    Returns
    -------
    dict of partner chain id -> ndarray of bool, shape=(L,)
        Residues of ``chain_id`` with a heavy atom within ``cutoff`` Å of that
        partner's heavy atoms; partners without any contact are left out.
        The structure is read once for all partners.
    """
    model = _bio_model(structure)
    own = heavy_atoms(structure, chain_id, model)
    interfaces = {}
    for partner in structure.chain_ids:
        if partner != chain_id:
            labels = _touching(own, heavy_atoms(structure, partner, model).coords, cutoff, len(structure[chain_id]))
            if labels.any():
                interfaces[partner] = labels
    return interfaces


def _touching(own: AtomArray, partner_coords: np.ndarray, cutoff: float, length: int) -> np.ndarray:
    """bool (length,): residues of ``own`` with an atom within ``cutoff`` Å of ``partner_coords``."""
    from scipy.spatial import cKDTree

    close = cKDTree(partner_coords).query(own.coords, k=1, distance_upper_bound=cutoff)[0] <= cutoff
    labels = np.zeros(length, dtype=bool)
    labels[own.residue_index[close]] = True
    return labels


def _bio_model(structure):
    parser = MMCIFParser(QUIET=True) if structure.format == "cif" else PDBParser(QUIET=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bio = parser.get_structure(structure.name, io.StringIO(structure.text))
    model = list(bio)[structure.model]
    missing = [c for c in structure.chain_ids if c not in model]
    if missing:
        raise ChainNotFoundError(f"chains {missing} of {structure.name} not found when re-reading its atoms")
    return model
