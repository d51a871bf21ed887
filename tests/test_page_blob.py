"""A standalone page's blob is expanded only as far as its index says (issue 23 item 3, second half)."""

from __future__ import annotations

import base64
import json
import re
import tracemalloc
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import protattn_widgets as paw
from protattn_widgets.errors import StandalonePageError
from protattn_widgets.widgets import AttentionExplorer
from protattn_widgets.widgets.page_blob import decode_page_arrays
from protattn_widgets.widgets.standalone import read_standalone_data, standalone_html

_TAG = re.compile(r'(<script type="application/json" id="protattn-data">)(.*?)(</script>)', re.S)
DTYPES = {"u1": "<u1", "u2": "<u2", "u4": "<u4", "f4": "<f4"}


@pytest.fixture(scope="module")
def page(antiberty) -> str:
    ex = AttentionExplorer(paw.example_path("1vfb_complex"), model=antiberty, chain="B")
    return standalone_html(ex, heads="layer")


def _edited(page: str, edit) -> str:
    match = _TAG.search(page)
    data = json.loads(match.group(2))
    edit(data)
    return page[:match.start(2)] + json.dumps(data) + page[match.end(2):]


def _deflated_zeros(size: int) -> str:
    packer, chunk, parts = zlib.compressobj(9), bytes(8 << 20), []
    for _ in range(size // len(chunk)):
        parts.append(packer.compress(chunk))
    parts.append(packer.flush())
    return base64.b64encode(b"".join(parts)).decode("ascii")


def test_a_real_page_still_reads(page):
    data = read_standalone_data(page)
    assert data["arrays"] and all(isinstance(a, np.ndarray) for a in data["arrays"].values())


def test_a_blob_bomb_stops_at_what_the_index_needs_in_little_memory(page):
    bomb = _deflated_zeros(512 << 20)  # 512 MiB of zeros in about half a MiB
    assert len(bomb) < 2 << 20
    text = _edited(page, lambda data: data.update(blob=bomb, compression="deflate"))
    tracemalloc.start()
    try:
        with pytest.raises(StandalonePageError, match="expands beyond"):
            read_standalone_data(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20, f"{peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("shape", [[-1], [2**40, 2**40], [1.5], "[3]", None, [True]])
def test_a_bad_shape_is_refused(page, shape):
    def edit(data):
        name = next(iter(data["arrays"]))
        data["arrays"][name]["shape"] = shape

    with pytest.raises(StandalonePageError, match="shape|beyond"):
        read_standalone_data(_edited(page, edit))


_VALUE = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(), st.text(max_size=4),
                   st.lists(st.integers(-5, 2**40), max_size=4))
_ENTRY = st.fixed_dictionaries({}, optional={"dtype": st.sampled_from(["u1", "u2", "u4", "f4", "f8", 3]),
                                             "shape": st.one_of(_VALUE, st.lists(st.integers(-3, 40), max_size=3)),
                                             "offset": st.one_of(_VALUE, st.integers(0, 64))})


@settings(max_examples=300, deadline=None)
@given(index=st.dictionaries(st.text(max_size=3), st.one_of(_ENTRY, _VALUE), max_size=4),
       blob=st.binary(max_size=128), compression=st.sampled_from(["deflate", None, "gzip"]))
def test_any_index_decodes_within_the_blob_or_is_refused(index, blob, compression):
    text = base64.b64encode(zlib.compress(blob) if compression == "deflate" else blob).decode()
    try:
        arrays = decode_page_arrays(text, compression, index, DTYPES)
    except StandalonePageError:
        return
    for name, array in arrays.items():
        assert list(array.shape) == index[name]["shape"] and array.nbytes <= len(blob)


def test_avg2d_filter_round_trips_and_an_unknown_filter_is_refused():
    """The page's matrices are stored as prediction residuals (smaller after deflate); both readers
    undo it exactly (js/tests/page_filter.test.js for the page's); an unknown filter is an error."""
    import base64
    import zlib

    from protattn_widgets.errors import StandalonePageError
    from protattn_widgets.widgets.page_blob import decode_page_arrays, predict_decode, predict_encode

    rng = np.random.default_rng(3)
    for shape in [(4, 9, 7), (1, 1), (2, 1, 5), (3, 6, 1), (19, 5, 5)]:
        images = rng.integers(0, 256, shape, dtype=np.uint8)
        np.testing.assert_array_equal(predict_decode(predict_encode(images)), images)
    smooth = np.add.outer(np.arange(64), np.arange(64)).astype(np.uint8)[None]
    assert len(zlib.compress(predict_encode(smooth).tobytes())) < len(zlib.compress(smooth.tobytes())) / 3
    images = rng.integers(0, 256, (3, 8, 8), dtype=np.uint8)
    blob = base64.b64encode(zlib.compress(predict_encode(images).tobytes())).decode()
    index = {"m": {"offset": 0, "dtype": "u1", "shape": [3, 8, 8], "filter": "avg2d"}}
    np.testing.assert_array_equal(decode_page_arrays(blob, "deflate", index, {"u1": "<u1"})["m"], images)
    with pytest.raises(StandalonePageError, match="unknown filter"):
        decode_page_arrays(blob, "deflate", {"m": {**index["m"], "filter": "png"}}, {"u1": "<u1"})


def test_the_page_filters_its_matrices_only_where_that_makes_them_smaller():
    """Block maxima that vary smoothly deflate smaller as residuals; a head made of long exact repeats
    (what deflate finds in a real model's small heads) does not, and is stored as it is."""
    from protattn_widgets.widgets.standalone import _Blob

    rng = np.random.default_rng(7)
    side = 64
    smooth = (np.add.outer(np.arange(side), np.arange(side))[None] * 2 + rng.integers(0, 3, (8, side, side)))
    blob = _Blob()
    blob.add("m", smooth.clip(0, 255).astype(np.uint8), "u1", (8, side, side), filter="avg2d")
    assert blob.index["m"].get("filter") == "avg2d"
    repeats = np.tile(rng.integers(0, 256, (1, 4, side), dtype=np.uint8), (8, side // 4, 1))
    blob.add("r", repeats, "u1", (8, side, side), filter="avg2d")
    assert "filter" not in blob.index["r"]
