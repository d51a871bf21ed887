"""PDB downloads are bounded in total time and in size, and PROTATTN_PDB_URL may hold other braces."""

from __future__ import annotations

import http.server
import threading
import time

import pytest

import protattn_widgets.download as download_module
from protattn_widgets import example_path, fetch_pdb, load_structure
from protattn_widgets.errors import StructureDownloadError

CRN = example_path("1crn")


class _Handler(http.server.BaseHTTPRequestHandler):
    """``/trickle/...``: a byte every 0.2 s; ``/huge/...``: claims 3 GB; ``/endless/...``: no
    length, data until the client stops; anything else: 1crn as PDB text (the path is echoed
    in a header so a test can see which URL was asked for)."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        kind = self.path.split("/")[1]
        self.send_response(200)
        self.send_header("X-Path", self.path)
        try:
            if kind == "trickle":
                self.send_header("Content-Length", "1000")
                self.end_headers()
                for _ in range(1000):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.2)
            elif kind == "huge":
                self.send_header("Content-Length", str(3 * 2**30))
                self.end_headers()
                self.wfile.write(b"data_x\n" * 1000)
            elif kind == "endless":
                self.end_headers()
                block = b"ATOM" * 16384
                for _ in range(10_000):
                    self.wfile.write(block)
            else:
                body = CRN.read_bytes()
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def test_a_trickling_server_is_cut_off_at_the_total_timeout(server, tmp_path, monkeypatch):
    monkeypatch.setenv("PROTATTN_PDB_URL", server + "/trickle/{pdb_id}.cif")
    monkeypatch.setattr(download_module, "DOWNLOAD_TIMEOUT_S", 1.0)
    start = time.monotonic()
    with pytest.raises(StructureDownloadError, match=r"'1CRN'.*within 1 s"):
        fetch_pdb("1crn", cache_dir=tmp_path)
    assert time.monotonic() - start < 3, "each read got under 0.2 s, but the whole download is bounded"
    assert list(tmp_path.iterdir()) == []


def test_a_body_larger_than_the_cap_is_refused_from_its_length(server, tmp_path, monkeypatch):
    monkeypatch.setenv("PROTATTN_PDB_URL", server + "/huge/{pdb_id}.cif")
    with pytest.raises(StructureDownloadError, match=r"3072 MiB, more than the 512 MiB"):
        fetch_pdb("1crn", cache_dir=tmp_path)


def test_a_body_without_length_is_read_only_up_to_the_cap(server, tmp_path, monkeypatch):
    monkeypatch.setenv("PROTATTN_PDB_URL", server + "/endless/{pdb_id}.cif")
    monkeypatch.setattr(download_module, "DOWNLOAD_MAX_BYTES", 2**20)
    with pytest.raises(StructureDownloadError, match="larger than the 1 MiB accepted"):
        fetch_pdb("1crn", cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_url_template_with_other_braces(server, tmp_path, monkeypatch):
    template = server + "/files/{pdb_id}.pdb?fields={a,b}&x={}"
    monkeypatch.setenv("PROTATTN_PDB_URL", template)
    assert download_module.pdb_url("1CRN") == server + "/files/1CRN.pdb?fields={a,b}&x={}"
    body = download_module.download(download_module.pdb_url("1CRN"), "PDB entry '1CRN'")
    assert body == CRN.read_bytes()


def test_url_template_without_placeholder(monkeypatch, tmp_path):
    monkeypatch.setenv("PROTATTN_PDB_URL", "https://example.org/{id}.cif")
    with pytest.raises(StructureDownloadError, match=r"no '\{pdb_id\}' placeholder"):
        fetch_pdb("1crn", cache_dir=tmp_path)


def test_malformed_url_is_a_download_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PROTATTN_PDB_URL", "not a url {pdb_id}")
    with pytest.raises(StructureDownloadError, match="could not download"):
        fetch_pdb("1crn", cache_dir=tmp_path)
