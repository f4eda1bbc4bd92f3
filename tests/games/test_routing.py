"""Congestion networks and TNTP files."""

from pathlib import Path

import numpy as np
import pytest

from stratlearn.games.routing import (Network, TNTPError, braess, load_tntp, pigou, read_demand, read_flows,
                                      read_network)

TNTP = Path(__file__).resolve().parents[3] / "shared" / "data" / "tntp"
needs_tntp = pytest.mark.skipif(not (TNTP / "SiouxFalls").is_dir(),
                                reason=f"the shared TNTP data is not at {TNTP} (as in a user's clone)")


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


@needs_tntp
def test_read_sioux_falls_and_braess():
    net, dem = load_tntp(TNTP / "SiouxFalls")
    assert (net.num_nodes, net.num_links, net.zones) == (24, 76, 24)
    assert dem.total == pytest.approx(360600.0)
    assert net.capacity[0] == pytest.approx(25900.20064) and net.free_flow_time[0] == 6
    flows = read_flows(TNTP / "SiouxFalls" / "SiouxFalls_flow.tntp", net)
    assert flows.shape == (76,) and flows[0] == pytest.approx(4494.6576464564205)
    bnet, bdem = load_tntp(TNTP / "Braess-Example")
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
