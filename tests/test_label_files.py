"""Malformed provis label files give a clean error naming the file and line (issue 23 item 10)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protattn_widgets.analysis import read_label_file
from protattn_widgets.cli import main
from protattn_widgets.errors import AnalysisInputError

GOOD = {"id": "1abc.A", "task": "binding_site", "sequence": "MKTAYIAKQR", "length": 10,
        "residue_numbers": list(range(1, 11)), "sites": [2, 5]}


def _file(tmp_path: Path, *lines: bytes | str | dict, name: str = "labels.jsonl") -> Path:
    path = tmp_path / name
    encoded = [line if isinstance(line, bytes) else (json.dumps(line) if isinstance(line, dict) else line).encode()
               for line in lines]
    path.write_bytes(b"\n".join(encoded) + b"\n")
    return path


def _with(**fields) -> dict:
    return {**GOOD, **fields}


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


ISSUE_CASES = {
    "a bare number": b"5",
    "sites a number": json.dumps(_with(sites=5)).encode(),
    "sites null": json.dumps(_with(sites=None)).encode(),
    "a huge site": json.dumps(_with(sites=[10**30])).encode(),
    "residue_numbers a number": json.dumps(_with(residue_numbers=5)).encode(),
    "task a list": json.dumps(_with(task=["binding_site"])).encode(),
    "latin-1 bytes": json.dumps(_with(id="1abc.A")).encode().replace(b"1abc.A", "1abç.A".encode("latin-1")),
}


@pytest.mark.parametrize("case", sorted(ISSUE_CASES))
def test_protattn_analyze_names_file_and_line_of_a_malformed_label_line(tmp_path, case):
    path = _file(tmp_path, GOOD, ISSUE_CASES[case])
    code, _, err = _run(["analyze", "--data", str(path), "--property", "binding_site", "-o", str(tmp_path / "out"),
                         "-q"])
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err, err
    assert "labels.jsonl line 2" in err, err


def test_a_length_given_as_text_says_what_is_wrong(tmp_path):
    with pytest.raises(AnalysisInputError, match=r"line 1 \(1abc.A\): length '10' \(not a whole number\)"):
        read_label_file(_file(tmp_path, _with(length="10")))


def test_a_good_file_still_reads(tmp_path):
    (record,) = read_label_file(_file(tmp_path, GOOD, ""))
    assert record.id == "1abc.A" and np.flatnonzero(record.labels["binding_site"]).tolist() == [2, 5]
    assert record.residue_ids[:2] == ("1", "2")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-10**40, max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
_FIELDS = ["id", "task", "sequence", "length", "residue_numbers", "sites"]


@st.composite
def _label_lines(draw) -> bytes:
    kind = draw(st.sampled_from(["field", "missing", "value", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=60)).replace(b"\n", b" ")
    if kind == "value":
        return json.dumps(draw(_JSON)).encode()
    item = dict(GOOD)
    if kind == "missing":
        del item[draw(st.sampled_from(_FIELDS))]
    else:
        item[draw(st.sampled_from(_FIELDS))] = draw(_JSON)
    return json.dumps(item).encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=_label_lines())
def test_any_label_line_reads_or_fails_naming_file_and_line(tmp_path, line):
    path = _file(tmp_path, GOOD, line)
    try:
        records = read_label_file(path)
    except AnalysisInputError as error:
        assert "labels.jsonl line 2" in str(error)
        return
    for record in records:
        assert record.labels["binding_site"].shape == (len(record.sequence),)
