"""The atoms of one model of a structure as one table of parallel arrays, and what derives from it.

A structure file is parsed once (:func:`~protattn_widgets.structures.load_structure`,
with Biopython) into an :class:`AtomTable`, held by the
:class:`~protattn_widgets.structures.Structure` as ``structure.atoms``.  Like
biotite's ``AtomArray``, it is parallel numpy arrays, one row per atom, plus
per-residue arrays; chains and residues are masks and index arrays on it.
Every consumer reads this table instead of the file: the chains' CA/CB arrays
(:class:`~protattn_widgets.structures.Chain`), heavy atoms and interfaces
(below), and the text handed to NGL (:func:`pdb_text`, :func:`cif_text`).

Rules (stated once, applied when the table is built)
----------------------------------------------------
* **Model**: only the model read (``load_structure(..., model=k)``).
* **Alternate locations**: Biopython's choice, the highest-occupancy location
  of each atom (and, for a point mutation, the residue Biopython selects).
* **Amino acids**: ``amino[r]`` is Biopython's
  ``is_aa(residue, standard=False)``: the 20 standard residues and about 1000
  modified ones (MSE, SEP, ...).  Ligands, water, caps (ACE) are kept in the
  table (NGL shows them) but are not residues of a chain.
* **Missing atoms**: a NaN or infinite coordinate becomes a NaN row; such atoms
  are in no distance, contact or interface, and are not written for NGL.
* **Heavy atoms**: every element except H and D.

>>> structure = load_structure("1vfb_complex")
>>> structure.atoms.coords.shape                       # (n_atoms, 3) float32
>>> paratope = interface_residues(structure, "B", ["C"], cutoff=4.5)   # bool, shape (116,)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from Bio.PDB.Polypeptide import is_aa

from .errors import StructureError

__all__ = ["AtomTable", "AtomArray", "NGLText", "heavy_atoms", "interface_residues", "chain_interfaces",
           "pdb_text", "cif_text", "ngl_text"]

_HYDROGENS = ("H", "D")


@dataclass(frozen=True, eq=False)
class AtomTable:
    """Every atom of one model, as parallel arrays.

    Attributes
    ----------
    coords : ndarray of float32, shape=(n, 3)
        Coordinates in Å; NaN rows for missing (non-finite) coordinates.
    atom_name : ndarray of str, shape=(n,)
        ``"CA"``, ``"OG1"`` (stripped, as Biopython names them).
    element : ndarray of str, shape=(n,)
        ``"C"``, ``"SE"``; ``"X"`` when the file gives none Biopython can guess.
    residue : ndarray of int32, shape=(n,)
        Row of each atom's residue in the residue arrays below.
    occupancy, b_factor : ndarray of float32, shape=(n,)
    altloc : ndarray of str, shape=(n,)
        The alternate location kept (``""`` for ordered atoms).
    res_chain : ndarray of int32, shape=(r,)
        Index into ``chain_ids`` of each residue.
    res_seq : ndarray of int64, shape=(r,)
        Author residue number.
    res_icode : ndarray of str, shape=(r,)
        Insertion code, ``""`` for none.
    res_name : ndarray of str, shape=(r,)
        Residue name as in the file (``"SEP"``, ``"HOH"``).
    hetero : ndarray of bool, shape=(r,)
        HETATM residue (a ligand, water, or a modified amino acid).
    amino : ndarray of bool, shape=(r,)
        An amino acid (see the rules above): a residue of a protein chain.
    chain_ids : tuple of str
        Every chain of the model in file order, proteins or not.

    Atoms of one residue are contiguous and residues appear in file order, so
    ``residue`` is non-decreasing.
    """

    coords: np.ndarray
    atom_name: np.ndarray
    element: np.ndarray
    residue: np.ndarray
    occupancy: np.ndarray
    b_factor: np.ndarray
    altloc: np.ndarray
    res_chain: np.ndarray
    res_seq: np.ndarray
    res_icode: np.ndarray
    res_name: np.ndarray
    hetero: np.ndarray
    amino: np.ndarray
    chain_ids: tuple[str, ...]
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.coords)

    def __post_init__(self) -> None:
        if (np.diff(self.res_chain) < 0).any() or (np.diff(self.residue) < 0).any():
            raise ValueError("an AtomTable lists residues grouped by chain and atoms grouped by residue")
        for value in vars(self).values():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)

    @classmethod
    def from_biopython(cls, model) -> "AtomTable":
        """The table of one Biopython ``Model``: the only walk over Biopython objects."""
        coords, names, elements, residue, occupancy, bfactor, altloc = [], [], [], [], [], [], []
        res_chain, res_seq, res_icode, res_name, hetero, amino, chain_ids = [], [], [], [], [], [], []
        for c, chain in enumerate(model):
            chain_ids.append(chain.id)
            for bio_residue in chain:
                r = len(res_seq)
                flag, number, icode = bio_residue.id
                res_chain.append(c)
                res_seq.append(number)
                res_icode.append(str(icode).strip())
                res_name.append(bio_residue.get_resname().strip())
                hetero.append(flag.startswith("H_") or flag == "W")
                amino.append(is_aa(bio_residue, standard=False))
                for atom in bio_residue:  # the selected location of a disordered atom
                    coords.append(atom.coord)
                    names.append(atom.get_id())
                    elements.append((atom.element or "X").strip().upper())
                    residue.append(r)
                    occupancy.append(np.nan if atom.occupancy is None else atom.occupancy)
                    bfactor.append(np.nan if atom.bfactor is None else atom.bfactor)
                    altloc.append(atom.altloc.strip())
        xyz = np.asarray(coords, dtype=np.float32).reshape(-1, 3)
        xyz[~np.isfinite(xyz).all(axis=1)] = np.nan  # a NaN or infinite coordinate is a missing atom
        return cls(
            coords=xyz,
            atom_name=np.asarray(names, dtype=str).reshape(-1),
            element=np.asarray(elements, dtype=str).reshape(-1),
            residue=np.asarray(residue, dtype=np.int32),
            occupancy=np.asarray(occupancy, dtype=np.float32),
            b_factor=np.asarray(bfactor, dtype=np.float32),
            altloc=np.asarray(altloc, dtype=str).reshape(-1),
            res_chain=np.asarray(res_chain, dtype=np.int32),
            res_seq=np.asarray(res_seq, dtype=np.int64),
            res_icode=np.asarray(res_icode, dtype=str).reshape(-1),
            res_name=np.asarray(res_name, dtype=str).reshape(-1),
            hetero=np.asarray(hetero, dtype=bool),
            amino=np.asarray(amino, dtype=bool),
            chain_ids=tuple(chain_ids),
        )

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays."""
        return sum(v.nbytes for v in vars(self).values() if isinstance(v, np.ndarray))

    def chain_residues(self, chain_id: str) -> np.ndarray:
        """Rows of the amino-acid residues of chain ``chain_id``, in file order: the chain's residues.

        Returns
        -------
        ndarray of int64, shape=(L,)
            Empty for an unknown chain or one without amino acids.
        """
        if chain_id not in self.chain_ids:
            return np.zeros(0, dtype=np.int64)
        c = self.chain_ids.index(chain_id)
        lo, hi = np.searchsorted(self.res_chain, [c, c + 1])  # residues are grouped by chain
        return lo + np.flatnonzero(self.amino[lo:hi])

    def residue_in_chain(self) -> np.ndarray:
        """Index of each residue among its chain's amino acids (its index in ``Chain.sequence``), -1
        for residues that are not amino acids.

        Returns
        -------
        ndarray of int64, shape=(r,)
        """
        if "in_chain" not in self._memo:
            amino = np.flatnonzero(self.amino)
            chains = self.res_chain[amino]
            index = np.full(len(self.res_seq), -1, dtype=np.int64)
            index[amino] = np.arange(len(amino)) - np.searchsorted(chains, chains, side="left")
            index.setflags(write=False)
            self._memo["in_chain"] = index
        return self._memo["in_chain"]

    def chain_heavy_atoms(self, chain_id: str) -> np.ndarray:
        """Rows of the heavy atoms (not H or D) with coordinates of chain ``chain_id``'s amino acids.

        Returns
        -------
        ndarray of int64, shape=(k,)
        """
        if "heavy" not in self._memo:
            self._memo["heavy"] = (self.amino[self.residue] & ~np.isin(self.element, _HYDROGENS)
                                   & ~np.isnan(self.coords).any(axis=1))
            self._memo["atom_chain"] = self.res_chain[self.residue]
        if chain_id not in self.chain_ids:
            return np.zeros(0, dtype=np.int64)
        c = self.chain_ids.index(chain_id)
        lo, hi = np.searchsorted(self._memo["atom_chain"], [c, c + 1])  # atoms are grouped by chain
        return lo + np.flatnonzero(self._memo["heavy"][lo:hi])

    def residue_atom_coords(self, rows: np.ndarray, atom_name: str) -> np.ndarray:
        """Coordinates of the atom named ``atom_name`` in each residue ``rows``, NaN where absent.

        Returns
        -------
        ndarray of float64, shape=(len(rows), 3)
        """
        atoms = self.residue_atom(atom_name)[rows]
        out = np.full((len(rows), 3), np.nan)
        found = atoms >= 0
        out[found] = self.coords[atoms[found]]
        return out

    def residue_atom(self, atom_name: str) -> np.ndarray:
        """Row of the atom named ``atom_name`` in each residue, -1 where it has none.

        Returns
        -------
        ndarray of int64, shape=(r,)
            Computed once per name (every chain reads it).
        """
        if atom_name not in self._memo:
            atoms = np.flatnonzero(self.atom_name == atom_name)
            index = np.full(len(self.res_seq), -1, dtype=np.int64)
            index[self.residue[atoms]] = atoms
            index.setflags(write=False)
            self._memo[atom_name] = index
        return self._memo[atom_name]


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


def heavy_atoms(structure, chain_id: str) -> AtomArray:
    """The non-hydrogen atoms with coordinates of the amino-acid residues of ``structure[chain_id]``.

    Parameters
    ----------
    structure : Structure
        From :func:`~protattn_widgets.structures.load_structure`; read from ``structure.atoms``.
    chain_id : str

    Returns
    -------
    AtomArray
    """
    chain = structure[chain_id]  # raises the structures layer's errors for bad ids
    table: AtomTable = structure.atoms
    atoms = table.chain_heavy_atoms(chain_id)
    local = table.residue_in_chain()[table.residue[atoms]]
    if len(table.chain_residues(chain_id)) != len(chain):
        raise StructureError(f"chain {chain_id!r} of {structure.name}: {len(table.chain_residues(chain_id))} "
                             f"residues in the atom table, {len(chain)} expected")
    return AtomArray(chain_id, table.coords[atoms].astype(float), local, table.atom_name[atoms])


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
    own = heavy_atoms(structure, chain_id)
    partners = np.concatenate([heavy_atoms(structure, p).coords for p in partner_ids])
    return _touching(own, partners, cutoff, len(structure[chain_id]))


def chain_interfaces(structure, chain_id: str, cutoff: float = 4.5) -> dict[str, np.ndarray]:
    """For each other protein chain touching ``chain_id``: which of its residues touch it.

    Returns
    -------
    dict of partner chain id -> ndarray of bool, shape=(L,)
        Residues of ``chain_id`` with a heavy atom within ``cutoff`` Å of that
        partner's heavy atoms; partners without any contact are left out.
    """
    own = heavy_atoms(structure, chain_id)
    interfaces = {}
    for partner in structure.chain_ids:
        if partner != chain_id:
            labels = _touching(own, heavy_atoms(structure, partner).coords, cutoff, len(structure[chain_id]))
            if labels.any():
                interfaces[partner] = labels
    return interfaces


def _touching(own: AtomArray, partner_coords: np.ndarray, cutoff: float, length: int) -> np.ndarray:
    """bool (length,): residues of ``own`` with an atom within ``cutoff`` Å of ``partner_coords``."""
    from scipy.spatial import cKDTree

    labels = np.zeros(length, dtype=bool)
    if len(partner_coords) == 0 or len(own) == 0:
        return labels
    close = cKDTree(partner_coords).query(own.coords, k=1, distance_upper_bound=cutoff)[0] <= cutoff
    labels[own.residue_index[close]] = True
    return labels


# --------------------------------------------------------------------------- text for NGL


class NGLText(NamedTuple):
    """Text for NGL and its format (``ext`` for ``stage.loadFile`` / ``nglview.TextStructure``)."""

    text: str
    ext: str


def ngl_text(table: AtomTable, secondary_structure: tuple[str, ...] = ()) -> NGLText:
    """What NGL should load: PDB text written from the table, or mmCIF where PDB cannot hold it.

    Written from the table rather than handed the file: every atom carries its
    element (NGL gives atoms without one no bonds and no cartoon), and an mmCIF
    always has the ``_chem_comp`` category NGL reads (Biopython's ``MMCIFIO``
    writes files without it).  Only the model read is written, so NGL's model
    index is 0.  PDB is used when every chain id, insertion code and residue
    name fits its columns and there are at most 99,999 atoms; it starts with
    the file's ``secondary_structure`` (``HELIX``/``SHEET`` lines), so NGL draws
    the deposited helices and strands (without them it assigns its own).
    """
    written = _written(table)
    fits = (len(written) <= 99_999
            and all(len(c) <= 1 for c in table.chain_ids)
            and all(len(n) <= 3 for n in table.res_name)
            and all(len(i) <= 1 for i in table.res_icode)
            and (np.abs(table.coords[written]) < 9999.0).all())
    return NGLText(pdb_text(table, secondary_structure), "pdb") if fits else NGLText(cif_text(table), "cif")


def _written(table: AtomTable) -> np.ndarray:
    return np.flatnonzero(~np.isnan(table.coords).any(axis=1))


def _columns(table: AtomTable) -> tuple:
    """Per written atom, as Python lists (fast to format): record, name, altloc, residue name,
    chain, number, insertion code, x, y, z, occupancy, B, element."""
    rows = _written(table)
    res = table.residue[rows]
    chains = np.asarray(table.chain_ids + ("",), dtype=str)[table.res_chain[res]]
    occupancy = np.where(np.isfinite(table.occupancy[rows]), table.occupancy[rows], 1.0)
    b_factor = np.where(np.isfinite(table.b_factor[rows]), table.b_factor[rows], 0.0)
    xyz = table.coords[rows].astype(float)
    return (table.hetero[res].tolist(), table.atom_name[rows].tolist(), table.altloc[rows].tolist(),
            table.res_name[res].tolist(), chains.tolist(), table.res_seq[res].tolist(), table.res_icode[res].tolist(),
            xyz[:, 0].tolist(), xyz[:, 1].tolist(), xyz[:, 2].tolist(), occupancy.tolist(), b_factor.tolist(),
            table.element[rows].tolist())


def pdb_text(table: AtomTable, header: tuple[str, ...] = ()) -> str:
    """The table as PDB ``ATOM``/``HETATM`` records after the ``header`` lines.

    Assumes the values fit PDB's columns (see :func:`ngl_text`); serial numbers
    restart at 1.
    """
    lines = list(header)
    for k, (het, name, alt, resname, chain, number, code, x, y, z, occ, b, element) in \
            enumerate(zip(*_columns(table)), start=1):
        name = f" {name:<3}" if len(name) < 4 and len(element) == 1 else f"{name:<4}"
        lines.append(f"{'HETATM' if het else 'ATOM  '}{k:>5} {name}{alt:1}{resname:>3} {chain:1}{number:>4}{code:1}   "
                     f"{x:8.3f}{y:8.3f}{z:8.3f}{occ:6.2f}{b:6.2f}          {element:>2}")
    return "\n".join(lines) + "\nEND\n"


def cif_text(table: AtomTable, name: str = "structure") -> str:
    """The table as a minimal, complete mmCIF: ``_chem_comp`` (which NGL requires) and ``_atom_site``."""
    columns = _columns(table)
    amino_names = set(table.res_name[table.amino].tolist())
    out = [f"data_{_cif_token(name)}", "#", "loop_", "_chem_comp.id", "_chem_comp.type"]
    out += [f'{_cif_token(c)} "{"L-peptide linking" if c in amino_names else "non-polymer"}"'
            for c in sorted(set(columns[3]))]
    fields = ("group_PDB", "id", "type_symbol", "label_atom_id", "label_alt_id", "label_comp_id",
              "label_asym_id", "label_seq_id", "pdbx_PDB_ins_code", "Cartn_x", "Cartn_y", "Cartn_z",
              "occupancy", "B_iso_or_equiv", "auth_seq_id", "auth_asym_id", "pdbx_PDB_model_num")
    out += ["#", "loop_"] + [f"_atom_site.{f}" for f in fields]
    for k, (het, atom, alt, resname, chain, number, code, x, y, z, occ, b, element) in \
            enumerate(zip(*columns), start=1):
        chain = _cif_token(chain)
        out.append(f"{'HETATM' if het else 'ATOM'} {k} {_cif_token(element)} {_cif_token(atom)} "
                   f"{_cif_token(alt or '.')} {_cif_token(resname)} {chain} {number} {_cif_token(code or '?')} "
                   f"{x:.3f} {y:.3f} {z:.3f} {occ:.2f} {b:.2f} {number} {chain} 1")
    return "\n".join(out) + "\n#\n"


def _cif_token(value: str) -> str:
    """A CIF value: bare when it can be, else quoted."""
    value = str(value)
    if value and not any(ch.isspace() for ch in value) and value[0] not in "_#$'\";[]" \
            and value.lower() not in ("loop_", "stop_", "global_") and not value.lower().startswith(("data_", "save_")):
        return value
    return f'"{value}"' if '"' not in value else f"'{value}'"
