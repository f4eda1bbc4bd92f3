"""`stratlearn data fetch NAME`: TNTP networks from a mirror folder or a URL (a real HTTP server on 127.0.0.1
serving the shared data), into a cache that load_tntp reads."""

import functools
import http.server
import threading
from pathlib import Path

import pytest

from stratlearn.cli import main
from stratlearn.errors import StratlearnError
from stratlearn.experiments.data import fetch_tntp
from stratlearn.games.routing import load_tntp

TNTP = Path(__file__).resolve().parents[3] / "shared" / "data" / "tntp"
pytestmark = pytest.mark.skipif(not (TNTP / "SiouxFalls").is_dir(),
                                reason=f"the shared TNTP data is not at {TNTP} (as in a user's clone)")


def test_fetch_from_a_mirror_folder_through_the_environment(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("STRATLEARN_TNTP_MIRROR", str(TNTP))
    monkeypatch.setenv("STRATLEARN_DATA", str(tmp_path))
    assert main(["data", "fetch", "SiouxFalls"]) == 0
    assert "24 nodes, 76 links, 24 zones, total demand 360600" in capsys.readouterr().out
    folder = tmp_path / "tntp" / "SiouxFalls"
    net, dem = load_tntp(folder)
    assert net.num_links == 76 and (folder / "SiouxFalls_flow.tntp").is_file()
    # prefixes that differ from the folder name are resolved
    assert fetch_tntp("Braess-Example", cache=tmp_path).name == "Braess-Example"


@pytest.fixture
def server():
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(TNTP))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_fetch_from_a_url_mirror(tmp_path, server, monkeypatch):
    monkeypatch.setattr(http.server.SimpleHTTPRequestHandler, "log_message", lambda *a, **k: None)
    folder = fetch_tntp("Anaheim", mirror=server, cache=tmp_path)
    net, dem = load_tntp(folder)
    assert (net.num_nodes, net.num_links, net.zones) == (416, 914, 38)
    assert not (folder / "Anaheim_node.tntp").exists()        # not published for Anaheim: skipped, not an error
    with pytest.raises(StratlearnError, match=r"name='Nowhere': no Nowhere_net.tntp at http://127.0.0.1"):
        fetch_tntp("Nowhere", mirror=server, cache=tmp_path)
    assert not (tmp_path / "tntp" / "Nowhere").exists()


def test_bad_names_and_mirrors(tmp_path):
    with pytest.raises(StratlearnError, match=r"name='\.\./etc'"):
        fetch_tntp("../etc", mirror=TNTP, cache=tmp_path)
    with pytest.raises(StratlearnError, match="mirror='/no/such/folder': not a folder"):
        fetch_tntp("SiouxFalls", mirror="/no/such/folder", cache=tmp_path)
