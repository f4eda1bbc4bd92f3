"""The logit quantal response equilibrium path of a bimatrix game, followed from uniform play to a certified Nash
equilibrium by predictor–corrector continuation.

A bimatrix game ``(A, B)`` of shape ``m × n`` (the row player maximizes ``xᵀAy``, the column player ``xᵀBy``). At
precision ``λ ≥ 0`` a **logit quantal response equilibrium** (McKelvey and Palfrey, "Quantal response equilibria for
normal form games", *Games and Economic Behavior* 10, 1995, with their logit specification of the errors) is a
fixed point

    x = softmax(λ A y),        y = softmax(λ Bᵀ x).

At ``λ = 0`` the only one is uniform play; as ``λ → ∞`` every QRE approaches a Nash equilibrium. For almost every
game the QRE correspondence holds one smooth curve that starts at uniform play — the *principal branch* — and it
converges to one Nash equilibrium, the game's *logit solution* (McKelvey and Palfrey 1995). The branch
may bend back in ``λ`` (several QREs at one precision), so it is followed in arc length, not in ``λ``, as Turocy
("A dynamic homotopy interpretation of the logistic quantal response equilibrium correspondence", *Games and
Economic Behavior* 51, 2005) describes and Gambit's ``logit`` method does.

Equations. The unknowns are ``z = (u, w, λ)`` with ``u = log x``, ``w = log y`` (logs keep the probabilities that
vanish as ``λ → ∞`` resolved), and the ``m + n`` equations

    H(z) = ( u − log softmax(λ A eʷ),  w − log softmax(λ Bᵀ eᵘ) ) = 0,

which imply ``Σ x = Σ y = 1``. Their Jacobian is the identity on each player's own logs plus the coupling blocks
``−λ (A − 1 pᵀA) diag(y)`` and ``−λ (Bᵀ − 1 qᵀBᵀ) diag(x)`` (``p``, ``q`` the two softmaxes), and the column
``∂H/∂λ``; writing the equations without a reference action (unlike the differences ``u_i − u_0``) is the
library's choice: no action is singled out, and the block on the own logs is the identity.

Continuation (Allgower and Georg, *Introduction to Numerical Continuation Methods*, SIAM 2003, ch. 2 and §6.1).
From ``z`` with unit tangent ``t`` (the null vector of ``H'(z)``, oriented by the previous tangent ``t₋``: it solves
``[H'(z); t₋ᵀ] t = e``), the predictor steps to ``z + h t``; the corrector runs Newton steps within the hyperplane
orthogonal to ``t`` (pseudo-arc-length: ``[H'; tᵀ] Δ = [−H; 0]``). The next step is ``h / f``, ``f`` the largest
of the ratios of the first Newton step's length, the Newton contraction and the tangent's turn to their nominal
values (square roots for the first two, after the asymptotic estimates of Allgower and Georg §6.1), kept in
``[1/2, 2]``; a step with ``f > 2`` is refused and tried again at half the length. The contraction is measured on
the residual ``‖H‖∞`` between Newton steps, not on the steps' lengths: at large ``λ`` the system ``[H'; tᵀ]`` grows
ill-conditioned (its entries grow with ``λ``) and the steps' lengths measure rounding. That choice, the nominal
values (0.1, 0.3, 0.15 rad), the first step 0.05 and the Newton tolerance are the library's. The last step is cut so
that the path ends exactly at ``max_lambda``.

Normalisation. Payoffs are divided by ``s``, the largest range (max − min) of ``A`` and ``B`` (1 when both are
constant), before the path is followed; a QRE of the scaled game at ``λ s`` is the QRE of ``(A, B)`` at ``λ``, so
``lambdas`` and ``max_lambda`` are in the user's payoff units. By default the path runs to ``λ s = 10⁶``.

The end point. At the final ``λ`` the support is read from the probabilities (above a threshold; the thresholds
``10⁻³ … 10⁻¹²`` are tried in turn), the indifference equations on that support — ``A[S, T] y_T = v``,
``Bᵀ[T, S] x_S = w``, each summing to one — are solved as linear systems (least squares for the correction from the
path's point, so a square system gives its one solution and a degenerate one the solution nearest the path), and the
result is certified by :func:`~stratlearn.equilibria.general_sum.nash_certificate`. Among the certified candidates
(regret ``≤ tol · s``) within ``1e-3`` of the path's end (in every probability) the nearest is returned; when there
is none, or the path did not reach ``max_lambda``, the path's last point is returned with its own, larger,
certificate and ``converged`` is False. The thresholds and the distance ``1e-3`` are the library's choices. A game
with a near tie (two payoffs a player compares that differ by less than about ``30 / λ`` at the final ``λ``) is not
resolved there: its path ends unconverged, and a larger ``max_lambda`` resolves it.

Symmetric games. In a game with a symmetry (the battle of the sexes, a symmetric coordination game) the branch can
meet a bifurcation; the continuation steps across it and stays on the branch it follows, the symmetric one — the
battle of the sexes ends at its mixed equilibrium, where Gambit 17's tracer breaks the symmetry and ends at a pure
one. On generic games the principal branch has no bifurcation (McKelvey and Palfrey 1995).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InvalidGameError, InvalidParameterError, StratlearnError, check_positive, check_positive_int
from .general_sum import NashCertificate, bimatrix_batch, nash_certificate

__all__ = ["LogitPath", "logit_qre_path", "logit_residual"]

FIRST_STEP = 0.05
"""The first arc-length step, on payoffs scaled to range one."""
NOMINAL_DISTANCE, NOMINAL_CONTRACTION, NOMINAL_ANGLE = 0.1, 0.3, 0.15
"""The step control's nominal first Newton step, Newton contraction and tangent angle (radians)."""
MAX_NEWTON = 10
SUPPORT_THRESHOLDS = tuple(10.0 ** -k for k in range(3, 13))
"""The probability thresholds tried, in turn, to read the end point's support."""
MAX_DISTANCE = 1e-3
"""The farthest (largest probability difference) a polished equilibrium may lie from the path's end and still be
taken for its limit (at the default ``λ s = 10⁶`` the distance measured on 300 random games up to 8 × 8 was at most
7e-5)."""


@dataclass(frozen=True)
class LogitPath:
    """The principal branch of the logit QRE correspondence of one bimatrix game, and the Nash equilibrium it ends at.

    Attributes:
        lambdas: the precision of each path point (K,), in the user's payoff units; starts at 0, may decrease where
            the path bends back; the last is ``max_lambda`` unless the path stopped before (see ``message``).
        row: the row player's QRE strategy at each point (K, m); ``row[0]`` is uniform.
        col: the column player's QRE strategy at each point (K, n).
        log_row: ``log row`` as the path was followed (exact where a probability underflows to 0).
        log_col: ``log col`` likewise.
        nash_row: the row player's strategy at the end: the certified Nash equilibrium when ``converged``, the path's
            last point otherwise.
        nash_col: the column player's likewise.
        certificate: the regrets of ``(nash_row, nash_col)`` in the game as given (float64); they always hold.
        converged: the path reached ``max_lambda`` and its end was polished into an equilibrium with regret
            ``≤ tol · scale``, within 1e-3 of the end in every probability.
        residual: the largest fixed-point residual over the path, ``max |x − softmax(λAy)|, |y − softmax(λBᵀx)|``.
        scale: ``s``, the payoff range the game was divided by while the path was followed.
        rejected: how many predictor–corrector steps were refused and retried with a shorter step.
        message: why the path stopped, in words.
        row_payoffs: ``A`` as given (for :meth:`at`).
        col_payoffs: ``B`` as given.
    """

    lambdas: np.ndarray
    row: np.ndarray
    col: np.ndarray
    log_row: np.ndarray
    log_col: np.ndarray
    nash_row: np.ndarray
    nash_col: np.ndarray
    certificate: NashCertificate
    converged: bool
    residual: float
    scale: float
    rejected: int
    message: str
    row_payoffs: np.ndarray = field(repr=False)
    col_payoffs: np.ndarray = field(repr=False)

    def at(self, lam) -> tuple[np.ndarray, np.ndarray]:
        """The QRE ``(x, y)`` on the path at precision ``lam`` (user's units), solved again by Newton's method at
        that ``λ`` from the linear interpolation (in log-probabilities) of the two path points around it. Where the
        path bends back and meets ``lam`` more than once, the first meeting along the path is returned.

        Args:
            lam: a precision between 0 and the largest of ``lambdas``.

        Returns:
            The row and column strategies, solved to the corrector's tolerance (``1e-13 + 2e-16 λ s`` on the
            log-probabilities).

        Raises:
            InvalidParameterError: ``lam`` is negative or beyond the path.
            StratlearnError: Newton's method did not converge from the interpolated point (not met in the tests).
        """
        lam = check_positive("lam", lam, allow_zero=True)
        top = float(self.lambdas.max())
        if lam > top:
            raise InvalidParameterError(f"lam={lam!r}: expected a precision in [0, {top!r}], the range the path "
                                        f"covers (follow it further with a larger max_lambda)")
        lams = self.lambdas
        k = int(np.flatnonzero((lams[:-1] - lam) * (lams[1:] - lam) <= 0)[0]) if len(lams) > 1 else 0
        if len(lams) == 1 or lams[k] == lams[k + 1]:
            weight = 0.0
        else:
            weight = (lam - lams[k]) / (lams[k + 1] - lams[k])
        nxt = min(k + 1, len(lams) - 1)
        u = (1 - weight) * self.log_row[k] + weight * self.log_row[nxt]
        w = (1 - weight) * self.log_col[k] + weight * self.log_col[nxt]
        a, b = self.row_payoffs / self.scale, self.col_payoffs / self.scale
        m = a.shape[0]
        z = np.concatenate([u, w, [lam * self.scale]])
        for _ in range(4 * MAX_NEWTON):
            F, J = _system(a, b, z)
            if not np.isfinite(F).all():
                break
            if np.abs(F).max() <= _newton_tol(z[-1]):
                x, y = np.exp(z[:m]), np.exp(z[m:-1])
                return x / x.sum(), y / y.sum()
            try:
                z[:-1] += np.linalg.solve(J[:, :-1], -F)   # λ held fixed: the square part of the Jacobian
            except np.linalg.LinAlgError:
                break
        raise StratlearnError(f"lam={lam!r}: Newton's method did not reach the QRE from the path's points around "
                              f"it (lambdas {lams[k]!r} and {lams[nxt]!r})")


def logit_residual(A, B, lam, x, y) -> float:
    """The fixed-point residual of a logit QRE: ``max(|x − softmax(λAy)|, |y − softmax(λBᵀx)|)``, float64.

    Args:
        A: the row player's payoffs (m, n).
        B: the column player's payoffs (m, n).
        lam: the precision ``λ``.
        x: the row player's strategy (m,).
        y: the column player's strategy (n,).

    Returns:
        The largest absolute difference, over both players' actions, between a strategy and its logit response.
    """
    A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(max(np.abs(x - _softmax(lam * (A @ y))).max(), np.abs(y - _softmax(lam * (B.T @ x))).max()))


def logit_qre_path(A, B=None, *, max_lambda=None, tol: float = 1e-9, max_steps: int = 10_000) -> LogitPath:
    """Follow the principal branch of the logit QRE correspondence of ``(A, B)`` from uniform play (``λ = 0``) to
    ``max_lambda``, and certify the Nash equilibrium it converges to. See the module docstring for the equations,
    the continuation, the normalisation and how the end point is polished and certified.

    Args:
        A: the row player's payoffs (m, n), or a :class:`~stratlearn.games.MatrixGame`; one game, not a batch.
        B: the column player's payoffs (m, n); omitted, the game is zero-sum (``B = −A``).
        max_lambda: the precision the path ends at, in the user's payoff units (> 0); default ``10⁶ / s``, with
            ``s`` the payoff range.
        tol: the largest regret, relative to the payoff range ``s``, at which the polished end point is reported
            converged.
        max_steps: the most predictor–corrector steps tried (accepted or refused); a path that needs more is
            returned with ``converged`` False.

    Returns:
        A :class:`LogitPath`: the path's points, the equilibrium at its end and that equilibrium's certificate.
    """
    a_batch, b_batch = bimatrix_batch(A, B)
    if a_batch.shape[0] != 1:
        raise InvalidGameError(f"A: expected one game of shape (m, n), got a batch of {a_batch.shape[0]} games "
                               f"(shape {a_batch.shape}); follow each game's path in turn")
    A_user, B_user = a_batch[0], b_batch[0]
    scale = float(max(np.ptp(A_user), np.ptp(B_user)))
    scale = scale if scale > 0 else 1.0
    top = 1e6 if max_lambda is None else check_positive("max_lambda", max_lambda) * scale
    if not np.isfinite(top):
        raise InvalidParameterError(f"max_lambda={max_lambda!r}: expected a number > 0 whose product with the payoff "
                                    f"range ({scale!r}) is finite")
    tol = check_positive("tol", tol)
    max_steps = check_positive_int("max_steps", max_steps)
    a, b = A_user / scale, B_user / scale
    m, n = a.shape

    z = np.concatenate([np.full(m, -np.log(m)), np.full(n, -np.log(n)), [0.0]])
    tangent = _tangent(a, b, z, np.eye(m + n + 1)[-1])
    points, h, rejected, message, reached = [z.copy()], FIRST_STEP, 0, "", False
    for _ in range(max_steps):
        landing = tangent[-1] > 0 and z[-1] + h * tangent[-1] >= top
        step_h = (top - z[-1]) / tangent[-1] if landing else h
        new, factor = _step(a, b, z, tangent, step_h, landing, top)
        new_tangent = None if new is None else _tangent(a, b, new, tangent)
        if new_tangent is not None:           # the angle the tangent turned, against its nominal value
            factor = max(factor, float(np.arccos(np.clip(tangent @ new_tangent, -1.0, 1.0))) / NOMINAL_ANGLE)
        if new_tangent is None or factor > 2.0:
            rejected += 1                     # the corrector failed or the step was too long: retry, shorter
            h = step_h / 2
            if h < 1e-12 * max(1.0, abs(z[-1])):
                message = f"the step length fell below 1e-12 at λ = {z[-1] / scale!r}"
                break
            continue
        z, tangent = new, new_tangent
        points.append(z.copy())
        if landing:
            reached, message = True, f"reached max_lambda = {top / scale!r}"
            break
        h = step_h / max(factor, 0.5)         # f in [1/2, 2]: the next step at most twice as long
    else:
        message = f"max_steps = {max_steps} steps did not reach max_lambda = {top / scale!r}"

    path = np.array(points)
    log_x, log_y, lams = path[:, :m], path[:, m:-1], path[:, -1]
    x, y = _normalized(log_x), _normalized(log_y)
    residual = max(logit_residual(A_user, B_user, lam, xi, yi) for lam, xi, yi in zip(lams / scale, x, y))
    end_x, end_y, converged = x[-1], y[-1], False
    if reached:
        polished = _polish(A_user, B_user, log_x[-1], log_y[-1], tol * scale)
        if polished is not None:
            end_x, end_y, converged = polished[0], polished[1], True
        else:
            message += (f"; no support read from the end point solves to an equilibrium certified to regret "
                        f"{tol * scale:.3g} within {MAX_DISTANCE} of it (a larger max_lambda may resolve it)")
    return LogitPath(lambdas=lams / scale, row=x, col=y, log_row=log_x, log_col=log_y, nash_row=end_x,
                     nash_col=end_y, certificate=nash_certificate(A_user, B_user, end_x, end_y), converged=converged,
                     residual=residual, scale=scale, rejected=rejected, message=message, row_payoffs=A_user,
                     col_payoffs=B_user)


def _softmax(v: np.ndarray) -> np.ndarray:
    e = np.exp(v - v.max())
    return e / e.sum()


def _log_softmax(v: np.ndarray) -> np.ndarray:
    top = v.max()
    return v - top - np.log(np.exp(v - top).sum())


def _normalized(log_p: np.ndarray) -> np.ndarray:
    p = np.exp(log_p)
    return p / p.sum(-1, keepdims=True)


def _newton_tol(lam_scaled: float) -> float:
    """The corrector's tolerance on ``‖H‖∞`` (log-probabilities). ``λ A y`` is computed to about ``λ · 1e-16`` on
    payoffs of range one, so the tolerance grows with ``λ``: at ``λ s = 10⁶`` it is 2e-10, a relative error of the
    probabilities far below the 1e-8 the tests ask of every path point."""
    return 1e-13 + 2e-16 * abs(lam_scaled)


def _system(a, b, z):
    """``H(z)`` and its Jacobian ``H'(z)`` (m + n rows, m + n + 1 columns: ``u``, ``w``, ``λ``)."""
    m, n = a.shape
    u, w, lam = z[:m], z[m:-1], z[-1]
    with np.errstate(over="ignore", invalid="ignore"):
        x, y = np.exp(u), np.exp(w)
        ay, bx = a @ y, b.T @ x
        log_p, log_q = _log_softmax(lam * ay), _log_softmax(lam * bx)
        p, q = np.exp(log_p), np.exp(log_q)
        F = np.concatenate([u - log_p, w - log_q])
        J = np.zeros((m + n, m + n + 1))
        J[:m, :m] = np.eye(m)
        J[m:, m:-1] = np.eye(n)
        J[:m, m:-1] = -lam * (a - p @ a) * y                   # ∂(−log p)/∂w: softmax's Jacobian times λ A diag(y)
        J[m:, :m] = -lam * (b.T - q @ b.T) * x
        J[:m, -1] = -(ay - p @ ay)
        J[m:, -1] = -(bx - q @ bx)
    return F, J


def _tangent(a, b, z, previous):
    """The unit tangent at ``z``, oriented along ``previous`` (it solves ``[H'(z); previousᵀ] t = e_last``), or None
    where that system is singular (``previous`` orthogonal to the curve, or ``z`` a singular point)."""
    _, J = _system(a, b, z)
    rhs = np.zeros(len(z))
    rhs[-1] = 1.0
    try:
        t = np.linalg.solve(np.vstack([J, previous]), rhs)
    except np.linalg.LinAlgError:
        return None
    norm = np.linalg.norm(t)
    return t / norm if np.isfinite(norm) and norm > 0 else None


def _step(a, b, z, tangent, h, landing, top):
    """One predictor–corrector step of length ``h``: the corrected point and the step control's factor ``f`` (from
    the first Newton step and the contraction), or ``(None, inf)`` when the corrector fails. When ``landing``, the
    corrector keeps ``λ`` at ``top`` (its hyperplane is ``λ = top``), so the path ends exactly there."""
    guess = z + h * tangent
    if landing:
        guess[-1] = top
    normal = np.eye(len(z))[-1] if landing else tangent
    first = previous = None
    contraction = 0.0
    for _ in range(MAX_NEWTON):
        F, J = _system(a, b, guess)
        if not (np.isfinite(F).all() and np.isfinite(J).all()):
            return None, np.inf
        residual = float(np.abs(F).max())
        if previous is not None:
            contraction = max(contraction, residual / previous)
        if residual <= _newton_tol(guess[-1]):
            break
        try:
            delta = np.linalg.solve(np.vstack([J, normal]), np.concatenate([-F, [0.0]]))
        except np.linalg.LinAlgError:
            return None, np.inf
        if first is None:
            first = float(np.linalg.norm(delta))
        previous = residual
        guess = guess + delta
        if np.sqrt(first / NOMINAL_DISTANCE) > 2 or np.sqrt(contraction / NOMINAL_CONTRACTION) > 2:
            return None, np.inf               # far off the curve, or converging slowly: a shorter step
    else:
        return None, np.inf
    return guess, max(np.sqrt((first or 0.0) / NOMINAL_DISTANCE), np.sqrt(contraction / NOMINAL_CONTRACTION))


def _polish(A, B, log_x, log_y, tol):
    """The certified equilibrium nearest the path's end ``(e^log_x, e^log_y)`` among those solved on the supports
    read at each of :data:`SUPPORT_THRESHOLDS`, or None when none has regret ``≤ tol`` within
    :data:`MAX_DISTANCE` of the end."""
    x_end, y_end = _normalized(log_x), _normalized(log_y)
    best, seen = None, set()
    for threshold in SUPPORT_THRESHOLDS:
        rows = np.flatnonzero(log_x > np.log(threshold))
        cols = np.flatnonzero(log_y > np.log(threshold))
        key = (tuple(rows), tuple(cols))
        if key in seen or rows.size == 0 or cols.size == 0:
            continue
        seen.add(key)
        y = _indifferent(A[np.ix_(rows, cols)], y_end[cols])       # makes the row player indifferent on ``rows``
        x = _indifferent(B[np.ix_(rows, cols)].T, x_end[rows])     # the column player on ``cols``
        if x is None or y is None:
            continue
        full_x, full_y = np.zeros_like(x_end), np.zeros_like(y_end)
        full_x[rows], full_y[cols] = x, y
        if nash_certificate(A, B, full_x, full_y).epsilon > tol:
            continue
        distance = max(np.abs(full_x - x_end).max(), np.abs(full_y - y_end).max())
        if distance <= MAX_DISTANCE and (best is None or distance < best[0]):
            best = (distance, full_x, full_y)
    return None if best is None else (best[1], best[2])


def _indifferent(M, start):
    """The mixed strategy ``p`` (summing to one) on the columns of ``M`` that equalizes every row of ``M p``,
    nearest ``start`` (least-squares correction; the one solution when the system is square and regular), or None
    when it has a negative weight or does not solve the equations."""
    k, s = M.shape
    system = np.zeros((k + 1, s + 1))
    system[:k, :s], system[:k, s] = M, -1.0                      # M p − v 1 = 0
    system[k, :s] = 1.0                                          # Σ p = 1
    rhs = np.zeros(k + 1)
    rhs[k] = 1.0
    guess = np.concatenate([start / start.sum(), [float((M @ (start / start.sum())).mean())]])
    correction = np.linalg.lstsq(system, rhs - system @ guess, rcond=None)[0]
    solution = guess + correction
    if np.abs(system @ solution - rhs).max() > 1e-9 * max(1.0, np.abs(M).max()):
        return None
    p = solution[:s]
    if p.min() < -1e-12:
        return None
    p = np.clip(p, 0.0, None)
    return p / p.sum()
