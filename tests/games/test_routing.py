"""Congestion networks and TNTP files; the networks packaged with stratlearn, loaded by name."""

import hashlib
import shutil
import socket
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stratlearn
from stratlearn.errors import DataError
from stratlearn.games.routing import (Network, TNTPError, braess, load_tntp, pigou, read_demand, read_flows,
                                      read_network)
from stratlearn.games.tntp import PACKAGED_TNTP, TNTP_NETWORKS, TNTP_SHA256, locate_tntp, packaged_tntp


def test_bpr_latency_and_its_integral():
    net = Network(tail=[1], head=[2], capacity=[2.0], free_flow_time=[3.0], b=[0.15], power=[4], num_nodes=2,
                  zones=2)
    v = np.array([1.7])
    assert net.latency(v)[0] == pytest.approx(3 * (1 + 0.15 * (1.7 / 2) ** 4))
    h = 1e-6
    assert net.latency_derivative(v)[0] == pytest.approx((net.latency(v + h) - net.latency(v - h))[0] / (2 * h),
                                                         rel=1e-6)
    assert net.latency_integral(v)[0] == pytest.approx(
        np.trapezoid(net.latency(np.linspace(0, 1.7, 20001)), np.linspace(0, 1.7, 20001)), rel=1e-8)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 5e4), min_size=76, max_size=76), st.lists(st.integers(0, 75), min_size=1, max_size=20))
def test_latencies_of_a_subset_of_links_equal_the_full_vectors_entries(flows, links):
    # the path-based solvers read only the links of one pair's paths: the subset call must be the full call's entries,
    # bit for bit (the solvers' results are then unchanged by reading fewer links)
    net, _ = load_tntp(packaged_tntp("SiouxFalls"))
    v, links = np.array(flows), np.array(links)
    for f in (net.latency, net.latency_derivative, net.latency_second_derivative):
        np.testing.assert_array_equal(f(v[links], links), f(v)[links])


def test_read_sioux_falls_and_braess():
    folder = packaged_tntp("SiouxFalls")
    net, dem = load_tntp(folder)                       # a folder path, as before
    assert (net.num_nodes, net.num_links, net.zones) == (24, 76, 24)
    assert dem.total == pytest.approx(360600.0)
    assert net.capacity[0] == pytest.approx(25900.20064) and net.free_flow_time[0] == 6
    flows = read_flows(folder / "SiouxFalls_flow.tntp", net)
    assert flows.shape == (76,) and flows[0] == pytest.approx(4494.6576464564205)
    bnet, bdem = load_tntp(str(packaged_tntp("Braess-Example")))      # a folder given as a string
    ours, _ = braess()
    v = np.array([4.0, 2.0, 2.0, 2.0, 4.0])
    np.testing.assert_allclose(bnet.latency(v), ours.latency(v), rtol=1e-8)    # the file's 1e-8 constant aside
    assert bdem.volume[0, 1] == 6.0


def test_malformed_files_name_file_line_and_field(tmp_path):
    good = ("<NUMBER OF ZONES> 2\n<NUMBER OF NODES> 3\n<FIRST THRU NODE> 1\n<NUMBER OF LINKS> 2\n"
            "<END OF METADATA>\n\n~ init term cap len fft b power speed toll type ;\n")
    path = tmp_path / "X_net.tntp"
    path.write_text(good + "\t1\t2\t10\t1\t1\t0.15\t4\t0\t0\t1\t;\n\t2\t3\tabc\t1\t1\t0.15\t4\t0\t0\t1\t;\n")
    with pytest.raises(TNTPError, match=r"X_net.tntp, line 9, field capacity: 'abc' is not a number"):
        read_network(path)
    path.write_text(good + "\t1\t2\t10\t1\t1\t0.15\t4\t0\t0\t1\t;\n\t2\t3\t0\t1\t1\t0.15\t4\t0\t0\t1\t;\n")
    with pytest.raises(TNTPError, match=r"line 9, field capacity: 0 on link 2 -> 3; expected a capacity > 0"):
        read_network(path)
    path.write_text(good + "\t1\t2\t10\t1\t1\t0.15\t4\t0\t0\t1\t;\n\t2\t9\t5\t1\t1\t0.15\t4\t0\t0\t1\t;\n")
    with pytest.raises(TNTPError, match=r"line 9, field term_node: 9; expected a node number in 1..3"):
        read_network(path)
    path.write_text(good + "\t1\t2\t10\t1\t1\t0.15\t4\t0\t0\t1\t;\n\t2\t3\t5\t1\t1\t0.15\t0.5\t0\t0\t1\t;\n")
    with pytest.raises(TNTPError, match=r"line 9, field power: 0.5; expected 0 \(a constant travel time\) or a number >= 1"):
        read_network(path)
    path.write_text("no metadata here\n")
    with pytest.raises(TNTPError, match="X_net.tntp: no <END OF METADATA> line"):
        read_network(path)
    trips = tmp_path / "X_trips.tntp"
    trips.write_text("<NUMBER OF ZONES> 2\n<END OF METADATA>\n\nOrigin 1\n    2 :   -5.0;\n")
    with pytest.raises(TNTPError, match=r"X_trips.tntp, line 5, field volume: -5.0 from zone 1 to 2"):
        read_demand(trips)
    trips.write_text("<NUMBER OF ZONES> 2\n<END OF METADATA>\n\nOrigin 1\n    2    7.0;\n")
    with pytest.raises(TNTPError, match=r"line 5, field destination: '2    7.0'; expected 'destination : volume'"):
        read_demand(trips)


def test_power_zero_links_have_a_constant_travel_time(tmp_path):
    # BPR with power 0: t0 (1 + b (v/c)^0) = t0 (1 + b) at every flow (Winnipeg's net file has 1176 such links)
    path = tmp_path / "X_net.tntp"
    path.write_text("<NUMBER OF ZONES> 2\n<NUMBER OF NODES> 3\n<FIRST THRU NODE> 1\n<NUMBER OF LINKS> 2\n"
                    "<END OF METADATA>\n\n~ init term cap len fft b power speed toll type ;\n"
                    "\t1\t2\t10\t1\t2\t0.5\t0\t0\t0\t1\t;\n\t2\t3\t10\t1\t1\t0.15\t4\t0\t0\t1\t;\n")
    net = read_network(path)
    for v in (0.0, 3.0, 50.0):
        flows = np.array([v, v])
        assert net.latency(flows)[0] == pytest.approx(3.0) and net.latency_derivative(flows)[0] == 0.0
    assert net.latency(np.array([10.0, 10.0]))[1] == pytest.approx(1.15)


def test_builtins_and_tolls():
    net, dem = pigou()
    assert net.latency(np.array([1.0, 1.0])).tolist() == [1.0, 1.0]
    tolled = net.with_tolls([0.0, 0.5])
    assert tolled.toll.tolist() == [0.0, 0.5] and net.toll.tolist() == [0.0, 0.0]
    with pytest.raises(Exception, match="toll: expected 2 finite values"):
        net.with_tolls([1.0])
    with pytest.raises(Exception, match=r"power=0.5 on link 0"):
        Network(tail=[1], head=[2], capacity=[1.0], free_flow_time=[1.0], b=[1.0], power=[0.5], num_nodes=2,
                zones=2)


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network at all (any download or socket connection fails), no $STRATLEARN_TNTP_DIR, an empty cache."""
    def refuse(*args, **kwargs):
        raise AssertionError("a packaged network must load without network access")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.delenv("STRATLEARN_TNTP_DIR", raising=False)
    monkeypatch.setenv("STRATLEARN_DATA", str(tmp_path / "cache"))
    return tmp_path


def test_packaged_networks_load_by_name_without_network_access(offline):
    net, dem = load_tntp("SiouxFalls")
    assert (net.num_nodes, net.num_links, net.zones, dem.zones) == (24, 76, 24, 24)
    assert dem.total == pytest.approx(360600.0)
    for name in ("Braess-Example", "Braess"):
        net, dem = load_tntp(name)
        assert (net.num_nodes, net.num_links, net.zones) == (4, 5, 2) and dem.volume[0, 1] == 6.0
    package = Path(stratlearn.__file__).resolve().parent
    assert locate_tntp("SiouxFalls").is_relative_to(package)            # read from inside the package
    assert not (offline / "cache").exists()                             # and nothing was written to the cache


def test_packaged_files_match_the_recorded_checksums():
    for name in PACKAGED_TNTP:
        folder = packaged_tntp(name)
        assert sorted(p.name for p in folder.glob("*.tntp")) == sorted(TNTP_SHA256[name])
        for filename, expected in TNTP_SHA256[name].items():
            assert hashlib.sha256((folder / filename).read_bytes()).hexdigest() == expected, filename
    terms = (packaged_tntp("SiouxFalls").parent / "README.txt").read_text()
    assert "github.com/bstabler/TransportationNetworks" in terms and "academic research" in terms
    assert set(TNTP_SHA256) == set(TNTP_NETWORKS)


def test_names_not_on_this_machine_say_what_to_run(offline):
    with pytest.raises(DataError, match=r"'Anaheim': network not packaged with stratlearn and not in the cache "
                       r".*run `stratlearn data fetch Anaheim` first \(known networks: Anaheim, Barcelona, "
                       r"Berlin-Center, Braess-Example, Chicago-Sketch, SiouxFalls, Winnipeg\)"):
        load_tntp("Anaheim")
    with pytest.raises(DataError, match=r"'Atlantis': neither a folder of TNTP files nor a known TNTP network; "
                       r"known networks: Anaheim, .*, Winnipeg .*`stratlearn data fetch NAME`"):
        load_tntp("Atlantis")
    assert isinstance(DataError("x"), ValueError)
    with pytest.raises(TNTPError, match="not a folder of TNTP files"):
        load_tntp(offline / "no-such-folder")                          # a path stays a path


def test_a_name_is_found_in_the_cache_and_in_the_tntp_dir(offline, monkeypatch):
    # stand-in files under Anaheim's name (Braess's content): only the lookup is under test here
    cached = offline / "cache" / "tntp" / "Anaheim"
    cached.mkdir(parents=True)
    for kind in ("net", "trips"):
        shutil.copyfile(packaged_tntp("Braess") / f"Braess_{kind}.tntp", cached / f"Anaheim_{kind}.tntp")
    assert load_tntp("Anaheim")[0].num_links == 5 and locate_tntp("Anaheim") == cached
    own = offline / "mine" / "SiouxFalls"                                # $STRATLEARN_TNTP_DIR comes first
    own.mkdir(parents=True)
    for kind in ("net", "trips"):
        shutil.copyfile(packaged_tntp("Braess") / f"Braess_{kind}.tntp", own / f"SiouxFalls_{kind}.tntp")
    monkeypatch.setenv("STRATLEARN_TNTP_DIR", str(offline / "mine"))
    assert locate_tntp("SiouxFalls") == own and load_tntp("SiouxFalls")[0].num_links == 5
