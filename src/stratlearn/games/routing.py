"""Congestion networks for routing games and road tolls, [4].

[4] Maheshwari, Cheng, Sastry, Ratliff, Mazumdar. Follower agnostic methods for Stackelberg games / learning incentives
without knowing the followers' utilities (arXiv 2302.01421).

A :class:`Network` is a directed graph whose links have BPR latencies ``t_e(v) = t0_e (1 + B_e (v/c_e)^p_e)``
(free-flow time ``t0``, capacity ``c``, ``B`` and power ``p`` per link), stored as ``t0 + k (v/c)^p`` with the
congestion coefficient ``k = t0 B``, so that latencies without a constant part (``t = v`` in Pigou's network) are
exact (:meth:`Network.from_latencies`). Travellers pay the latency plus a toll
per link; tolls may be negative (subsidies). A :class:`Demand` holds the origin-destination volumes; it is kept
apart from the network because in [4] the planner (the leader) knows the network but not the demand.

TNTP files (the format of the Transportation Networks for Research repository: ``*_net.tntp``, ``*_trips.tntp``,
``*_flow.tntp``) are read by :func:`read_network`, :func:`read_demand` and :func:`read_flows`; :func:`load_tntp`
reads a folder, or a network by name (Sioux Falls and Braess ship with the package; see
:mod:`stratlearn.games.tntp`). Zones are the first nodes (1..Z). Nodes numbered below ``<FIRST THRU NODE>`` are
zones that traffic may start or end at but not pass through.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataWarning, InvalidGameError, InvalidParameterError, StratlearnError
from .tntp import tntp_folder, tntp_prefix

__all__ = ["Network", "Demand", "TNTPError", "read_network", "read_demand", "read_flows", "load_tntp", "tntp_files",
           "pigou", "braess"]


class TNTPError(StratlearnError):
    """A TNTP file is malformed; the message names the file, the line and the field."""


# ------------------------------------------------------------------------------------------------ network
@dataclass(frozen=True, eq=False)
class Network:
    """A directed network with BPR link latencies (arrays of one entry per link; nodes are numbered 1..N as in
    TNTP files, and ``tail``/``head`` hold those numbers).

    ``zones``: how many of the first nodes are zones (origins and destinations); ``first_thru_node``: nodes below
    it may not be passed through; ``toll``: a fixed toll per link read from the file (added to the latency in
    every cost, default 0).
    """

    tail: np.ndarray
    head: np.ndarray
    capacity: np.ndarray
    free_flow_time: np.ndarray
    b: np.ndarray
    power: np.ndarray
    num_nodes: int
    zones: int
    first_thru_node: int = 1
    toll: np.ndarray | None = None
    length: np.ndarray | None = None
    name: str = "network"
    congestion: np.ndarray | None = None

    def __post_init__(self):
        tail = np.asarray(self.tail)
        head = np.asarray(self.head)
        if tail.ndim != 1 or tail.shape != head.shape or tail.size == 0:
            raise InvalidGameError(f"tail, head: expected two equal-length lists of link end nodes, got shapes "
                                   f"{tail.shape} and {head.shape}")
        n = self.num_nodes
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
            raise InvalidGameError(f"num_nodes={n!r}: expected an integer >= 2")
        for name, ends in (("tail", tail), ("head", head)):
            if not np.issubdtype(ends.dtype, np.integer):
                if not np.all(np.asarray(ends, float) == np.round(np.asarray(ends, float))):
                    raise InvalidGameError(f"{name}: expected integer node numbers")
            bad = np.flatnonzero((ends < 1) | (ends > n))
            if bad.size:
                raise InvalidGameError(f"{name}[{bad[0]}]={ends[bad[0]]}: expected a node number in 1..{n}")
        object.__setattr__(self, "tail", tail.astype(np.int64))
        object.__setattr__(self, "head", head.astype(np.int64))
        loops = np.flatnonzero(tail == head)
        if loops.size:
            raise InvalidGameError(f"link {loops[0]} ({tail[loops[0]]} -> {head[loops[0]]}): a loop; expected "
                                   "distinct end nodes")
        links = tail.size
        for name, positive in (("capacity", True), ("free_flow_time", False), ("b", False), ("power", True)):
            values = np.asarray(getattr(self, name), dtype=float)
            if values.ndim == 0:
                values = np.full(links, float(values))
            if values.shape != (links,):
                raise InvalidGameError(f"{name}: expected {links} values (one per link), got shape {values.shape}")
            bad = np.flatnonzero(~np.isfinite(values) | ((values <= 0) if positive else (values < 0)))
            if bad.size:
                j = bad[0]
                raise InvalidGameError(f"{name}={float(values[j])!r} on link {j} ({tail[j]} -> {head[j]}): expected a "
                                       f"finite number {'> 0' if positive else '>= 0'}")
            object.__setattr__(self, name, values)
        if self.congestion is None:
            object.__setattr__(self, "congestion", self.free_flow_time * self.b)
        else:
            k = np.asarray(self.congestion, dtype=float)
            if k.shape != (links,) or not np.isfinite(k).all() or (k < 0).any():
                raise InvalidGameError(f"congestion: expected {links} finite values >= 0 (one per link)")
            object.__setattr__(self, "congestion", k)
        if np.any((np.asarray(self.power) < 1)):
            j = int(np.flatnonzero(np.asarray(self.power) < 1)[0])
            raise InvalidGameError(f"power={float(self.power[j])!r} on link {j}: expected a BPR power >= 1 (a convex "
                                   "latency)")
        toll = np.zeros(links) if self.toll is None else np.asarray(self.toll, dtype=float)
        if toll.shape != (links,) or not np.isfinite(toll).all():
            raise InvalidGameError(f"toll: expected {links} finite values (one per link)")
        object.__setattr__(self, "toll", toll)
        if self.length is not None:
            object.__setattr__(self, "length", np.asarray(self.length, dtype=float))
        if isinstance(self.zones, bool) or not isinstance(self.zones, (int, np.integer)) or not 1 <= self.zones <= n:
            raise InvalidGameError(f"zones={self.zones!r}: expected an integer in 1..num_nodes={n}")
        if not isinstance(self.first_thru_node, (int, np.integer)) or not 1 <= self.first_thru_node <= n + 1:
            raise InvalidGameError(f"first_thru_node={self.first_thru_node!r}: expected an integer in 1..{n + 1}")

    @classmethod
    def from_latencies(cls, tail, head, constant, coefficient, power=1.0, capacity=1.0, *, num_nodes: int,
                       zones: int, name: str = "network") -> "Network":
        """A network with latencies ``t(v) = constant + coefficient (v/capacity)^power`` per link."""
        tail = np.asarray(tail)
        ones = np.ones(tail.shape)
        return cls(tail=tail, head=np.asarray(head), capacity=np.asarray(capacity, float) * ones,
                   free_flow_time=np.asarray(constant, float) * ones, b=np.zeros(tail.shape),
                   power=np.asarray(power, float) * ones, num_nodes=num_nodes, zones=zones, name=name,
                   congestion=np.asarray(coefficient, float) * ones)

    @property
    def num_links(self) -> int:
        return int(self.tail.size)

    def _link_terms(self, flow, links):
        """The flows and latency parameters of ``links`` (all links when ``None``; then ``flow`` holds one value
        per link of the network, else one per entry of ``links``)."""
        v = np.maximum(np.asarray(flow, dtype=float), 0.0)
        if links is None:
            return v, self.free_flow_time, self.congestion, self.capacity, self.power
        return v, self.free_flow_time[links], self.congestion[links], self.capacity[links], self.power[links]

    def latency(self, flow, links=None) -> np.ndarray:
        """``t(v) = t0 + k (v/c)^p`` per link (``= t0 (1 + B (v/c)^p)`` for BPR). With ``links`` (link indices),
        ``flow`` holds those links' flows and the result their latencies: the path-based solvers update one
        origin-destination pair at a time and read only the links of its paths."""
        v, t0, k, c, p = self._link_terms(flow, links)
        return t0 + k * (v / c) ** p

    def latency_derivative(self, flow, links=None) -> np.ndarray:
        """``t′(v) = k p v^{p−1} / c^p`` per link (``links`` as in :meth:`latency`)."""
        v, _, k, c, p = self._link_terms(flow, links)
        return k * p * v ** (p - 1) / c ** p

    def latency_second_derivative(self, flow, links=None) -> np.ndarray:
        """``t″(v) = k p (p − 1) v^{p−2} / c^p`` per link (0 where ``p = 1``; ``links`` as in :meth:`latency`)."""
        v, _, k, c, p = self._link_terms(flow, links)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = k * p * (p - 1) * v ** (p - 2) / c ** p
        return np.where(p == 1, 0.0, np.nan_to_num(out, posinf=0.0))

    def latency_integral(self, flow) -> np.ndarray:
        """``∫₀^v t(u) du = t0 v + k v^{p+1} / ((p + 1) c^p)`` per link (the terms of Beckmann's potential)."""
        v = np.maximum(np.asarray(flow, dtype=float), 0.0)
        return self.free_flow_time * v + self.congestion * v ** (self.power + 1) / ((self.power + 1)
                                                                                   * self.capacity ** self.power)

    def total_travel_time(self, flow) -> float:
        """``Σ_e v_e t_e(v_e)`` (tolls are transfers, not travel time)."""
        v = np.asarray(flow, dtype=float)
        return float(np.sum(v * self.latency(v)))

    def with_tolls(self, toll) -> "Network":
        """The same network with the per-link ``toll`` (replacing the file's)."""
        toll = np.asarray(toll, dtype=float)
        if toll.shape != (self.num_links,) or not np.isfinite(toll).all():
            raise InvalidParameterError(f"toll: expected {self.num_links} finite values (one per link), got shape "
                                        f"{toll.shape}")
        copy = object.__new__(Network)
        for f in self.__dataclass_fields__:
            object.__setattr__(copy, f, getattr(self, f))
        object.__setattr__(copy, "toll", toll)
        return copy


@dataclass(frozen=True, eq=False)
class Demand:
    """Origin-destination volumes: ``volume[i, j]`` travellers a unit of time from zone ``i + 1`` to zone ``j + 1``
    (a (Z, Z) array; the diagonal is ignored)."""

    volume: np.ndarray
    name: str = field(default="demand")

    def __post_init__(self):
        try:
            vol = np.asarray(self.volume, dtype=float)
        except (TypeError, ValueError):
            raise InvalidParameterError("demand: expected a square array of numbers (zones x zones)") from None
        if vol.ndim != 2 or vol.shape[0] != vol.shape[1] or vol.shape[0] == 0:
            raise InvalidParameterError(f"demand: expected a square (zones x zones) array, got shape {vol.shape}")
        bad = np.argwhere(~np.isfinite(vol) | (vol < 0))
        if bad.size:
            i, j = bad[0]
            raise InvalidParameterError(f"demand from zone {i + 1} to zone {j + 1} = {float(vol[i, j])!r}: expected a "
                                        "finite volume >= 0")
        vol = vol.copy()
        np.fill_diagonal(vol, 0.0)
        object.__setattr__(self, "volume", vol)

    @property
    def zones(self) -> int:
        return int(self.volume.shape[0])

    @property
    def total(self) -> float:
        return float(self.volume.sum())

    def scaled(self, factor: float) -> "Demand":
        return Demand(self.volume * float(factor), name=f"{self.name} x {factor:g}")


# ------------------------------------------------------------------------------------------------ TNTP files
_META = re.compile(r"^\s*<([^>]+)>\s*(.*?)\s*$")


def _lines(path: Path):
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise TNTPError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return text.splitlines()


def _metadata(path: Path, lines):
    meta, start = {}, None
    for number, line in enumerate(lines, 1):
        m = _META.match(line)
        if m:
            key = m.group(1).strip().upper()
            if key == "END OF METADATA":
                start = number
                break
            meta[key] = (m.group(2), number)
    if start is None:
        raise TNTPError(f"{path.name}: no <END OF METADATA> line; expected a TNTP file")
    return meta, start


def _meta_int(path, meta, key, required=True):
    if key not in meta:
        if required:
            raise TNTPError(f"{path.name}: missing <{key}> in the metadata")
        return None
    value, line = meta[key]
    try:
        number = float(value.split()[0])
    except (ValueError, IndexError):
        raise TNTPError(f"{path.name}, line {line}, field <{key}>: {value!r} is not a number") from None
    if not math.isfinite(number) or number != int(number) or number < 0:
        raise TNTPError(f"{path.name}, line {line}, field <{key}>: {value.strip()!r}; expected a whole number >= 0")
    return int(number)


def _number(path, line_no, field_name, text, *, integer=False):
    try:
        value = float(text)
    except ValueError:
        raise TNTPError(f"{path.name}, line {line_no}, field {field_name}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise TNTPError(f"{path.name}, line {line_no}, field {field_name}: {text!r}; expected a finite number")
    if integer and value != int(value):
        raise TNTPError(f"{path.name}, line {line_no}, field {field_name}: {text!r} is not an integer")
    return value


_NET_FIELDS = ("init_node", "term_node", "capacity", "length", "free_flow_time", "b", "power", "speed", "toll",
               "link_type")


def read_network(path, name: str | None = None) -> Network:
    """Read a TNTP ``*_net.tntp`` file. Malformed lines raise :class:`TNTPError` naming the file, the line and the
    field; zero or negative capacities raise naming the link."""
    path = Path(path)
    lines = _lines(path)
    meta, start = _metadata(path, lines)
    nodes = _meta_int(path, meta, "NUMBER OF NODES")
    zones = _meta_int(path, meta, "NUMBER OF ZONES")
    first_thru = _meta_int(path, meta, "FIRST THRU NODE", required=False) or 1
    expected_links = _meta_int(path, meta, "NUMBER OF LINKS", required=False)
    rows = []
    for line_no, line in enumerate(lines[start:], start + 1):
        body = line.split("~", 1)[0].strip().rstrip(";").strip()
        if not body:
            continue
        parts = body.replace(";", " ").split()
        if len(parts) < 7:
            raise TNTPError(f"{path.name}, line {line_no}: expected at least 7 fields (init_node term_node capacity "
                            f"length free_flow_time b power ...), got {len(parts)}")
        row = [_number(path, line_no, f, parts[k], integer=k in (0, 1)) for k, f in enumerate(_NET_FIELDS[:9])
               if k < len(parts)]
        row += [0.0] * (9 - len(row))
        if row[2] <= 0:
            raise TNTPError(f"{path.name}, line {line_no}, field capacity: {parts[2]} on link {int(row[0])} -> "
                            f"{int(row[1])}; expected a capacity > 0")
        for k in (3, 4, 5):
            if row[k] < 0:
                raise TNTPError(f"{path.name}, line {line_no}, field {_NET_FIELDS[k]}: {parts[k]}; expected a "
                                "number >= 0")
        if row[6] == 0:
            # t0 (1 + b (v/c)^0) is the constant t0 (1 + b): a link with fixed travel time (Winnipeg has 1176, all
            # with b = 0), stored as power 1 with no congestion term
            row[4], row[5], row[6] = row[4] * (1 + row[5]), 0.0, 1.0
        if row[6] < 1:
            raise TNTPError(f"{path.name}, line {line_no}, field power: {parts[6]}; expected 0 (a constant travel "
                            f"time) or a number >= 1")
        for k in (0, 1):
            if not 1 <= row[k] <= nodes:
                raise TNTPError(f"{path.name}, line {line_no}, field {_NET_FIELDS[k]}: {parts[k]}; expected a node "
                                f"number in 1..{nodes}")
        rows.append(row)
    if not rows:
        raise TNTPError(f"{path.name}: no links after the metadata")
    if expected_links is not None and expected_links != len(rows):
        raise TNTPError(f"{path.name}: <NUMBER OF LINKS> says {expected_links}, the file has {len(rows)} link lines")
    arr = np.array(rows)
    return Network(tail=arr[:, 0].astype(np.int64), head=arr[:, 1].astype(np.int64), capacity=arr[:, 2],
                   free_flow_time=arr[:, 4], b=arr[:, 5], power=arr[:, 6], toll=arr[:, 8], length=arr[:, 3],
                   num_nodes=nodes, zones=zones, first_thru_node=first_thru,
                   name=name or path.name.replace("_net.tntp", ""))


def read_demand(path, name: str | None = None) -> Demand:
    """Read a TNTP ``*_trips.tntp`` file into a :class:`Demand`."""
    path = Path(path)
    lines = _lines(path)
    meta, start = _metadata(path, lines)
    zones = _meta_int(path, meta, "NUMBER OF ZONES")
    volume = np.zeros((zones, zones))
    origin, seen_origins = None, set()
    for line_no, line in enumerate(lines[start:], start + 1):
        body = line.split("~", 1)[0].strip()
        if not body:
            continue
        if body.lower().startswith("origin"):
            parts = body.split()
            if len(parts) < 2:
                raise TNTPError(f"{path.name}, line {line_no}, field origin: missing the zone number")
            origin = int(_number(path, line_no, "origin", parts[1], integer=True))
            if not 1 <= origin <= zones:
                raise TNTPError(f"{path.name}, line {line_no}, field origin: {parts[1]}; expected a zone in 1..{zones}")
            continue
        if origin is None:
            raise TNTPError(f"{path.name}, line {line_no}: a destination entry before any 'Origin' line")
        for entry in body.split(";"):
            entry = entry.strip()
            if not entry:
                continue
            if ":" not in entry:
                raise TNTPError(f"{path.name}, line {line_no}, field destination: {entry!r}; expected "
                                "'destination : volume'")
            dest_text, vol_text = (p.strip() for p in entry.split(":", 1))
            dest = int(_number(path, line_no, "destination", dest_text, integer=True))
            vol = _number(path, line_no, "volume", vol_text)
            if not 1 <= dest <= zones:
                raise TNTPError(f"{path.name}, line {line_no}, field destination: {dest_text}; expected a zone in "
                                f"1..{zones}")
            if vol < 0:
                raise TNTPError(f"{path.name}, line {line_no}, field volume: {vol_text} from zone {origin} to "
                                f"{dest}; expected a volume >= 0")
            volume[origin - 1, dest - 1] += vol
            seen_origins.add(origin)
    _check_total(path, meta, volume.sum(), zones, seen_origins)
    return Demand(volume, name=name or path.name.replace("_trips.tntp", ""))


TOTAL_TOLERANCE = 1e-3
"""Relative difference between a trips file's entries and its <TOTAL OD FLOW> header that is let pass in silence
(Winnipeg's file differs from its header by 0.014%, from rounding)."""


def _check_total(path, meta, total: float, zones: int, origins: set) -> None:
    """Check a trips file against its own header. Entries summing to less than <TOTAL OD FLOW> while origins are
    missing at the end is a file cut short: refused. Any other difference beyond :data:`TOTAL_TOLERANCE` is the
    source's own inconsistency (Chicago-Sketch's entries sum to 1,137,493 against a header of 1,260,907 although
    every origin is there): loaded, with a warning giving both numbers."""
    if "TOTAL OD FLOW" not in meta:
        return
    value, line = meta["TOTAL OD FLOW"]
    try:
        stated = float(value.split()[0])
    except (ValueError, IndexError):
        raise TNTPError(f"{path.name}, line {line}, field <TOTAL OD FLOW>: {value!r} is not a number") from None
    if not math.isfinite(stated) or stated < 0:
        raise TNTPError(f"{path.name}, line {line}, field <TOTAL OD FLOW>: {value.strip()!r}; expected a finite "
                        f"number >= 0")
    if abs(total - stated) <= TOTAL_TOLERANCE * max(stated, 1e-12):
        return
    last = max(origins, default=0)
    if total < stated and last < zones:
        raise TNTPError(f"{path.name}: the entries sum to {total:,.6g} but <TOTAL OD FLOW> says {stated:,.6g} "
                        f"({total / stated:.0%}), and the last origin is {last} of {zones} zones: the file looks "
                        f"cut short; fetch it again (`stratlearn data fetch`)")
    warnings.warn(f"{path.name}: the entries sum to {total:,.6g} but its header <TOTAL OD FLOW> says "
                  f"{stated:,.6g} ({total / stated - 1:+.1%}); loaded as the entries say", DataWarning, stacklevel=3)


def read_flows(path, network: Network | None = None) -> np.ndarray:
    """Read a TNTP ``*_flow.tntp`` file (``From To Volume Cost``) into link volumes, in the order of
    ``network``'s links when given (matched on the end nodes), else in file order."""
    path = Path(path)
    rows = []
    for line_no, line in enumerate(_lines(path), 1):
        parts = line.replace(";", " ").split()
        if not parts or not parts[0].lstrip("-").replace(".", "", 1).isdigit():
            continue          # the header and blank lines
        if len(parts) < 3:
            raise TNTPError(f"{path.name}, line {line_no}: expected 'From To Volume [Cost]', got {line.strip()!r}")
        rows.append((int(_number(path, line_no, "from", parts[0], integer=True)),
                     int(_number(path, line_no, "to", parts[1], integer=True)),
                     _number(path, line_no, "volume", parts[2])))
    if not rows:
        raise TNTPError(f"{path.name}: no flow lines")
    if network is None:
        return np.array([r[2] for r in rows])
    lookup = {}
    for k, (a, b, v) in enumerate(rows):
        lookup.setdefault((a, b), []).append(v)
    out = np.empty(network.num_links)
    used = {}
    for e in range(network.num_links):
        key = (int(network.tail[e]), int(network.head[e]))
        if key not in lookup:
            raise TNTPError(f"{path.name}: no flow for link {key[0]} -> {key[1]} of {network.name}")
        k = used.get(key, 0)
        out[e] = lookup[key][min(k, len(lookup[key]) - 1)]
        used[key] = k + 1
    return out


def load_tntp(folder, name: str | None = None) -> tuple[Network, Demand]:
    """Read a TNTP network and its demand: the ``*_net.tntp`` and ``*_trips.tntp`` files of a folder.

    Args:
        folder: a folder path, or the name of a network of the Transportation Networks for Research repository
            (``"SiouxFalls"``, ``"Braess-Example"`` or ``"Braess"``, ``"Anaheim"``, ...). A name is looked up by
            :func:`stratlearn.games.tntp.locate_tntp`: ``$STRATLEARN_TNTP_DIR``, the copies packaged with stratlearn
            (Sioux Falls and Braess, read without any network access), then the cache of ``stratlearn data fetch``.
            A string that names an existing folder is read as that folder.
        name: the file prefix to pick when the folder holds several networks (default: the only one, or the
            prefix of the named network).

    Raises:
        DataError: ``folder`` is a network name that is not on this machine; the message says to run
            ``stratlearn data fetch NAME`` and lists the known networks.
        TNTPError: the folder does not exist, does not hold exactly one pair of files, or a file is malformed.
    """
    net, trips, _ = tntp_files(folder, name)
    network, demand = read_network(net), read_demand(trips)
    if demand.zones != network.zones:
        raise TNTPError(f"{trips.name}: {demand.zones} zones, but {net.name} has {network.zones}")
    return network, demand


def tntp_files(folder, name: str | None = None) -> tuple[Path, Path, Path | None]:
    """The ``*_net.tntp``, ``*_trips.tntp`` and (``None`` where absent) ``*_flow.tntp`` files of a TNTP network:
    ``folder`` and ``name`` as in :func:`load_tntp`, which reads the first two."""
    if isinstance(folder, str) and not Path(folder).is_dir() and "/" not in folder and "\\" not in folder \
            and not folder.startswith("."):
        name = name or tntp_prefix(folder)
        folder = tntp_folder(folder)
    folder = Path(folder)
    if not folder.is_dir():
        raise TNTPError(f"{folder}: not a folder of TNTP files")
    nets = sorted(folder.glob(f"{name or '*'}_net.tntp"))
    trips = sorted(folder.glob(f"{name or '*'}_trips.tntp"))
    if len(nets) != 1 or len(trips) != 1:
        raise TNTPError(f"{folder}: expected one *_net.tntp and one *_trips.tntp file"
                        + (f" named {name}" if name else "") + f", found {[p.name for p in nets + trips]}")
    flow = nets[0].with_name(nets[0].name[:-len("_net.tntp")] + "_flow.tntp")
    return nets[0], trips[0], flow if flow.is_file() else None


# ------------------------------------------------------------------------------------------------ built-ins
def pigou(demand: float = 1.0) -> tuple[Network, Demand]:
    """Pigou's network: two parallel links from node 1 to node 2 with latencies 1 and ``v``, unit demand. The user
    equilibrium sends everyone on the second link (total travel time 1); the system optimum splits the flow in half
    (3/4), so the price of anarchy is 4/3; the marginal-cost toll on the second link is 1/2."""
    net = Network.from_latencies([1, 1], [2, 2], constant=[1.0, 0.0], coefficient=[0.0, 1.0], num_nodes=2,
                                 zones=2, name="pigou")
    vol = np.zeros((2, 2))
    vol[0, 1] = demand
    return net, Demand(vol, name="pigou")


def braess(demand: float = 6.0) -> tuple[Network, Demand]:
    """Braess's network (the textbook instance, as in ``Braess_net.tntp``): links 1→3 with latency ``10 v``, 1→4
    with ``50 + v``, 3→2 with ``50 + v``, 4→2 with ``10 v`` and the bridge 3→4 with ``10 + v``; demand 6 from 1 to
    2. The user equilibrium uses all three paths with 2 travellers each (cost 92, total 552); without the bridge
    the cost is 83."""
    net = Network.from_latencies([1, 1, 3, 3, 4], [3, 4, 2, 4, 2], constant=[0.0, 50.0, 50.0, 10.0, 0.0],
                                 coefficient=[10.0, 1.0, 1.0, 1.0, 10.0], num_nodes=4, zones=2, name="braess")
    vol = np.zeros((2, 2))
    vol[0, 1] = demand
    return net, Demand(vol, name="braess")
