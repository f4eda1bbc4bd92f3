"""The follower-agnostic leader of [4]: road tolls on Pigou and Braess without the demand, an affine followers'
game against the oracle hypergradient and the closed form, and bad input."""

import numpy as np
import pytest

from stratlearn.games.routing import braess, pigou
from stratlearn.learners.followers import Box, GradientPlayFollowers, RoutingFollowers, SealedFollowers, leader_set
from hypothesis import given, settings, strategies as st

from stratlearn.learners.follower_agnostic import (FollowersDidNotSettle, follower_agnostic,
                                                   follower_agnostic_online, follower_agnostic_two_timescale,
                                                   myopic_descent, oracle_hypergradient_descent,
                                                   oracle_toll_descent, zeroth_order_descent)
from stratlearn.errors import InvalidParameterError


def Sealed(inner):
    """Followers as the leader sees them: respond (counted) and the declared restartable; reading anything else
    fails, so a run that finishes never read the demand."""
    return SealedFollowers(inner)


def test_sealed_followers_refuse_every_read_but_respond():
    net, dem = pigou()
    sealed = SealedFollowers(RoutingFollowers(net, dem))
    for name in ("_demand", "demand", "_paths", "network", "_rule"):
        with pytest.raises(AttributeError, match=f"may only call respond, not read followers.{name}"):
            getattr(sealed, name)
    with pytest.raises(AttributeError, match="cannot be changed"):
        sealed.calls = 0
    y, state = sealed.respond([0.0, 0.0], None, 3)
    assert sealed.calls == 1 and sealed.restartable is False
    # the travellers' memory comes back unreadable, and only the latest one is accepted: no rewinding, no erasing
    assert repr(state) == "<followers' state>" and not hasattr(state, "__dict__")
    _, later = sealed.respond([0.5, 0.0], state, 3)
    for stale in (state, None):
        with pytest.raises(InvalidParameterError, match="cannot be rewound or reset; pass the state of their last"):
            sealed.respond([0.5, 0.0], stale, 3)
    sealed.respond([0.5, 0.0], later, 3)
    assert SealedFollowers(RoutingFollowers(net, dem, rule="frank_wolfe")).restartable is True
    with pytest.raises(InvalidParameterError, match="inner: expected followers with respond"):
        SealedFollowers(object())


def _tstt(net):
    return (lambda x, y: net.total_travel_time(y),
            lambda x, y: np.zeros_like(x),
            lambda x, y: net.latency(y) + y * net.latency_derivative(y))


def test_pigou_toll_approaches_one_half_and_the_price_of_anarchy_disappears():
    net, dem = pigou()
    followers = Sealed(RoutingFollowers(net, dem))
    cost, gx, gy = _tstt(net)
    res = follower_agnostic(followers, cost, gx, gy, [0.0, 0.0], bounds=([0.0, 0.0], [2.0, 2.0]), iterations=40,
                            step_size=0.5, probes=2, radius=0.05, follower_steps=20)
    assert res.x[-1, 1] - res.x[-1, 0] == pytest.approx(0.5, abs=1e-3)     # only the difference acts
    assert res.cost[0] == pytest.approx(1.0) and res.cost[-1] == pytest.approx(0.75, abs=1e-6)
    assert followers.calls > 0


def test_braess_reaches_the_system_optimum_without_the_demand():
    net, dem = braess()
    followers = Sealed(RoutingFollowers(net, dem))
    cost, gx, gy = _tstt(net)
    res = follower_agnostic(followers, cost, gx, gy, np.zeros(5), bounds=(np.zeros(5), np.full(5, 50.0)),
                            iterations=60, step_size=0.05, probes=3, radius=0.1, follower_steps=30)
    assert res.cost[0] == pytest.approx(552.0, rel=1e-6)
    assert res.cost[-1] == pytest.approx(498.0, rel=1e-4)              # the system optimum's travel time


def _affine():
    rng = np.random.default_rng(4)
    n, d = 4, 3
    A = rng.standard_normal((n, n))
    M = A @ A.T / n + np.eye(n)
    q = rng.standard_normal(n)
    C = rng.standard_normal((n, d))
    target = rng.standard_normal(n)
    rho = 0.1
    return M, q, C, target, rho


def test_affine_followers_reach_the_closed_form_leader_optimum_like_the_oracle():
    """Followers: projected gradient play in F(y; x) = My + q + Cx on a box wide enough to stay inactive, so
    y*(x) = −M⁻¹(q + Cx). Leader: ½‖y − t‖² + (ρ/2)‖x‖², minimized at x* = (GᵀG + ρI)⁻¹ Gᵀ(t − h) with
    G = −M⁻¹C, h = −M⁻¹q. The follower-agnostic leader and the oracle both reach x* to 1e-3 (responses settle to
    1e-8, so the probe differences are exact to about that over the radius 0.1)."""
    import jax.numpy as jnp

    M, q, C, target, rho = _affine()
    G, h = -np.linalg.solve(M, C), -np.linalg.solve(M, q)
    x_star = np.linalg.solve(G.T @ G + rho * np.eye(3), G.T @ (target - h))
    cost = lambda x, y: 0.5 * np.sum((y - target) ** 2) + 0.5 * rho * np.sum(x ** 2)
    followers = Sealed(GradientPlayFollowers(M, q, C, -100.0, 100.0))
    res = follower_agnostic(followers, cost, lambda x, y: rho * x, lambda x, y: y - target, np.zeros(3),
                            bounds=(np.full(3, -10.0), np.full(3, 10.0)), iterations=300, step_size=0.3, probes=2,
                            radius=0.1, follower_steps=400, tolerance=1e-8)
    np.testing.assert_allclose(res.x[-1], x_star, atol=1e-3)
    oracle = oracle_hypergradient_descent(
        lambda x: -jnp.linalg.solve(jnp.asarray(M), jnp.asarray(q) + jnp.asarray(C) @ x),
        lambda x, y: 0.5 * jnp.sum((y - target) ** 2) + 0.5 * rho * jnp.sum(x ** 2), np.zeros(3),
        bounds=(np.full(3, -10.0), np.full(3, 10.0)), iterations=300, step_size=0.3)
    np.testing.assert_allclose(oracle.x[-1], x_star, atol=1e-3)


def test_two_timescale_leader_tracks_the_jacobian_and_reaches_the_leader_optimum():
    """One follower step per leader iteration. The tracked Jacobian is the response Jacobian G = −M⁻¹C to 1e-9
    (the fixed-point residual vanishes at G, so the tracking has no noise floor on an affine game), and x* is reached
    to 1e-3 (measured 4e-5) with about 2% of the two-loop leader's follower steps in the test above."""
    M, q, C, target, rho = _affine()
    G, h = -np.linalg.solve(M, C), -np.linalg.solve(M, q)
    x_star = np.linalg.solve(G.T @ G + rho * np.eye(3), G.T @ (target - h))
    cost = lambda x, y: 0.5 * np.sum((y - target) ** 2) + 0.5 * rho * np.sum(x ** 2)
    followers = Sealed(GradientPlayFollowers(M, q, C, -100.0, 100.0))
    res = follower_agnostic_two_timescale(followers, cost, lambda x, y: rho * x, lambda x, y: y - target,
                                          np.zeros(3), bounds=(np.full(3, -10.0), np.full(3, 10.0)),
                                          iterations=3000, step_size=0.03, tracking=0.5, final_steps=2000,
                                          tolerance=1e-8)
    np.testing.assert_allclose(res.jacobian, G, atol=1e-9)
    np.testing.assert_allclose(res.x[-1], x_star, atol=1e-3)
    assert res.follower_steps < 10_000
    assert res.cost[-1] == pytest.approx(cost(x_star, G @ x_star + h), rel=1e-6)


def test_one_step_probe_differences_are_not_the_response_jacobian():
    """Why the two-timescale leader propagates its estimate: one follower step from the same y measures the update's
    sensitivity −αC, not G = −M⁻¹C."""
    M, q, C, *_ = _affine()
    f = GradientPlayFollowers(M, q, C, -100.0, 100.0)
    y, _ = f.respond(np.zeros(3), None, 500)
    u = np.array([1.0, -1.0, 1.0])
    one_step = (f.respond(1e-3 * u, y, 1)[0] - f.respond(np.zeros(3), y, 1)[0]) / 1e-3
    np.testing.assert_allclose(one_step, -f._step * C @ u, atol=1e-9)
    assert np.linalg.norm(one_step - (-np.linalg.solve(M, C) @ u)) > 0.5 * np.linalg.norm(np.linalg.solve(M, C) @ u)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 5), st.integers(1, 4))
def test_tracked_jacobian_is_the_response_jacobian_on_random_monotone_games(seed, n, d):
    """With the leader's gradient zero, x stays put and the estimate must converge to −M⁻¹C for any strongly
    monotone affine game (contraction factor at most 1 − μ²/‖M‖², so 4000 steps of tracking suffice for 1e-6 at
    the conditioning drawn here)."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    M = A @ A.T / n + np.eye(n) + 0.5 * (A - A.T) / n
    C = rng.standard_normal((n, d))
    f = GradientPlayFollowers(M, rng.standard_normal(n), C, -1e3, 1e3)
    res = follower_agnostic_two_timescale(f, lambda x, y: 0.0, lambda x, y: 0 * x, lambda x, y: 0 * y,
                                          np.zeros(d), bounds=(np.full(d, -1.0), np.full(d, 1.0)),
                                          iterations=4000, step_size=0.1, seed=seed, final_steps=4000,
                                          tolerance=1e-6)
    np.testing.assert_allclose(res.jacobian, -np.linalg.solve(M, C), atol=1e-6)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 5), st.integers(1, 4))
def test_online_leader_identifies_the_response_jacobian_on_random_monotone_games(seed, n, d):
    """The observe-only leader fits y⁺ = Ay + Bx + c from its dithered decisions; for projected gradient play on a
    box too wide to bind, the update is exactly affine (A = I − αM, B = −αC), so the fixed point's Jacobian
    (I − A)⁻¹B must be the response Jacobian −M⁻¹C up to the ridge's and rounding's error. The fit is exact in
    exact arithmetic once the window holds m + d + 1 independent transitions, but slow followers (A near I) make
    the regressors nearly collinear: with the default window 4(m + d + 1) the error reached 6.6e-3 (hypothesis
    found n = 5, d = 1, seed 1 at 1.5e-4). A window of 400 transitions measured at most 4.5e-9 over 360 games, so
    1e-6 leaves room for rounding only."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    M = A @ A.T / n + np.eye(n) + 0.5 * (A - A.T) / n
    C = rng.standard_normal((n, d))
    f = GradientPlayFollowers(M, rng.standard_normal(n), C, -1e3, 1e3)
    res = follower_agnostic_online(f, lambda x, y: 0.0, lambda x, y: 0 * x, lambda x, y: 0 * y, np.zeros(d),
                                   bounds=(np.full(d, -1.0), np.full(d, 1.0)), iterations=400, window=400,
                                   dither=0.1, ridge=1e-12, seed=seed, final_steps=4000, tolerance=1e-6)
    np.testing.assert_allclose(res.jacobian, -np.linalg.solve(M, C), atol=1e-6)


@pytest.mark.parametrize("d", [8, 20])
def test_tracking_converges_in_many_dimensions_with_fast_followers(d):
    """The fixed-point step is normalized by ‖u‖² = d; unnormalized, one ±1 probe overshoots by about d along u and
    the tracking diverged here (d = 8: the estimate reached 1e241). Followers with a contraction factor near 0.5."""
    rng = np.random.default_rng(d)
    n = 6
    M = np.eye(n) + 0.2 * rng.standard_normal((n, n))
    M = 0.5 * (M + M.T) + np.eye(n)
    C = rng.standard_normal((n, d))
    f = GradientPlayFollowers(M, rng.standard_normal(n), C, -1e3, 1e3, step=0.5 / np.linalg.norm(M, 2))
    res = follower_agnostic_two_timescale(f, lambda x, y: 0.0, lambda x, y: 0 * x, lambda x, y: 0 * y,
                                          np.zeros(d), bounds=(np.full(d, -1.0), np.full(d, 1.0)),
                                          iterations=400 * d, step_size=0.1, tracking=0.5, seed=1,
                                          final_steps=500, tolerance=1e-6)
    np.testing.assert_allclose(res.jacobian, -np.linalg.solve(M, C), atol=1e-6)


def test_two_timescale_pigou_toll_with_frank_wolfe_travellers():
    """Frank-Wolfe travellers start from the flows they are given, so the two-timescale leader can probe them; on
    Pigou the toll difference reaches 1/2 and the travel time 3/4. (On Braess it does not: a Frank-Wolfe step
    jumps between all-or-nothing directions where paths tie, so the probes do not measure a derivative, and the
    tolls run to their bounds; docs/routing.md reports it.)"""
    net, dem = pigou()
    cost, gx, gy = _tstt(net)
    res = follower_agnostic_two_timescale(Sealed(RoutingFollowers(net, dem, rule="frank_wolfe")), cost, gx, gy,
                                          [0.0, 0.0], bounds=([0.0, 0.0], [2.0, 2.0]), iterations=400,
                                          step_size=0.05, first_steps=20, final_steps=500, tolerance=1e-4)
    assert res.x[-1, 1] - res.x[-1, 0] == pytest.approx(0.5, abs=1e-3)
    assert res.cost[-1] == pytest.approx(0.75, abs=1e-6)


def test_oracle_toll_descent_reaches_the_pigou_toll():
    """The oracle knows the demand: its exact hypergradient on Pigou is (2v₂ − 1)(1, −1), so the toll difference
    grows until v₂ = 1/2, i.e. τ₂ − τ₁ = 1/2, and the travel time is 3/4."""
    from stratlearn.equilibria.wardrop import TollSensitivity

    net, dem = pigou()
    res = oracle_toll_descent(TollSensitivity(net, dem), [0.0, 0.0], bounds=([0.0, 0.0], [2.0, 2.0]),
                              iterations=60, step_size=0.5)
    assert res.x[-1, 1] - res.x[-1, 0] == pytest.approx(0.5, abs=1e-6)
    assert res.cost[0] == pytest.approx(1.0) and res.cost[-1] == pytest.approx(0.75, abs=1e-9)
    with pytest.raises(InvalidParameterError, match="sensitivity: expected a TollSensitivity"):
        oracle_toll_descent(RoutingFollowers(net, dem), [0.0, 0.0], bounds=([0.0, 0.0], [2.0, 2.0]))


def test_zeroth_order_baseline_descends_on_pigou():
    net, dem = pigou()
    cost, _, _ = _tstt(net)
    res = zeroth_order_descent(RoutingFollowers(net, dem), cost, [0.0, 0.0], bounds=([0.0, 0.0], [2.0, 2.0]),
                               iterations=40, step_size=0.2, radius=0.05, seed=1)
    assert res.cost[-1] < 0.76 < res.cost[0]


def test_bad_input():
    net, dem = pigou()
    cost, gx, gy = _tstt(net)
    with pytest.raises(InvalidParameterError, match="expected a convex set"):
        follower_agnostic(RoutingFollowers(net, dem), cost, gx, gy, [0.0, 0.0], bounds=[0.0, 0.5, 1.0])
    with pytest.raises(InvalidParameterError, match="lower\\[1\\]=3.0 > upper\\[1\\]=2.0"):
        leader_set(([0.0, 3.0], [1.0, 2.0]))
    with pytest.raises(InvalidParameterError, match="x0: expected 2 finite numbers"):
        follower_agnostic(RoutingFollowers(net, dem), cost, gx, gy, [0.0], bounds=([0.0, 0.0], [2.0, 2.0]))
    with pytest.raises(InvalidParameterError, match="followers: expected an object with respond"):
        follower_agnostic(object(), cost, gx, gy, [0.0, 0.0], bounds=([0.0, 0.0], [2.0, 2.0]))
    with pytest.raises(InvalidParameterError, match="strongly monotone"):
        GradientPlayFollowers(np.array([[0.0, 1.0], [-1.0, 0.0]]), np.zeros(2), np.eye(2), -1.0, 1.0)
    with pytest.raises(InvalidParameterError, match="state must be their joint action"):
        follower_agnostic_two_timescale(RoutingFollowers(net, dem), cost, gx, gy, [0.0, 0.0],
                                        bounds=([0.0, 0.0], [2.0, 2.0]))
    with pytest.raises(InvalidParameterError, match="tracking=1.5: expected a fixed-point step in \\(0, 1\\]"):
        follower_agnostic_two_timescale(RoutingFollowers(net, dem, rule="frank_wolfe"), cost, gx, gy, [0.0, 0.0],
                                        bounds=([0.0, 0.0], [2.0, 2.0]), tracking=1.5)
    M, q, C, target, rho = _affine()
    wild = GradientPlayFollowers(M, q, C, -np.inf, np.inf, step=10.0)           # not a contraction: diverges
    with pytest.raises(FollowersDidNotSettle, match="not finite"):
        follower_agnostic_two_timescale(wild, lambda x, y: 0.0, lambda x, y: 0 * x, lambda x, y: 0 * y,
                                        np.zeros(3), bounds=(np.full(3, -1.0), np.full(3, 1.0)), iterations=500)
    slow = GradientPlayFollowers(M, q, C, -100.0, 100.0, step=1e-3)
    with pytest.raises(FollowersDidNotSettle, match="still moved by .* after 2 adaptation steps"):
        follower_agnostic(slow, lambda x, y: 0.0, lambda x, y: 0 * x, lambda x, y: 0 * y, np.zeros(3),
                          bounds=Box(np.full(3, -1.0), np.full(3, 1.0)), follower_steps=2, tolerance=1e-6)


def test_hypergradient_estimate_matches_the_exact_one_on_braess():
    """The two-loop leader's estimate Ĵᵀ∇_y f against TollSensitivity's implicit differentiation (which knows the
    demand), at every iterate of a seeded run away from the system optimum's kink (where the used paths change
    and the derivative jumps). Braess's equilibrium flows are piecewise linear in the tolls and 30 gradient-
    projection steps settle them to rounding, so finite differences with radius 0.1 inside one linear piece are
    exact up to the settling error: measured ≤ 3e-7 relative; 1e-5 leaves room for rounding, not for a wrong
    Jacobian (an estimate that ignored the response would be off by 1)."""
    from stratlearn.equilibria.wardrop import TollSensitivity

    net, dem = braess()
    cost, gx, gy = _tstt(net)
    res = follower_agnostic(Sealed(RoutingFollowers(net, dem)), cost, gx, gy, np.zeros(5),
                            bounds=(np.zeros(5), np.full(5, 50.0)), iterations=40, step_size=0.05, probes=3,
                            radius=0.1, follower_steps=30, seed=3)
    exact = TollSensitivity(net, dem, gap=1e-12)
    assert res.gradients.shape == (40, 5)
    errors = [np.linalg.norm(res.gradients[k] - exact(res.x[k]).gradient) / np.linalg.norm(exact(res.x[k]).gradient)
              for k in range(2, 40)]                     # from k = 2: memory holds 9 >= 5 probes (6 at k = 1)
    assert max(errors) < 1e-5


def test_myopic_leader_never_removes_the_price_of_anarchy_on_pigou():
    """Total travel time does not depend on the tolls directly (∇_x f = 0), so a leader that ignores the response
    never moves: the travel time stays at the user equilibrium's 1, 4/3 of the optimum 3/4."""
    net, dem = pigou()
    cost, gx, _ = _tstt(net)
    res = myopic_descent(Sealed(RoutingFollowers(net, dem)), cost, gx, [0.0, 0.0], bounds=([0.0, 0.0], [2.0, 2.0]),
                         iterations=20, step_size=0.5)
    assert np.all(res.x == 0.0) and np.all(res.gradients == 0.0)
    assert res.cost[-1] / 0.75 == pytest.approx(4 / 3, rel=1e-9)


def test_online_leader_posts_tolls_only_and_reaches_the_pigou_toll():
    """The single-loop leader that calls respond once per iteration, never with a starting state: against
    travellers who remember their paths (not restartable) it reaches the toll 1/2. Measured |toll − 1/2| 2.5e-4 on
    average over four seeds with dither 0.005; the tolerance 2e-3 is eight times that, and an estimate without the
    response (toll 0) would be off by 0.5."""
    net, dem = pigou()
    cost, gx, gy = _tstt(net)
    followers = Sealed(RoutingFollowers(net, dem))
    res = follower_agnostic_online(followers, cost, gx, gy, [0.0, 0.0], bounds=([0.0, 0.0], [2.0, 2.0]),
                                   iterations=2000, step_size=0.02, dither=0.005, seed=2)
    assert res.x[-1, 1] - res.x[-1, 0] == pytest.approx(0.5, abs=2e-3)
    assert res.cost[-1] == pytest.approx(0.75, abs=1e-4)
    assert followers.calls == 1 + 2000 + 2               # the first deployment, one per iteration, the last (+ a check)
    np.testing.assert_allclose(res.jacobian, [[-1.0, 1.0], [1.0, -1.0]], atol=1e-3)   # ∂v/∂τ inside Pigou's piece


def test_probes_of_travellers_with_memory_are_resettled():
    """Travellers who remember their paths ignore the starting flows, so after each probe the leader re-deploys
    x_k (follower_steps more steps per probe after the first); restartable followers are started from y_k and need
    no re-settling."""
    net, dem = braess()
    cost, gx, gy = _tstt(net)
    kw = dict(bounds=(np.zeros(5), np.full(5, 50.0)), iterations=3, step_size=0.05, probes=3, radius=0.1,
              follower_steps=30)
    resettled = follower_agnostic(Sealed(RoutingFollowers(net, dem)), cost, gx, gy, np.zeros(5), **kw)
    plain = follower_agnostic(Sealed(RoutingFollowers(net, dem)), cost, gx, gy, np.zeros(5), resettle=False, **kw)
    assert resettled.follower_steps - plain.follower_steps == 3 * 2 * 30


def test_tolled_subset_of_links():
    """Tolls on listed links only: the same flows as the full toll vector with zeros elsewhere."""
    net, dem = braess()
    full, _ = RoutingFollowers(net, dem, rule="frank_wolfe").respond([0.0, 0.0, 3.0, 0.0, 1.0], None, 200)
    subset, _ = RoutingFollowers(net, dem, rule="frank_wolfe", tolled=[2, 4]).respond([3.0, 1.0], None, 200)
    np.testing.assert_allclose(subset, full)
    with pytest.raises(InvalidParameterError, match="x: expected 2 tolls"):
        RoutingFollowers(net, dem, tolled=[2, 4]).respond([3.0], None, 5)
    for bad in ([], [0, 0], [5], [-1], [0.5]):
        with pytest.raises(InvalidParameterError, match="tolled=.*expected distinct link indices in \\[0, 5\\)"):
            RoutingFollowers(net, dem, tolled=bad)


def test_leaders_refuse_followers_that_expose_their_utilities():
    """The method is follower-agnostic by construction: followers that expose their demand or utilities are
    refused by every follower-agnostic leader, with the fix (SealedFollowers) in the message."""
    net, dem = pigou()
    cost, gx, gy = _tstt(net)

    class Open(RoutingFollowers):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            self.demand = dem                            # exposed: the leader could read it

    box = ([0.0, 0.0], [2.0, 2.0])
    for leader in (lambda f: follower_agnostic(f, cost, gx, gy, [0.0, 0.0], bounds=box),
                   lambda f: follower_agnostic_online(f, cost, gx, gy, [0.0, 0.0], bounds=box),
                   lambda f: myopic_descent(f, cost, gx, [0.0, 0.0], bounds=box),
                   lambda f: zeroth_order_descent(f, cost, [0.0, 0.0], bounds=box)):
        with pytest.raises(InvalidParameterError, match="followers: Open exposes demand.*SealedFollowers"):
            leader(Open(net, dem))
    res = myopic_descent(SealedFollowers(Open(net, dem)), cost, gx, [0.0, 0.0], bounds=box, iterations=2)
    assert res.cost[0] == pytest.approx(1.0)


def test_online_leader_bad_input():
    net, dem = pigou()
    cost, gx, gy = _tstt(net)
    box = ([0.0, 0.0], [2.0, 2.0])
    with pytest.raises(InvalidParameterError, match="average_from=1.0: expected a fraction"):
        follower_agnostic_online(RoutingFollowers(net, dem), cost, gx, gy, [0.0, 0.0], bounds=box, average_from=1.0)
    with pytest.raises(InvalidParameterError, match="window=3: expected at least m \\+ d \\+ 1 = 5"):
        follower_agnostic_online(RoutingFollowers(net, dem), cost, gx, gy, [0.0, 0.0], bounds=box, window=3)
    with pytest.raises(InvalidParameterError, match="dither"):
        follower_agnostic_online(RoutingFollowers(net, dem), cost, gx, gy, [0.0, 0.0], bounds=box, dither=0.0)
    with pytest.raises(InvalidParameterError, match="warmup=3: expected between m \\+ d \\+ 1 = 5"):
        follower_agnostic_online(RoutingFollowers(net, dem), cost, gx, gy, [0.0, 0.0], bounds=box, warmup=3)
    with pytest.raises(InvalidParameterError, match="warmup=50: expected .* and window=20"):
        follower_agnostic_online(RoutingFollowers(net, dem), cost, gx, gy, [0.0, 0.0], bounds=box, warmup=50)


def test_sioux_falls_within_one_percent_of_the_optimum_without_reading_the_demand():
    """76 tolls learned from responses alone (the followers are sealed: reading anything but respond fails). The
    measured ratio after 25 leader iterations is 1.007 of the system optimum (1.040 without tolls)."""
    from stratlearn.equilibria.wardrop import system_optimum
    from stratlearn.games.routing import load_tntp

    net, dem = load_tntp("SiouxFalls")                 # the copy packaged with stratlearn
    cost, gx, gy = _tstt(net)
    followers = Sealed(RoutingFollowers(net, dem))
    res = follower_agnostic(followers, cost, gx, gy, np.zeros(76), bounds=(np.zeros(76), np.full(76, 100.0)),
                            iterations=25, step_size=1e-4, probes=8, radius=0.5, follower_steps=5, first_steps=80,
                            tolerance=1e-2)
    so = system_optimum(net, dem, gap=1e-6).tstt
    assert res.cost[0] / so > 1.03
    assert res.cost[-1] / so <= 1.01



def test_the_followers_state_is_returned_and_the_followers_never_change():
    """respond is a function of (x, state): the same call twice gives the same response, the state handed in is not
    modified, and threading the states through two calls equals one call of the summed steps."""
    net, dem = braess()
    for rule in ("paths", "frank_wolfe"):
        f = RoutingFollowers(net, dem, rule=rule)
        y1, s1 = f.respond(np.zeros(5), None, 7)
        before = {k: (list(r), fl.copy()) for k, (r, fl) in s1.items()} if rule == "paths" else s1.copy()
        a, _ = f.respond(np.full(5, 2.0), s1, 5)
        b, _ = f.respond(np.full(5, 2.0), s1, 5)
        np.testing.assert_array_equal(a, b)
        if rule == "paths":
            assert all(before[k][0] == s1[k][0] and (before[k][1] == s1[k][1]).all() for k in s1)
        else:
            np.testing.assert_array_equal(before, s1)
    M, q, C, *_ = _affine()
    g = GradientPlayFollowers(M, q, C, -100.0, 100.0)
    y, state = g.respond(np.ones(3), None, 4)
    y2, _ = g.respond(np.ones(3), state, 6)
    np.testing.assert_allclose(y2, g.respond(np.ones(3), None, 10)[0], rtol=1e-12)


def test_every_leader_reports_each_iteration_through_its_callback():
    """``callback(k, x)`` after each leader iteration, k = 1..iterations, with the decision the result records
    (what `stratlearn tolls` draws its progress bar with)."""
    net, dem = pigou()
    cost, gx, gy = _tstt(net)
    box = dict(bounds=([0.0, 0.0], [2.0, 2.0]), iterations=5)
    runs = {
        "follower_agnostic": lambda cb: follower_agnostic(Sealed(RoutingFollowers(net, dem)), cost, gx, gy, [0.0, 0.0],
                                                          step_size=0.5, probes=2, radius=0.05, callback=cb, **box),
        "two_timescale": lambda cb: follower_agnostic_two_timescale(
            Sealed(RoutingFollowers(net, dem, rule="frank_wolfe")), cost, gx, gy, [0.0, 0.0], step_size=0.05,
            callback=cb, **box),
        "online": lambda cb: follower_agnostic_online(Sealed(RoutingFollowers(net, dem)), cost, gx, gy, [0.0, 0.0],
                                                      step_size=0.02, callback=cb, average_from=None, **box),
        "zeroth_order": lambda cb: zeroth_order_descent(Sealed(RoutingFollowers(net, dem)), cost, [0.0, 0.0],
                                                        step_size=0.5, callback=cb, **box),
        "myopic": lambda cb: myopic_descent(Sealed(RoutingFollowers(net, dem)), cost, gx, [0.0, 0.0], step_size=0.5,
                                            callback=cb, **box),
    }
    from stratlearn.equilibria.wardrop import TollSensitivity

    runs["oracle_tolls"] = lambda cb: oracle_toll_descent(TollSensitivity(net, dem), [0.0, 0.0], step_size=0.5,
                                                          callback=cb, **box)
    for name, run in runs.items():
        seen = []
        res = run(lambda k, x: seen.append((k, np.array(x))))
        assert [k for k, _ in seen] == [1, 2, 3, 4, 5], name
        for k, x in seen:
            np.testing.assert_array_equal(x, res.x[k], err_msg=name)
