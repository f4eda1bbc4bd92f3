"""Certified user-equilibrium references of TNTP road networks (``stratlearn data certify NAME``).

A reference is what a transportation study compares against: the link flows and costs of the user equilibrium to a
stated relative gap (Algorithm B, :func:`stratlearn.equilibria.wardrop.user_equilibrium` with ``method="b"``), the
gap actually reached (said plainly when the target was not reached in the time allowed), the total travel time, the
method, and the SHA-256 checksums of the input files, so that a reference is never compared with other inputs.
Where the network has a published best-known flow file (``*_flow.tntp``), the reference also records how the two
differ: both gaps under one formula (:func:`~stratlearn.equilibria.wardrop.relative_gap`), which is smaller, their
total travel times and the largest link-flow difference relative to the largest flow.

The file is JSON, written atomically (:func:`stratlearn.files.atomic_write`) with the user's umask.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import numpy as np

from ..errors import InvalidParameterError, check_positive
from ..files import atomic_write

__all__ = ["certify_network", "CERTIFY_GAP"]

CERTIFY_GAP = 1e-10
"""The relative gap a reference aims for (issue: 1e-10, or the smallest reached, said plainly)."""


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def certify_network(network, *, gap: float = CERTIFY_GAP, time_limit: float = 600.0, output=None,
                    name: str | None = None) -> dict:
    """Solve a TNTP network's user equilibrium to ``gap`` by Algorithm B and write its reference file.

    Args:
        network: a TNTP network name (``"SiouxFalls"``, ``"Anaheim"``, ...: looked up as by
            :func:`~stratlearn.games.routing.load_tntp`) or a folder of TNTP files.
        gap: the relative gap to reach (default 1e-10).
        time_limit: seconds; the solve stops there, and the reference records the gap it reached.
        output: the JSON file to write (default ``<prefix>_reference.json`` in the current folder); ``False``
            writes nothing.
        name: the file prefix, when the folder holds several networks.

    Returns:
        The reference as a dict (also written to ``output``), with ``path`` added when written.

    Raises:
        InvalidParameterError: ``gap`` or ``time_limit`` not a positive number.
        DataError / TNTPError: the network cannot be found or read.
    """
    from ..games.routing import load_tntp, read_flows, tntp_files
    from .wardrop import relative_gap, user_equilibrium

    gap = check_positive("gap", gap)
    time_limit = check_positive("time_limit", time_limit)
    net_file, trips_file, flow_file = tntp_files(network, name)
    net, demand = load_tntp(net_file.parent, net_file.name[:-len("_net.tntp")])
    started = time.perf_counter()
    result = user_equilibrium(net, demand, method="b", gap=gap, max_iterations=10_000_000, time_limit=time_limit)
    seconds = time.perf_counter() - started
    ours = relative_gap(net, demand, result.flow)
    reference = {
        "network": net.name,
        "method": "b (Algorithm B, Dial 2006)",
        "objective": "user equilibrium",
        "target_gap": gap,
        "relative_gap": ours,
        "reached": bool(ours <= gap),
        "gap_formula": "(sum_e v_e c_e - sum_od d_od pi_od) / sum_e v_e c_e",
        "total_travel_time": result.tstt,
        "iterations": result.iterations,
        "seconds": seconds,
        "inputs": {net_file.name: _sha256(net_file), trips_file.name: _sha256(trips_file)},
        "links": {"init_node": net.tail.tolist(), "term_node": net.head.tolist(), "flow": result.flow.tolist(),
                  "cost": result.cost.tolist()},
    }
    if flow_file is not None:
        published = read_flows(flow_file, net)
        theirs = relative_gap(net, demand, published)
        diff = np.abs(result.flow - published)
        worst = int(np.argmax(diff))
        reference["best_known"] = {
            "file": flow_file.name, "sha256": _sha256(flow_file), "relative_gap": theirs,
            "total_travel_time": net.total_travel_time(published),
            "smaller_gap": "ours" if ours < theirs else ("best-known" if theirs < ours else "equal"),
            "max_link_flow_difference_over_max_flow": float(diff.max() / max(published.max(), 1e-300)),
            "at_link": f"{int(net.tail[worst])} -> {int(net.head[worst])}",
        }
    if output is not False:
        path = Path(output) if output is not None else Path(f"{net_file.name[:-len('_net.tntp')]}_reference.json")
        if path.is_dir():
            raise InvalidParameterError(f"output={str(path)!r}: a folder; expected a file name")
        text = json.dumps(reference, indent=1)
        atomic_write(path, lambda tmp: tmp.write_text(text))
        reference["path"] = str(path)
    return reference
