"""analysis.analyze on real data: one-pass counts vs provis' loop, planted heads, labels, saving, errors."""

from __future__ import annotations

import functools
import json
import operator
import shutil
from pathlib import Path

import numpy as np
import pytest

import protattn_widgets as paw
from protattn_widgets import analysis
from protattn_widgets.analysis import AnalysisResult, ProteinRecord, contact_accumulator
from protattn_widgets.analysis.counting import count_protein
from protattn_widgets.analysis.properties import AMINO_ACIDS, PROPERTIES
from protattn_widgets.errors import AnalysisInputError, DSSPError

DATA = Path(__file__).parent / "data"
BINDING = DATA / "binding_sites_valid_head30.jsonl"
MODIFICATIONS = DATA / "protein_modifications_valid_head30.jsonl"
VFB = paw.example_path("1vfb_complex")


@pytest.fixture
def mkdssp():
    """DSSP is a system tool: missing it is a failure with instructions, never a skip."""
    path = shutil.which("mkdssp")
    if path is None:
        pytest.fail("mkdssp is not installed: apt-get install dssp (`make test` does this when run as root)")
    return path


# ----------------------------------------------------------------- provis' loop, written out


class AminoAcidFeature:
    """provis features.AminoAcidFeature(include_to=True): one call per residue pair."""

    def get_values(self, item, from_index, to_index):
        return {f"aa_to_{item['primary'][to_index]}": 1}


class ContactMapFeature:
    def get_values(self, item, from_index, to_index):
        return {"contact_map": 1} if item["contact_map"][from_index, to_index] else {}


def provis_loop(values, item, features, threshold, pair_mask):
    """provis' analyze_heads loop with the paper's indicator (count edges >= threshold), masked pairs left out."""
    n_layers, n_heads, length, _ = values.shape
    hits, total = {}, np.zeros((n_layers, n_heads), int)
    for to_index in range(length):
        for from_index in range(length):
            if not pair_mask[from_index, to_index]:
                continue
            strong = (values[:, :, from_index, to_index] >= threshold).astype(int)
            total += strong
            for feature in features:
                for name, value in feature.get_values(item, from_index, to_index).items():
                    hits[name] = hits.get(name, 0) + strong * value
    return hits, total


def test_one_pass_counts_equal_provis_loop_for_contacts_and_all_20_amino_acids():
    rng = np.random.default_rng(3)
    length = 23
    sequence = "".join(rng.choice(list(AMINO_ACIDS + "X"), size=length))
    values = (rng.random((3, 2, length, length)) ** 4).astype(np.float32)
    contacts = rng.random((length, length)) < 0.15
    contacts |= contacts.T
    has_cb = rng.random(length) < 0.85
    mask = has_cb[:, None] & has_cb[None, :]
    record = ProteinRecord("random", sequence, tuple(str(i) for i in range(length)))
    aa_labels, _ = PROPERTIES["amino_acid"].labels(record)
    labelled = [(PROPERTIES["contact"], contacts, mask), (PROPERTIES["amino_acid"], aa_labels, None)]
    counts = count_protein(values, 0.3, labelled)

    item = {"primary": sequence, "contact_map": contacts}
    hits, total = provis_loop(values, item, [ContactMapFeature()], 0.3, mask)
    np.testing.assert_array_equal(counts["contact"].hits, hits["contact_map"])
    np.testing.assert_array_equal(counts["contact"].total, total)
    assert counts["contact"].background_hits == (contacts & mask).sum()

    hits, total = provis_loop(values, item, [AminoAcidFeature()], 0.3, np.ones((length, length), bool))
    for aa in AMINO_ACIDS:
        expected = hits.get(f"aa_to_{aa}", np.zeros((3, 2), int))
        np.testing.assert_array_equal(counts[f"amino_acid:{aa}"].hits, expected, err_msg=aa)
        np.testing.assert_array_equal(counts[f"amino_acid:{aa}"].total, total)
        assert counts[f"amino_acid:{aa}"].background_hits == sequence.count(aa)
    # every strong edge goes to exactly one amino acid, except those to X
    n_to_x = sum(total_x.sum() for total_x in [(values >= 0.3)[:, :, :, np.array(list(sequence)) == "X"]])
    assert total.sum() > 0 and sum(h.sum() for h in hits.values()) == total.sum() - n_to_x


def test_one_pass_equals_the_accumulator_for_masked_target_properties():
    rng = np.random.default_rng(5)
    values = rng.random((2, 3, 17, 17)) ** 3
    labels, mask = rng.random(17) < 0.3, rng.random(17) < 0.7
    prop = PROPERTIES["binding_site"]
    counts = count_protein(values, 0.25, [(prop, labels[:, None], mask)])["binding_site"]
    reference = analysis.PropertyAccumulator(2, 3, 0.25, min_total=1).add(values, labels, mask)
    np.testing.assert_array_equal(counts.hits, reference.hits)
    np.testing.assert_array_equal(counts.total, reference.total)
    assert (counts.background_hits, counts.background_total) == (reference.background_hits,
                                                                 reference.background_total)


# ----------------------------------------------------------------- real model, real data


@pytest.fixture(scope="module")
def antibody_records():
    return analysis.antibody_dataset(["1vfb_complex", "5sv3_complex"])


@pytest.fixture(scope="module")
def antibody_result(antiberty, antibody_records):
    return analysis.analyze(antiberty, antibody_records, ["contact", "paratope", "amino_acid"],
                            threshold=0.3, min_total=20, progress=False)


def test_analyze_contact_counts_equal_the_per_protein_statistic(antiberty, antibody_result, antibody_records):
    pooled = functools.reduce(operator.add, (
        contact_accumulator(antiberty.attention(r.chain), r.chain, 0.3, 20) for r in antibody_records))
    np.testing.assert_array_equal(antibody_result["contact"].hits, pooled.hits)
    np.testing.assert_array_equal(antibody_result["contact"].total, pooled.total)
    assert antibody_result["contact"].background == pytest.approx(pooled.background)
    assert antibody_result.proteins == 3
    assert "max_length lowered from 512 to 510" in " ".join(antibody_result.notes)


def test_paratope_heads_beat_background_and_exports_for_figures(antibody_result):
    top = antibody_result["paratope"].top_heads(3)
    assert top["share"].iloc[0] > 2 * antibody_result["paratope"].background
    assert top["significant"].iloc[0]
    centers = antibody_result.center_of_gravity(["contact", "paratope"])
    assert all(1 <= c <= 8 for c in centers.values())  # 1-based layers of AntiBERTy
    blosum = antibody_result.blosum_correlation()
    assert blosum.profile_similarity.shape == blosum.blosum.shape == (20, 20)
    assert blosum.amino_acids == AMINO_ACIDS and -1 <= blosum.correlation <= 1
    assert blosum.blosum[0, 2] == -2 and np.isnan(np.diag(blosum.blosum)).all()  # BLOSUM62 A-D; diagonal left out
    assert antibody_result.layer_max("contact").shape == (8,)


def test_save_and_load_round_trip(antibody_result, tmp_path):
    antibody_result.save(tmp_path / "r")
    loaded = AnalysisResult.load(tmp_path / "r")
    assert loaded.features == antibody_result.features
    for feature in antibody_result:
        a, b = antibody_result[feature], loaded[feature]
        np.testing.assert_array_equal(a.hits, b.hits)
        np.testing.assert_array_equal(a.total, b.total)
        assert (a.background_hits, a.background_total, a.proteins) == (b.background_hits, b.background_total,
                                                                         b.proteins)
    assert loaded.summary() == antibody_result.summary()
    json.dumps(loaded.summary(), allow_nan=False)
    assert not list((tmp_path / "r").glob("*.pkl"))


def test_planted_cysteine_head_comes_out_top(tmp_path):
    from tiny_models import save_planted_cysteine

    model = paw.load_model(save_planted_cysteine(tmp_path / "planted"))
    records = analysis.records_from_structure(VFB, ["B", "A"])
    assert all(r.sequence.count("C") in (1, 2, 3) for r in records)
    result = analysis.analyze(model, records, ["amino_acid", "contact"], threshold=0.3, min_total=1,
                              progress=False)
    best = result["amino_acid:C"].top_heads(1).iloc[0]
    assert (best["label"], best["layer"], best["head"], best["layer_index"], best["head_index"]) == ("1-1", 1, 1, 0, 0)
    assert best["share"] == 1.0 and best["total"] >= len(records[0])
    assert result["amino_acid:C"].background < 0.05


def test_paratope_of_1vfb_lies_in_the_cdrs():
    structure = paw.load_structure(VFB)
    records = {r.id: r for r in analysis.antibody_dataset(["1vfb_complex"])}
    # sequential numbering of 1vfb's Fv; CDRs with a few residues of slack either side
    cdrs = {"B": [(24, 36), (47, 66), (93, 106)], "A": [(23, 36), (46, 57), (87, 98)]}
    for chain_id, ranges in cdrs.items():
        paratope = records[f"1vfb_complex:{chain_id}"].labels["paratope"]
        numbers = [int(structure[chain_id].residue_ids[i]) for i in np.flatnonzero(paratope)]
        assert 5 <= len(numbers) <= 25, numbers
        assert all(any(lo <= n <= hi for lo, hi in ranges) for n in numbers), numbers
    from protattn_widgets.atoms import interface_residues

    epitope = interface_residues(structure, "C", ["A", "B"])
    epitope_ids = {int(structure["C"].residue_ids[i]) for i in np.flatnonzero(epitope)}
    assert 8 <= len(epitope_ids) <= 30
    assert {116, 117, 119, 121} <= epitope_ids  # D1.3's epitope on lysozyme: K116, G117, D119, Q121


def test_label_files_load_with_indices_checked_and_merge(tmp_path):
    raw = [json.loads(line) for line in BINDING.read_text().splitlines()]
    records = analysis.load_dataset([BINDING, MODIFICATIONS])
    assert len(records) == len(raw) == 30
    for record, item in zip(records, raw):
        assert record.id == item["id"] and record.sequence == item["sequence"]
        wanted = set(item["site_residue_numbers"])
        expected = [int(n) in wanted for n in item["residue_numbers"]]
        assert record.labels["binding_site"].tolist() == expected
        assert set(record.labels) == {"binding_site", "ptm"}
    # modified residues are mostly cysteines in provis' data
    letters = "".join(r.sequence[i] for r in records for i in np.flatnonzero(r.labels["ptm"]))
    assert letters.count("C") == max(letters.count(a) for a in set(letters))
    bad = dict(raw[0], sites=[raw[0]["length"] + 3])
    (tmp_path / "bad.jsonl").write_text(json.dumps(bad) + "\n")
    with pytest.raises(AnalysisInputError, match="outside the 633-residue sequence"):
        analysis.read_label_file(tmp_path / "bad.jsonl")
    fractional = dict(raw[0], sites=[2.9, 1.5])
    (tmp_path / "fractional.jsonl").write_text(json.dumps(fractional) + "\n")
    with pytest.raises(AnalysisInputError, match="whole-number"):
        analysis.read_label_file(tmp_path / "fractional.jsonl")


def test_label_file_proteins_are_truncated_to_the_models_limit(antiberty):
    records = analysis.read_label_file(BINDING, limit=6)
    assert max(len(r) for r in records) > 510
    result = analysis.analyze(antiberty, records, ["binding_site", "contact"], min_total=1, progress=False)
    assert result.max_length == 510 and result.truncated == sum(len(r) > 510 for r in records)
    assert result["binding_site"].background_total == sum(min(len(r), 510) for r in records)
    assert result["contact"].proteins == 0  # no coordinates in label files
    assert any("no contact labels" in note for note in result.notes)


def test_bad_input_is_explained(antiberty):
    with pytest.raises(AnalysisInputError, match="valid properties: contact, binding_site"):
        analysis.analyze(antiberty, [], ["contacts"])
    with pytest.raises(AnalysisInputError, match="label 'binding_site' has shape"):
        ProteinRecord("x", "ACDE", ("1", "2", "3", "4"), labels={"binding_site": np.zeros(5, bool)})
    with pytest.raises(AnalysisInputError, match="no such file"):
        analysis.load_dataset(["/nonexistent/file.pdb"])


def test_missing_dssp_binary_is_a_clear_error(monkeypatch):
    from protattn_widgets.analysis import secondary_structure

    monkeypatch.setenv("PROTATTN_MKDSSP", "/nonexistent/mkdssp")
    monkeypatch.setattr(secondary_structure, "_CACHE", {})
    structure = paw.load_structure(paw.example_path("1crn"))
    with pytest.raises(DSSPError, match="apt-get install dssp"):
        secondary_structure.secondary_structure_classes(structure, structure["A"])


def test_dssp_classes_of_ubiquitin_and_a_headerless_antibody(mkdssp):
    from protattn_widgets.analysis.secondary_structure import SS_CLASSES, secondary_structure_classes

    ubq = paw.load_structure(paw.example_path("1ubq"))
    classes = np.array(SS_CLASSES)[secondary_structure_classes(ubq, ubq["A"])]
    assert (classes[23:33] == "helix").all()  # ubiquitin's alpha helix, residues 24-33
    assert (classes[1:6] == "strand").all()
    vfb = paw.load_structure(VFB)  # Docking Benchmark file: no HEADER line
    vh = np.array(SS_CLASSES)[secondary_structure_classes(vfb, vfb["B"])]
    assert (vh == "strand").mean() > 0.35  # an immunoglobulin domain is a beta sandwich


def test_shards_without_usable_proteins_merge_and_counts_stay_right(antiberty):
    """What a Dask shard does: a shard of label-file records has no contacts; merging keeps the counts."""
    from protattn_widgets.analysis.engine import count_records
    from protattn_widgets.analysis.properties import resolve_properties

    props = resolve_properties(["contact"])
    labels_only = analysis.load_dataset([BINDING], limit=2)
    structures = analysis.load_dataset([VFB])
    empty_shard = count_records(antiberty, labels_only, props, threshold=0.3, min_total=1, max_length=512)
    assert empty_shard.proteins == 0 and empty_shard.skipped == {"contact": 2}
    merged = empty_shard + count_records(antiberty, labels_only + structures, props, threshold=0.3, min_total=1,
                                         max_length=512)
    assert merged.skipped == {"contact": 4}
    assert "4 protein(s) had no contact labels" in " ".join(merged.notes)
    assert merged.notes.count("max_length lowered from 512 to 510 residues, the most antiberty accepts") == 1


def test_empty_dataset_says_so(antiberty):
    with pytest.raises(AnalysisInputError, match="dataset is empty"):
        analysis.analyze(antiberty, [], ["contact"], progress=False)


def test_pdb_site_records_per_site_and_their_union():
    hiv = paw.load_structure(paw.example_path("7hvp"))
    chain = hiv["A"]
    sites = analysis.pdb_sites(hiv, chain)
    assert {"AC1", "DTA", "DTB"} <= set(sites)
    assert [chain.residue_ids[i] for i in np.flatnonzero(sites["DTA"])] == ["25", "26", "27"]  # catalytic triad
    assert not sites["DTB"].any()  # chain B's triad
    from protattn_widgets.analysis.properties import site_record_labels

    np.testing.assert_array_equal(site_record_labels(hiv, chain), np.logical_or.reduce(list(sites.values())))


def test_mmcif_site_records_are_read_too(tmp_path):
    """Entries downloaded by PDB id are mmCIF: their _struct_site_gen records label binding sites."""
    import io

    from Bio.PDB import MMCIFIO, PDBParser

    pdb = paw.load_structure(paw.example_path("7hvp"))
    out = io.StringIO()
    writer = MMCIFIO()
    writer.set_structure(PDBParser(QUIET=True).get_structure("7hvp", str(paw.example_path("7hvp"))))
    writer.save(out)
    rows = [f"{site} A {resid} ?" for site, mask in analysis.pdb_sites(pdb, pdb["A"]).items()
            for resid in np.array(pdb["A"].residue_ids)[mask]]
    site_loop = "loop_\n_struct_site_gen.site_id\n_struct_site_gen.auth_asym_id\n" \
                "_struct_site_gen.auth_seq_id\n_struct_site_gen.pdbx_auth_ins_code\n" + "\n".join(rows) + "\n"
    cif = paw.load_structure(out.getvalue() + site_loop)
    assert cif.format == "cif"
    sites = analysis.pdb_sites(cif, cif["A"])
    expected = analysis.pdb_sites(pdb, pdb["A"])
    assert set(sites) == {s for s, m in expected.items() if m.any()}
    for site_id, mask in sites.items():
        np.testing.assert_array_equal(mask, expected[site_id])


def test_a_record_whose_residues_do_not_map_onto_its_seqres_is_skipped_with_a_note(antiberty, tmp_path):
    """A SEQRES that disagrees with the ATOM records is never a silent shift: that protein is left out, and said so."""
    import warnings

    from protattn_widgets import example_path
    from protattn_widgets.analysis import analyze
    from protattn_widgets.analysis.datasets import records_from_structure

    text = example_path("1crn").read_text()
    broken = "\n".join(line[:19] + " ".join(["TRP"] * 13) if line.startswith("SEQRES") else line
                       for line in text.splitlines())
    (tmp_path / "1crn_bad_seqres.pdb").write_text(broken + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bad = records_from_structure(tmp_path / "1crn_bad_seqres.pdb")
    good = records_from_structure(example_path("1ubq"))
    result = analyze(antiberty, bad + good, ["contact"], min_total=1, progress=False)
    assert result.proteins == len(good)
    assert any("skipped" in note and bad[0].id in note for note in result.notes)


def test_mmcif_sites_match_a_whole_file_parse_and_the_pdb_file():
    """mmCIF site records come from the one parse of the file (a whole-file MMCIF2Dict per chain took
    0.2 s): on the real 3o5r entry they are what MMCIF2Dict gives, and what its PDB twin's SITE records give."""
    import gzip
    import io

    from Bio.PDB.MMCIF2Dict import MMCIF2Dict

    text = gzip.decompress((Path(__file__).parent / "data" / "3o5r.cif.gz").read_bytes()).decode()
    whole = MMCIF2Dict(io.StringIO(text))
    assert {site for site in whole["_struct_site_gen.site_id"]} == set(paw.load_structure(text).sites)

    cif = paw.load_structure(text)
    pdb = paw.load_structure(gzip.decompress((Path(__file__).parent / "data" / "3o5r.pdb.gz").read_bytes()).decode())
    from_cif, from_pdb = analysis.pdb_sites(cif, cif["A"]), analysis.pdb_sites(pdb, pdb["A"])
    assert from_cif.keys() == from_pdb.keys() and any(m.any() for m in from_cif.values())
    for site_id in from_cif:
        np.testing.assert_array_equal(from_cif[site_id], from_pdb[site_id])
