"""One parse of a PDB/mmCIF text: the atom table, the deposited sequences and the site records.

:func:`parse_model` is the only place a structure's text is parsed (Biopython's
``PDBParser``/``MMCIFParser``, once).  Everything the package later needs from
the file comes out of that parse: the model's :class:`~.atoms.AtomTable`, each
chain's deposited sequence (mmCIF ``_pdbx_poly_seq_scheme`` from the parser's
own dictionary, PDB ``SEQRES``) and the site records (mmCIF
``_struct_site_gen``, PDB ``SITE``), read from the header lines in the same
pass as ``SEQRES``.  The rules for models, altlocs, modified residues and
missing atoms are stated in :mod:`.atoms`.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from Bio.Data.PDBData import protein_letters_3to1_extended
from Bio.PDB import MMCIFParser, PDBParser
from Bio.PDB.Polypeptide import is_aa

from .atoms import AtomTable
from .errors import StructureError

__all__ = ["ParsedModel", "parse_model", "residue_letter", "residue_id", "Deposited", "Sites"]

# A deposited chain: the one-letter codes of its residues and, from mmCIF, the
# author residue id of each (so observed residues are placed exactly), with the
# names allowed at each position (microheterogeneity lists several), and its source.
Deposited = tuple[str, "list[str] | None", "list[frozenset[str]] | None", str]
#: Site id (``"AC1"``) -> the ``(chain id, author residue id)`` pairs it names.
Sites = dict[str, frozenset[tuple[str, str]]]


def residue_letter(name: str) -> str:
    """One-letter code of a residue name: its parent amino acid (SEP -> S, MSE -> M), ``X`` if unknown."""
    return protein_letters_3to1_extended.get(name.strip().upper(), "X")


def residue_id(number: int, insertion_code: str) -> str:
    """Author residue id: ``"52A"`` for a letter code, ``"3^1"`` for any other code, ``"52"`` for none."""
    code = insertion_code.strip()
    if not code:
        return str(number)
    return f"{number}{code}" if code.isalpha() else f"{number}^{code}"


@dataclass(frozen=True, eq=False)
class ParsedModel:
    """What one parse of a file gives.

    Attributes
    ----------
    atoms : AtomTable
        Every atom of the model read.
    deposited : dict of chain id -> Deposited
    sites : dict of site id -> frozenset of (chain id, residue id)
    secondary_structure : tuple of str
        The file's helices and strands as PDB ``HELIX``/``SHEET`` lines (from
        mmCIF ``_struct_conf``/``_struct_sheet_range``), for NGL's cartoon.
    """

    atoms: AtomTable
    deposited: dict[str, Deposited]
    sites: Sites
    secondary_structure: tuple[str, ...] = ()


def parse_model(text: str, fmt: str, name: str, origin: str, model: int) -> ParsedModel:
    """Parse ``text`` (``fmt`` "pdb" or "cif") once and keep model ``model``.

    Raises
    ------
    StructureError
        Empty or unparsable text (the reason named), no atoms, no model ``model``.
    """
    if not text.strip():
        raise StructureError(f"{origin} is empty")
    parser = MMCIFParser(QUIET=True) if fmt == "cif" else PDBParser(QUIET=True)
    kind = "mmCIF" if fmt == "cif" else "PDB"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bio = parser.get_structure(name, io.StringIO(text))
    except KeyError as exc:
        raise StructureError(
            f"could not parse {origin} as {kind}: missing item {exc} (is the file truncated, or not {kind}?)") from None
    except (IndexError, ZeroDivisionError):  # Biopython's symptoms of a cut-off table
        raise StructureError(
            f"could not parse {origin} as {kind}: a table is incomplete (a row has fewer values than the "
            "table has columns): the file looks truncated") from None
    except MemoryError:
        raise StructureError(f"could not parse {origin} as {kind}: out of memory reading its "
                             f"{len(text) / 2**20:.0f} MiB of text") from None
    except Exception as exc:  # Biopython raises many types on corrupt input
        raise StructureError(f"could not parse {origin} as {kind}: {exc or type(exc).__name__}") from None
    models = list(bio)
    if not models:
        raise StructureError(f"{origin} has no ATOM/HETATM records (is it a {fmt.upper()} file?)")
    if not 0 <= model < len(models):
        raise StructureError(
            f"model {model} does not exist: {origin} has {len(models)} model(s), indices 0..{len(models) - 1}"
        )
    atoms = AtomTable.from_biopython(models[model])
    if fmt == "cif":
        table = getattr(parser, "_mmcif_dict", None)  # the parser's own dictionary: no second parse
        table = table if isinstance(table, dict) else {}
        return ParsedModel(atoms, _deposited_cif(table), _cif_sites(table), _cif_secondary_structure(table))
    return ParsedModel(atoms, *_pdb_header(text))


def _pdb_header(text: str) -> tuple[dict[str, Deposited], Sites, tuple[str, ...]]:
    """Deposited residues from SEQRES (amino acids only), the SITE records and the HELIX/SHEET
    lines, in one pass over the lines."""
    names: dict[str, list[str]] = {}
    members: dict[str, set[tuple[str, str]]] = {}
    secondary: list[str] = []
    for line in text.split("\n"):
        if line.startswith("SEQRES") and len(line) > 19:
            names.setdefault(line[11], []).extend(line[19:].split())
        elif line.startswith(("HELIX ", "SHEET ")):
            secondary.append(line[:40])
        elif line.startswith("SITE  "):
            site = members.setdefault(line[11:14].strip(), set())
            for start in (18, 29, 40, 51):  # four residues per line, 11 columns each
                field = line[start:start + 10]
                if field.strip():
                    site.add((field[4], field[5:10].strip()))
    deposited = {}
    for cid, chain_names in names.items():
        kept = [n for n in chain_names if is_aa(n, standard=False)]
        if kept:
            deposited[cid] = ("".join(map(residue_letter, kept)), None, None, "SEQRES")
    return deposited, {k: frozenset(v) for k, v in members.items()}, tuple(secondary)


def _cif_secondary_structure(table: dict) -> tuple[str, ...]:
    """mmCIF helices (``_struct_conf``) and strands (``_struct_sheet_range``) as PDB HELIX/SHEET lines.

    Ranges whose chain id or residue numbers do not fit PDB columns are left out
    (NGL then assigns those residues itself).
    """
    def column(category: str, field: str, n: int) -> list[str]:
        values = table.get(f"_{category}.{field}")
        return [("" if v in ("?", ".") else v) for v in values] if isinstance(values, list) and len(values) == n \
            else [""] * n

    def ends(category: str, n: int):
        fields = ("beg_auth_comp_id", "beg_auth_asym_id", "beg_auth_seq_id", "pdbx_beg_PDB_ins_code",
                  "end_auth_comp_id", "end_auth_asym_id", "end_auth_seq_id", "pdbx_end_PDB_ins_code")
        for row in zip(*(column(category, f, n) for f in fields)):
            name1, chain1, seq1, code1, name2, chain2, seq2, code2 = row
            if len(chain1) == 1 and len(chain2) == 1 and _is_int(seq1) and _is_int(seq2) \
                    and len(code1) <= 1 and len(code2) <= 1 and -999 <= int(seq1) <= 9999 and -999 <= int(seq2) <= 9999:
                yield (name1[:3], chain1, int(seq1), code1 or " "), (name2[:3], chain2, int(seq2), code2 or " ")

    lines = []
    helices = len(table.get("_struct_conf.id", []) or [])
    kinds = column("struct_conf", "conf_type_id", helices)
    classes = column("struct_conf", "pdbx_PDB_helix_class", helices)
    rows = list(ends("struct_conf", helices)) if helices else []
    if helices and len(rows) == helices:  # a row was left out: the columns no longer line up with kinds
        for k, ((start, end), kind, cls) in enumerate(zip(rows, kinds, classes), start=1):
            if kind.upper().startswith("HELX"):
                (n1, c1, s1, i1), (n2, c2, s2, i2) = start, end
                lines.append(f"HELIX {k:>4} {k:>3} {n1:>3} {c1} {s1:>4}{i1} {n2:>3} {c2} {s2:>4}{i2}"
                             f"{int(cls) if _is_int(cls) else 1:>2}")
    strands = len(table.get("_struct_sheet_range.id", []) or [])
    for k, (start, end) in enumerate(ends("struct_sheet_range", strands) if strands else [], start=1):
        (n1, c1, s1, i1), (n2, c2, s2, i2) = start, end
        lines.append(f"SHEET {k:>4} {'S':>3} 1 {n1:>3} {c1}{s1:>4}{i1} {n2:>3} {c2}{s2:>4}{i2} 0")
    return tuple(lines)


def _cif_sites(table: dict) -> Sites:
    site_ids = table.get("_struct_site_gen.site_id", [])
    chains = table.get("_struct_site_gen.auth_asym_id", [])
    numbers = table.get("_struct_site_gen.auth_seq_id", [])
    codes = table.get("_struct_site_gen.pdbx_auth_ins_code", ["?"] * len(site_ids))
    members: dict[str, set[tuple[str, str]]] = {}
    for site_id, chain_id, number, code in zip(site_ids, chains, numbers, codes):
        members.setdefault(site_id, set()).add((chain_id, number + ("" if code in ("?", ".") else code)))
    return {k: frozenset(v) for k, v in members.items()}


def _deposited_cif(table: dict) -> dict[str, Deposited]:
    """Chain id -> deposited residues from ``_pdbx_poly_seq_scheme`` (amino acids only)."""
    columns = ("asym_id", "seq_id", "mon_id", "pdb_seq_num", "pdb_ins_code", "pdb_strand_id")
    values = [table.get(f"_pdbx_poly_seq_scheme.{c}") for c in columns]
    if values[4] is None and values[0] is not None:  # no insertion codes at all
        values[4] = ["?"] * len(values[0])
    if any(not isinstance(v, list) for v in values) or len({len(v) for v in values}) != 1:
        return {}
    rows: dict[str, dict[tuple[str, str], list]] = {}
    for asym, seq, mon, num, ins, strand in zip(*values):
        if not is_aa(mon, standard=False):
            continue
        code = "" if ins in ("?", ".") else ins
        entry = rows.setdefault(strand, {}).setdefault((asym, seq), [set(), num, code, mon])
        entry[0].add(mon.upper())
    out = {}
    for strand, positions in rows.items():
        entries = list(positions.values())
        letters = "".join(residue_letter(e[3]) for e in entries)
        ids = [residue_id(int(e[1]), e[2]) if _is_int(e[1]) else "?" for e in entries]
        out[strand] = (letters, ids, [frozenset(e[0]) for e in entries], "_pdbx_poly_seq_scheme")
    return out


def _is_int(value: str) -> bool:
    try:
        int(value)
    except ValueError:
        return False
    return True
