"""Every extreme Nash equilibrium of small bimatrix games, batched: vertex enumeration of the best-response polytopes.

A bimatrix game ``(A, B)`` of shape ``m × n`` (the row player maximizes ``xᵀAy``, the column player ``xᵀBy``), as
in :mod:`stratlearn.equilibria.general_sum`.

Method (von Stengel, *Computing equilibria for two-person games*, Handbook of Game Theory vol. 3, 2002: §2.4
"Representation by polyhedra", §2.6 "Degenerate games", §2.7 "Equilibrium enumeration and other methods"; the same
algorithm is Algorithm 3.5 of von Stengel's chapter 3 of *Algorithmic Game Theory*, Nisan et al. 2007; Avis,
Rosenberg, Savani and von Stengel, *Enumeration of Nash equilibria for two-player games*, Economic Theory 42, 2010,
for degenerate games). With payoffs ``A′, B′`` made positive, the best-response polytopes are

    ``P = {x ∈ ℝᵐ : x ≥ 0, B′ᵀx ≤ 1}``  and  ``Q = {y ∈ ℝⁿ : A′y ≤ 1, y ≥ 0}``.

Each has ``m + n`` inequalities, one per label: label ``i < m`` is the row player's action ``i`` (``x_i = 0`` in P,
``(A′y)_i = 1`` in Q) and label ``m + j`` the column player's action ``j`` (``(B′ᵀx)_j = 1`` in P, ``y_j = 0`` in Q).
A point's labels are its tight inequalities. A pair ``(x, y) ∈ P × Q − {(0, 0)}`` is *completely labeled* when
every label is a label of ``x`` or of ``y``, and then ``(x / Σx, y / Σy)`` is a Nash equilibrium (the best-response
condition: an action is played only if it is a best response). The *extreme* equilibria are those whose scaled
strategies are vertices of P and Q: exactly the completely labeled vertex pairs; every equilibrium is a convex
combination of extreme ones. So :func:`vertex_enumeration`

1. finds every vertex of P (of Q): each choice of ``m`` (``n``) inequalities out of ``m + n`` that are linearly
   independent is set tight and solved as a linear system; a solution that satisfies every inequality is a vertex.
   All the choices of all the games are solved at once, as one batch of small systems in float64 NumPy;
2. keeps each vertex once (a vertex is identified by its set of labels: two vertices of a polytope never have the
   same tight set), drops the vertex 0, and
3. matches every vertex of P with every vertex of Q, keeps the completely labeled pairs and normalizes them.

Each equilibrium comes with its :func:`~stratlearn.equilibria.general_sum.nash_certificate`, computed in float64 on
the original payoffs (regret 1e-16 to 1e-14 on games with payoffs of order one).

Degenerate games. A game is *nondegenerate* when no vertex of P has more than ``m`` labels and none of Q more than
``n`` (equivalently, no mixed strategy with support of size ``k`` has more than ``k`` pure best responses); then the
equilibria are isolated, finitely many, odd in number (Shapley 1974), and vertex enumeration returns them all.
Otherwise (``degenerate`` True; ties in integer payoffs, duplicated actions) the equilibrium set can hold segments
and polytopes of equilibria: the result then holds the *extreme* equilibria, i.e. every completely labeled vertex
pair, and groups them into the connected components of the equilibrium set: two extreme equilibria lie in the same
component when they are linked by a chain of extreme equilibria that share a vertex of P or of Q (two pairs that
share ``x`` and are both completely labeled span a segment of equilibria; Avis et al. 2010). Every
equilibrium of the game is in the convex hull of the extreme equilibria of its component, but not every point of
that hull is an equilibrium: the component is a union of *maximal Nash subsets* (products of faces of P and Q),
which the clique enumeration of Avis et al. (2010) would list; this module does not (the library's choice), and a
degenerate game is flagged so that its answer is never taken for the whole story.

The library's own choices (not from the papers): the payoffs of each player are mapped affinely onto ``[1, 2]``
(``1 + (A − min A) / (max A − min A)``; this changes no equilibrium and keeps every nonzero vertex's coordinates of
order ``1 / m``, so that one absolute tolerance ``tol`` serves every game); an inequality counts as tight when its
slack is at most ``tol`` and as satisfied when its slack is at least ``−tol``; a choice of tight inequalities counts
as dependent when its smallest singular value is below ``1e-12`` times its largest; a labeled coordinate of a vertex
(``x_i`` with label ``i``) is set to exactly 0 before normalizing; and the limit :data:`MAX_CANDIDATES` on the
number of choices per polytope, ``C(m + n, m)``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError, check_in_range
from .general_sum import NashCertificate, bimatrix_batch, nash_certificate

__all__ = ["MAX_CANDIDATES", "MAX_ACTIONS", "ExtremeEquilibrium", "VertexEnumerationResult", "vertex_enumeration"]

MAX_CANDIDATES = 1000
"""The largest number of candidate vertices per polytope, ``C(m + n, m)`` (the ways to choose ``m`` tight
inequalities out of ``m + n``): 924 for a 6 × 6 game, 792 for 7 × 5, 220 for 9 × 3; 7 × 6 (1716) is refused. Larger
games need a pivoting enumeration (lrs) rather than every choice of a basis."""

MAX_ACTIONS = 30
"""The most actions a player may have: the systems solved have ``max(m, n)`` unknowns, one per candidate vertex of
the larger polytope (a 1 × 999 game has few candidates, 1000, but 1000 systems of 999 unknowns)."""

SINGULAR = 1e-12
"""A choice of tight inequalities, each scaled to unit length, whose determinant is at most this in absolute value
does not count as independent: it defines no vertex (its tight set is a face of dimension ≥ 1, or empty), or one too
ill-conditioned to locate (a unit-row system of determinant ``δ`` has a condition number below ``2 / δ``; Guggenheimer,
Edelman and Johnson, College Math. J. 26, 1995)."""

CHUNK = 1 << 22
"""About the floats held for one part of a batch (games × candidate vertices × (max(m, n)² + m + n)): 32 MiB, so a
large batch of games is solved in parts of bounded memory."""


@dataclass(frozen=True)
class ExtremeEquilibrium:
    """One extreme Nash equilibrium: ``row`` (m,) and ``col`` (n,) mixed strategies, their ``certificate`` (regrets,
    float64, on the game's own payoffs) and ``component``, the index of the connected component of the game's
    equilibrium set that holds it (0, 1, ... in order of first appearance; in a nondegenerate game each equilibrium
    is its own component)."""

    row: np.ndarray
    col: np.ndarray
    certificate: NashCertificate
    component: int


@dataclass(frozen=True)
class VertexEnumerationResult:
    """Vertex enumeration of a batch of games: ``equilibria[g]``, the distinct extreme equilibria of game ``g``;
    ``degenerate`` (games,), True where a vertex of P or Q has more labels than its dimension (the equilibria may
    then form segments or polytopes, of which these are the extreme points); ``vertices`` (games, 2), the number of
    vertices of P and of Q other than 0."""

    equilibria: tuple[tuple[ExtremeEquilibrium, ...], ...]
    degenerate: np.ndarray
    vertices: np.ndarray

    @property
    def counts(self) -> np.ndarray:
        """The number of extreme equilibria of each game, (games,)."""
        return np.array([len(found) for found in self.equilibria])

    @property
    def epsilon(self) -> np.ndarray:
        """The largest ε of each game's equilibria, (games,) (NaN for a game where none was found)."""
        return np.array([max((float(e.certificate.epsilon) for e in found), default=np.nan)
                         for found in self.equilibria])

    def components(self, game: int = 0) -> list[list[ExtremeEquilibrium]]:
        """The extreme equilibria of game ``game`` grouped by connected component of its equilibrium set."""
        groups: dict[int, list[ExtremeEquilibrium]] = {}
        for eq in self.equilibria[game]:
            groups.setdefault(eq.component, []).append(eq)
        return [groups[c] for c in sorted(groups)]


def vertex_enumeration(A, B=None, *, tol: float = 1e-9) -> VertexEnumerationResult:
    """Every extreme Nash equilibrium of each game of a batch, by enumerating the vertices of the best-response
    polytopes (von Stengel 2002, §2.4 and §2.7; Avis et al. 2010). See the module docstring for the method,
    what is returned for degenerate games, and the library's choices.

    Meant for small games: the work grows as ``C(m + n, m)²`` per game, and shapes with more than
    :data:`MAX_CANDIDATES` candidate vertices per polytope (6 × 6 passes, 7 × 6 does not), or a player with more than
    :data:`MAX_ACTIONS` actions, are refused.

    Args:
        A: the row player's payoffs, or the games (see :func:`~stratlearn.equilibria.general_sum.bimatrix_batch`):
            shape (m, n) or (games, m, n), one shape for the whole batch.
        B: the column player's payoffs, of the shape of ``A``; omitted, the games are zero-sum (``B = −A``).
        tol: the slack below which an inequality of a polytope counts as tight (and above whose negative it counts
            as satisfied), on payoffs mapped onto ``[1, 2]``; a number in (0, 1e-3].

    Returns:
        A :class:`VertexEnumerationResult`: per game, the distinct extreme equilibria with their certificates and
        components, and whether the game is degenerate.

    Raises:
        InvalidGameError: payoffs that are not finite, of mismatched shapes, or with an empty action set.
        InvalidParameterError: a ``tol`` outside (0, 1e-3], or a shape with too many candidate vertices or
            actions.
    """
    a, b = bimatrix_batch(A, B)
    tol = check_in_range("tol", tol, 0.0, 1e-3, low_open=True)
    games, m, n = a.shape
    candidates = math.comb(m + n, m)
    if max(m, n) > MAX_ACTIONS:
        raise InvalidParameterError(
            f"A: shape ({m}, {n}) has {max(m, n)} actions for a player, more than the limit MAX_ACTIONS = "
            f"{MAX_ACTIONS}; vertex enumeration is for small games (up to 6 x 6); use lemke_howson for some "
            f"equilibria of a larger game")
    if candidates > MAX_CANDIDATES:
        raise InvalidParameterError(
            f"A: shape ({m}, {n}) gives C({m + n}, {m}) = {candidates} candidate vertices per best-response "
            f"polytope, more than the limit MAX_CANDIDATES = {MAX_CANDIDATES}; vertex enumeration is for small games "
            f"(up to 6 x 6); use lemke_howson for some equilibria of a larger game")
    found, degenerate, vertices = [], np.zeros(games, dtype=bool), np.zeros((games, 2), dtype=int)
    # games in parts, so that the arrays of one part (choices × their systems) stay near CHUNK floats
    step = max(1, CHUNK // (candidates * (max(m, n) ** 2 + m + n)))
    for start in range(0, games, step):
        part = slice(start, start + step)
        a1, b1 = _unit_range(a[part]), _unit_range(b[part])
        count = len(a1)
        # P = {x : -x ≤ 0, B′ᵀx ≤ 1} and Q = {y : A′y ≤ 1, -y ≤ 0}, inequality k carrying label k (§2.4)
        p_lhs = np.concatenate([np.broadcast_to(-np.eye(m), (count, m, m)), np.swapaxes(b1, 1, 2)], axis=1)
        q_lhs = np.concatenate([a1, np.broadcast_to(-np.eye(n), (count, n, n))], axis=1)
        xs, x_labels, x_ok = _vertices(p_lhs, np.concatenate([np.zeros(m), np.ones(n)]), tol)
        ys, y_labels, y_ok = _vertices(q_lhs, np.concatenate([np.ones(m), np.zeros(n)]), tol)
        for i, g in enumerate(range(start, start + count)):
            x, lx = _distinct(xs[i], x_labels[i], x_ok[i])
            y, ly = _distinct(ys[i], y_labels[i], y_ok[i])
            degenerate[g] = bool((lx.sum(1) > m).any() or (ly.sum(1) > n).any())
            vertices[g] = len(x), len(y)
            # a pair misses label k when neither point has it: count the missed labels of every pair at once
            missed = (~lx).astype(np.int32) @ (~ly).astype(np.int32).T
            pi, qi = np.nonzero(missed == 0)
            found.append(_equilibria(a[g], b[g], x[pi], lx[pi, :m], y[qi], ly[qi, m:], pi, qi))
    return VertexEnumerationResult(equilibria=tuple(found), degenerate=degenerate, vertices=vertices)


def _unit_range(payoffs: np.ndarray) -> np.ndarray:
    """Each game's payoffs mapped affinely onto [1, 2] (a constant matrix onto 1): positive, so the polytopes are
    bounded and hold 0, and of one scale whatever the game's, so that ``tol`` means the same for every game."""
    low = payoffs.min(axis=(1, 2), keepdims=True)
    spread = payoffs.max(axis=(1, 2), keepdims=True) - low
    return 1.0 + (payoffs - low) / np.where(spread > 0, spread, 1.0)


def _vertices(lhs: np.ndarray, rhs: np.ndarray, tol: float):
    """The candidate vertices of the polytopes ``{z : lhs z ≤ rhs}`` (one per game; ``lhs`` (games, k, d)): for
    every choice of ``d`` of the ``k`` inequalities, the point where they are tight, its labels (tight inequalities,
    (games, C(k, d), k)) and whether it is a vertex other than 0 (independent choice, feasible, nonzero)."""
    k, d = lhs.shape[1:]
    games = len(lhs)
    choices = np.array(list(itertools.combinations(range(k), d)))              # (C, d)
    systems = lhs[:, choices]                                                   # (games, C, d, d)
    norms = np.linalg.norm(systems, axis=-1)                # rows of unit length: then the determinant bounds the
    systems, targets = systems / norms[..., None], rhs[choices] / norms     # condition number (see SINGULAR)
    independent = np.abs(np.linalg.det(systems)) > SINGULAR
    systems = np.where(independent[..., None, None], systems, np.eye(d))
    points = np.linalg.solve(systems, targets[..., None])[..., 0]
    slack = rhs - np.einsum("gkd,gcd->gck", lhs, points)                        # (games, C, k)
    labels = np.abs(slack) <= tol
    chosen_tight = np.take_along_axis(labels, np.broadcast_to(choices, (games, *choices.shape)), axis=2).all(-1)
    ok = independent & chosen_tight & (slack >= -tol).all(-1) & (np.abs(points).max(-1) > tol)
    return points, labels, ok


def _distinct(points: np.ndarray, labels: np.ndarray, ok: np.ndarray):
    """The vertices of one polytope, each once (the first choice that found it), identified by their label sets."""
    points, labels = points[ok], labels[ok]
    if not len(points):
        return points, labels
    _, first = np.unique(labels, axis=0, return_index=True)
    first = np.sort(first)
    return points[first], labels[first]


def _equilibria(A, B, x, x_zero, y, y_zero, pi, qi) -> tuple[ExtremeEquilibrium, ...]:
    """The completely labeled vertex pairs ``(x, y)`` of one game as normalized equilibria with their certificates
    and components (``pi``, ``qi``: the pairs' vertex indices in P and Q; ``x_zero``: the labels that set a
    coordinate of ``x`` to 0)."""
    if not len(x):
        return ()
    x = np.where(x_zero, 0.0, np.maximum(x, 0.0))
    y = np.where(y_zero, 0.0, np.maximum(y, 0.0))
    x, y = x / x.sum(-1, keepdims=True), y / y.sum(-1, keepdims=True)
    cert = nash_certificate(A, B, x, y)
    component = _components(pi, qi)
    return tuple(ExtremeEquilibrium(row=x[e], col=y[e], component=int(component[e]),
                                    certificate=NashCertificate(regrets=cert.regrets[e], epsilon=cert.epsilon[e]))
                 for e in range(len(x)))


def _components(pi: np.ndarray, qi: np.ndarray) -> np.ndarray:
    """The component of each equilibrium (vertex pair ``(pi[e], qi[e])``): pairs that share a vertex of P or of Q
    are joined (a union-find over the vertices, P's first), numbered by first appearance."""
    parent = list(range(int(pi.max()) + 1 + int(qi.max()) + 1))
    offset = int(pi.max()) + 1

    def root(v):
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for p, q in zip(pi, qi):
        parent[root(int(p))] = root(offset + int(q))
    numbers: dict[int, int] = {}
    return np.array([numbers.setdefault(root(int(p)), len(numbers)) for p in pi])
