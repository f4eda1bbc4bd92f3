"""`stratlearn data fetch NAME`: known TNTP networks from a mirror folder or a URL (a real HTTP server on 127.0.0.1),
each file checked against its recorded SHA-256 before it enters the cache that load_tntp reads; refused files,
unknown names, unreachable sources and bad mirrors leave nothing behind and give one-line errors."""

import functools
import hashlib
import http.server
import re
import shutil
import socket
import subprocess
import sys
import threading
import urllib.request

import pytest

from stratlearn.cli import main
from stratlearn.errors import ChecksumError, DataError
from stratlearn.games.tntp import fetch_tntp, find_tntp
from stratlearn.games.routing import load_tntp
from stratlearn.games.tntp import TNTP_SHA256, packaged_tntp
from tests._data import TNTP, needs_tntp

KNOWN = "Anaheim, Barcelona, Berlin-Center, Braess-Example, Chicago-Sketch, SiouxFalls, Winnipeg"


def _mirror(root, *names):
    """A folder laid out like the TNTP repository, holding copies of the packaged networks ``names``."""
    for name in names:
        shutil.copytree(packaged_tntp(name), root / name)
    return root


def _everything(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


@pytest.fixture
def serve():
    """Start an HTTP server on 127.0.0.1 over a folder; returns its URL."""
    servers = []

    def start(directory):
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
        handler.log_message = lambda *a, **k: None
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}"

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def offline(monkeypatch):
    """Any attempt to reach the network fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("no network access expected here")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_fetch_from_a_mirror_folder_through_the_environment(tmp_path, monkeypatch, capsys, offline):
    monkeypatch.setenv("STRATLEARN_TNTP_MIRROR", str(_mirror(tmp_path / "mirror", "SiouxFalls", "Braess-Example")))
    monkeypatch.setenv("STRATLEARN_DATA", str(tmp_path / "cache"))
    assert main(["data", "fetch", "SiouxFalls"]) == 0
    assert "24 nodes, 76 links, 24 zones, total demand 360600" in capsys.readouterr().out
    folder = tmp_path / "cache" / "tntp" / "SiouxFalls"
    net, dem = load_tntp(folder)
    assert net.num_links == 76 and sorted(p.name for p in folder.iterdir()) == sorted(TNTP_SHA256["SiouxFalls"])
    # the alias and the folder name whose file prefix differs ("Braess-Example" holds Braess_*.tntp)
    assert fetch_tntp("Braess").name == "Braess-Example"
    assert main(["data", "fetch", "Braess"]) == 0 and "4 nodes, 5 links, 2 zones" in capsys.readouterr().out


def test_fetch_from_a_url_mirror_checks_every_file(tmp_path, serve):
    url = serve(_mirror(tmp_path / "mirror", "SiouxFalls"))
    folder = fetch_tntp("SiouxFalls", mirror=url, cache=tmp_path / "cache")
    for filename, expected in TNTP_SHA256["SiouxFalls"].items():
        assert hashlib.sha256((folder / filename).read_bytes()).hexdigest() == expected
    assert _everything(tmp_path / "cache") == ["tntp", "tntp/SiouxFalls"] + [
        f"tntp/SiouxFalls/{f}" for f in sorted(TNTP_SHA256["SiouxFalls"])]          # no temporary file remains


@needs_tntp("Anaheim")
def test_fetch_a_larger_network_from_a_url_mirror(tmp_path, serve):
    folder = fetch_tntp("Anaheim", mirror=serve(TNTP), cache=tmp_path)
    net, dem = load_tntp(folder)
    assert (net.num_nodes, net.num_links, net.zones) == (416, 914, 38)
    assert not (folder / "Anaheim_node.tntp").exists()        # not published for Anaheim, so never asked for


@pytest.mark.parametrize("through", ["folder", "url"])
def test_a_modified_file_is_refused_and_nothing_is_left_behind(tmp_path, serve, through):
    mirror = _mirror(tmp_path / "mirror", "SiouxFalls")
    trips = mirror / "SiouxFalls" / "SiouxFalls_trips.tntp"
    trips.chmod(0o644)
    trips.write_bytes(trips.read_bytes().replace(b"100.0", b"101.0", 1))          # one changed volume
    actual = hashlib.sha256(trips.read_bytes()).hexdigest()
    expected = TNTP_SHA256["SiouxFalls"]["SiouxFalls_trips.tntp"]
    source = str(mirror) if through == "folder" else serve(mirror)
    with pytest.raises(ChecksumError, match=f"SiouxFalls/SiouxFalls_trips.tntp from .*: SHA-256 {actual} does not "
                       f"match the recorded {expected}; the file was not saved"):
        fetch_tntp("SiouxFalls", mirror=source, cache=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()                  # no file, no temporary file, no empty folder
    # an earlier, good copy in the cache survives a forced fetch from the bad source untouched
    good = fetch_tntp("SiouxFalls", mirror=_mirror(tmp_path / "good", "SiouxFalls"), cache=tmp_path / "cache")
    before = {p.name: p.read_bytes() for p in good.iterdir()}
    with pytest.raises(ChecksumError):
        fetch_tntp("SiouxFalls", mirror=source, cache=tmp_path / "cache", force=True)
    assert {p.name: p.read_bytes() for p in good.iterdir()} == before


def test_cached_files_are_kept_and_damaged_ones_fetched_again(tmp_path, offline):
    mirror = _mirror(tmp_path / "mirror", "SiouxFalls")
    folder = fetch_tntp("SiouxFalls", mirror=mirror, cache=tmp_path / "cache")
    (folder / "SiouxFalls_net.tntp").write_text("damaged")
    shutil.rmtree(mirror / "SiouxFalls")
    (mirror / "SiouxFalls").mkdir()
    shutil.copyfile(packaged_tntp("SiouxFalls") / "SiouxFalls_net.tntp", mirror / "SiouxFalls" / "SiouxFalls_net.tntp")
    fetch_tntp("SiouxFalls", mirror=mirror, cache=tmp_path / "cache")     # only the damaged file is read again
    assert load_tntp(folder)[0].num_links == 76


def test_unknown_names_list_the_known_ones(tmp_path, offline):
    for name in ("Nowhere", "Austin", "../etc", ""):       # Austin is in the repository but has no recorded checksums
        with pytest.raises(DataError, match=re.escape(f"name={name!r}: not a known TNTP network; expected one of "
                                                      f"{KNOWN}")):
            fetch_tntp(name, mirror=tmp_path, cache=tmp_path / "cache")
    assert find_tntp("Nowhere") is None and not (tmp_path / "cache").exists()


def test_missing_files_bad_mirrors_and_unreachable_sources(tmp_path, serve):
    with pytest.raises(DataError, match="mirror='/no/such/folder': not a folder"):
        fetch_tntp("SiouxFalls", mirror="/no/such/folder", cache=tmp_path / "cache")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=r"name='SiouxFalls': no SiouxFalls_net.tntp at http://127.0.0.1:\d+/"
                       r"SiouxFalls/SiouxFalls_net.tntp \(HTTP 404\)"):
        fetch_tntp("SiouxFalls", mirror=serve(tmp_path / "empty"), cache=tmp_path / "cache")
    with socket.socket() as probe:                          # a port on which nothing listens any more
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DataError, match=r"fetching http://127.0.0.1:\d+/SiouxFalls/SiouxFalls_net.tntp failed .*use "
                       r"--mirror FOLDER_OR_URL \(or STRATLEARN_TNTP_MIRROR\)"):
        fetch_tntp("SiouxFalls", mirror=f"http://127.0.0.1:{port}", cache=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize("case", ["unknown", "checksum", "offline", "mirror"])
def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys, case):
    mirror = _mirror(tmp_path / "mirror", "Braess-Example")
    net = mirror / "Braess-Example" / "Braess_net.tntp"
    net.chmod(0o644)
    net.write_bytes(net.read_bytes() + b"\n")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = {"unknown": ["Nowhere"], "checksum": ["Braess-Example", "--mirror", str(mirror)],
            "offline": ["Braess-Example", "--mirror", f"http://127.0.0.1:{port}"],
            "mirror": ["Braess-Example", "--mirror", str(tmp_path / "none")]}[case]
    assert main(["data", "fetch", *args, "--cache", str(tmp_path / "cache")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("stratlearn: error: ") and err.count("\n") == 1, err
    assert {"unknown": KNOWN, "checksum": "does not match the recorded", "offline": "--mirror",
            "mirror": "not a folder"}[case] in err
    assert not (tmp_path / "cache").exists()


def test_cli_process_exit_status(tmp_path):
    result = subprocess.run([sys.executable, "-m", "stratlearn.cli", "data", "fetch", "Nowhere", "--cache",
                             str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [f"stratlearn: error: name='Nowhere': not a known TNTP network; expected one "
                                          f"of {KNOWN} (the networks whose checksums stratlearn records)"]


@pytest.mark.parametrize("name", sorted(TNTP_SHA256))
def test_the_files_each_recorded_checksum_pins_parse(name):
    # fetch_tntp accepts a file only with its recorded SHA-256 and does not parse it (parsing is games/routing.py's,
    # which imports the fetching module): these are those very bytes, parsed, wherever a copy is at hand
    from stratlearn.games.tntp import canonical_tntp_name

    known = canonical_tntp_name(name)
    folders = [TNTP / known] if TNTP is not None else []
    if known in ("SiouxFalls", "Braess-Example"):
        folders.append(packaged_tntp(known))
    folders = [f for f in folders if all((f / fn).is_file() and hashlib.sha256((f / fn).read_bytes()).hexdigest()
                                         == digest for fn, digest in TNTP_SHA256[known].items())]
    if not folders:
        pytest.skip(f"no copy of {known} with the recorded checksums here (STRATLEARN_TEST_DATA names the folder)")
    net, dem = load_tntp(folders[0])
    assert net.num_links > 0 and dem.zones > 0
