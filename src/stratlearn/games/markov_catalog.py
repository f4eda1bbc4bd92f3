"""Named and random Markov games: seeded random zero-sum games, Littman's grid soccer, a grid pursuit-evasion game
whose size is a parameter (up to 10^5 states and beyond), and a one-state game on which independent Q-learning
cycles."""

from __future__ import annotations

import numpy as np

from ..errors import InvalidParameterError, check_in_range, check_memory, check_positive_int, check_seed
from .markov import MarkovGame

__all__ = ["random_zero_sum_markov", "soccer", "pursuit_evasion", "matching_pennies_markov", "entry_deterrence"]

_MOVES = np.array([[-1, 0], [1, 0], [0, 1], [0, -1], [0, 0]])  # N, S, E, W, stay



def random_zero_sum_markov(states: int = 5, actions: int = 2, col_actions: int | None = None,
                           successors: int | None = None, discount: float = 0.9, concentration: float = 1.0,
                           seed: int = 0) -> MarkovGame:
    """A zero-sum Markov game with i.i.d. uniform(−1, 1) rewards and Dirichlet(``concentration``) transitions over
    ``successors`` distinct next states drawn uniformly per (s, a, b) (all ``states`` when ``None``)."""
    S = check_positive_int("states", states)
    A = check_positive_int("actions", actions)
    B = A if col_actions is None else check_positive_int("col_actions", col_actions)
    K = S if successors is None else check_positive_int("successors", successors)
    if K > S:
        raise InvalidParameterError(f"successors={K}: expected at most states={S}")
    concentration = check_in_range("concentration", concentration, 0.0, np.inf, low_open=True, high_open=True)
    discount = check_in_range("discount", discount, 0.0, 1.0, high_open=True)
    # rewards, transition probabilities and successor indices (and the sort's keys when K < S)
    check_memory(f"states={S}, actions={A}, col_actions={B}, successors={K}",
                 8 * S * A * B * (1 + 2 * K + (S if K < S else 0)))
    rng = np.random.default_rng(check_seed(seed))
    rewards = rng.uniform(-1.0, 1.0, size=(S, A, B))
    probs = rng.dirichlet(np.full(K, concentration), size=(S, A, B))
    if K == S:
        succ = np.broadcast_to(np.arange(S), (S, A, B, S)).copy()
    else:
        succ = np.argsort(rng.random((S, A, B, S)), axis=-1)[..., :K]
    return MarkovGame(rewards, next_states=succ, next_probs=probs, discount=discount,
                      name=f"random_zero_sum_markov_{S}x{A}x{B}_k{K}_g{discount:g}_s{seed}")


def soccer(discount: float = 0.9) -> MarkovGame:
    """Littman's (1994) grid soccer on a 4x5 field. The row player A and the column player B each choose N, S, E, W or
    stand; the two moves are executed in a random order (probability ½ each). A player moving into the other's cell
    does not move, and the ball goes to the player that stood still. A player carrying the ball into the left goal
    (leaving the field westward from row 1 or 2) scores +1 for A; into the right goal, +1 for B (−1 for the other).
    After a goal the players return to their starting cells (A at row 1, column 3; B at row 2, column 1) and the
    ball goes to either at random. States: the two positions and the possession, 4·5·19·2 = 760."""
    rows, cols = 4, 5
    cells = [(r, c) for r in range(rows) for c in range(cols)]
    index = {}
    states = []
    for pa in cells:
        for pb in cells:
            if pa == pb:
                continue
            for ball in (0, 1):  # 0: A holds the ball, 1: B holds it
                index[(pa, pb, ball)] = len(states)
                states.append((pa, pb, ball))
    S = len(states)
    starts = [index[((1, 3), (2, 1), 0)], index[((1, 3), (2, 1), 1)]]
    K = 4
    rewards = np.zeros((S, 5, 5))
    succ = np.zeros((S, 5, 5, K), dtype=np.int32)
    probs = np.zeros((S, 5, 5, K))

    def step(state, mover, move):
        """Apply one player's move; returns (new state, goal) with goal +1 (A scores), -1 (B scores) or 0."""
        pa, pb, ball = state
        me, other = (pa, pb) if mover == 0 else (pb, pa)
        target = (me[0] + _MOVES[move][0], me[1] + _MOVES[move][1])
        holds = ball == mover
        if holds and me[0] in (1, 2) and target[1] < 0:
            return None, +1
        if holds and me[0] in (1, 2) and target[1] >= cols:
            return None, -1
        if not (0 <= target[0] < rows and 0 <= target[1] < cols):
            target = me
        if target == other:
            return (pa, pb, 1 - mover), 0  # blocked: the ball goes to the player standing there
        return ((target, pb, ball) if mover == 0 else (pa, target, ball)), 0

    for s, state in enumerate(states):
        for a in range(5):
            for b in range(5):
                outcomes = []
                for order in ((0, a), (1, b)), ((1, b), (0, a)):
                    current, goal = state, 0
                    for mover, move in order:
                        current, goal = step(current, mover, move)
                        if goal:
                            break
                    outcomes.append((current, goal))
                slots = []
                reward = 0.0
                for current, goal in outcomes:
                    reward += 0.5 * goal
                    if goal:
                        slots += [(starts[0], 0.25), (starts[1], 0.25)]
                    else:
                        slots += [(index[current], 0.5)]
                merged = {}
                for nxt, p in slots:
                    merged[nxt] = merged.get(nxt, 0.0) + p
                items = sorted(merged.items())
                for k in range(K):
                    nxt, p = items[k] if k < len(items) else (items[0][0], 0.0)
                    succ[s, a, b, k], probs[s, a, b, k] = nxt, p
                rewards[s, a, b] = reward
    initial = np.zeros(S)
    initial[starts] = 0.5
    return MarkovGame(rewards, next_states=succ, next_probs=probs, initial=initial, discount=discount,
                      name="soccer")


def pursuit_evasion(size: int = 4, slip: float = 0.1, discount: float = 0.95, start: str = "corners") -> MarkovGame:
    """A pursuer (row player) and an evader (column player) on a ``size`` x ``size`` grid, each choosing N, S, E, W or
    stay; each intended move fails (the agent stays) with probability ``slip``, independently. When the pursuer ends
    on the evader's cell it gets +1 (the evader −1) and both restart from opposite corners. States: the two positions,
    ``size⁴`` (size 18 gives 104,976), with at most 4 successors each. ``start``: where play begins (the initial
    distribution, over which Nash gaps are averaged): ``"corners"`` (the restart state) or ``"uniform"`` (every state
    with the two apart equally likely), which weighs the whole board rather than the corner start alone."""
    if start not in ("corners", "uniform"):
        raise InvalidParameterError(f"start={start!r}: expected 'corners' or 'uniform'")
    n = check_positive_int("size", size)
    if n < 2:
        raise InvalidParameterError(f"size={size}: expected an integer >= 2")
    slip = check_in_range("slip", slip, 0.0, 1.0, high_open=True)
    cells = n * n
    S = cells * cells
    # the successor table and its probabilities (4 successors per state and action pair), rewards of both players
    check_memory(f"size={n}", 8.0 * S * 25 * (2 * 4 + 2))
    restart = (n * n - 1)  # pursuer at cell 0, evader at the last cell
    pos = np.arange(cells)
    r, c = pos // n, pos % n
    moved = np.empty((cells, 5), dtype=np.int64)
    for m, (dr, dc) in enumerate(_MOVES):
        nr = np.clip(r + dr, 0, n - 1)
        nc = np.clip(c + dc, 0, n - 1)
        moved[:, m] = nr * n + nc
    p_cell = np.repeat(pos, cells)   # state s = p * cells + e
    e_cell = np.tile(pos, cells)
    succ = np.empty((S, 5, 5, 4), dtype=np.int32)
    probs = np.empty((S, 5, 5, 4))
    rewards = np.zeros((S, 5, 5))
    outcomes = [(True, True, (1 - slip) ** 2), (True, False, (1 - slip) * slip), (False, True, slip * (1 - slip)),
                (False, False, slip * slip)]
    for a in range(5):
        for b in range(5):
            for k, (pa_ok, eb_ok, p) in enumerate(outcomes):
                new_p = moved[p_cell, a] if pa_ok else p_cell
                new_e = moved[e_cell, b] if eb_ok else e_cell
                caught = new_p == new_e
                succ[:, a, b, k] = np.where(caught, restart, new_p * cells + new_e)
                probs[:, a, b, k] = p
                rewards[:, a, b] += p * caught
    if start == "corners":
        initial = np.zeros(S)
        initial[restart] = 1.0
    else:
        initial = (p_cell != e_cell) / float(S - cells)
    return MarkovGame(rewards, next_states=succ, next_probs=probs, initial=initial, discount=discount,
                      name=f"pursuit_evasion_{n}x{n}" + ("" if start == "corners" else "_uniform"))


def matching_pennies_markov(discount: float = 0.9) -> MarkovGame:
    """Matching pennies as a one-state Markov game: the only equilibrium is mixed (½, ½), so independent Q-learners,
    which greedily best-respond to their own Q-values, chase each other around the cycle of pure strategies and do not
    converge (a classic failure case)."""
    rewards = np.array([[[1.0, -1.0], [-1.0, 1.0]]])
    return MarkovGame(rewards, transitions=np.ones((1, 2, 2, 1)), discount=discount, name="matching_pennies_markov")



def entry_deterrence(states: int = 50, discount: float = 0.9, fight_cost: float = 0.3, margin: float = 0.6,
                     expansion_cost: float = 0.05, slip: float = 0.1) -> MarkovGame:
    """A general-sum Markov game of market entry in which committing to fewer options pays (for [7]).

    State ``s ∈ {0, …, states − 1}`` is the entrant's market presence ``p_s = s/(states − 1)``. The incumbent (the
    learner, row player) picks its stance: 0 *accommodate*, 1 *compete*, 2 *fight* (a price war). The entrant
    (column player) picks 0 *retreat*, 1 *hold* or 2 *expand*, which moves the state down, nowhere or up by one
    (clipped at the ends); with probability ``slip`` the state stays instead. Rewards:

    * incumbent: ``r¹ = 1 − p_s − c_a`` with stance costs ``c = (0, fight_cost/2, fight_cost)``: accommodating is
      strictly dominant in every stage game, and since the incumbent's stance does not move the state it stays
      dominant once continuation values are added;
    * entrant: ``r² = p_s · m_a − e_b`` with margins ``m = (margin, 0, −margin)`` (its presence pays when
      accommodated, costs in a price war) and upkeep ``e = (0, expansion_cost/2, expansion_cost)``
      (so retreating and holding never tie at the bottom state).

    Every equilibrium of the full game has the incumbent accommodating, the entrant expanding and the incumbent's
    payoff falling to 0 per period; restricted to *fight* (:func:`stratlearn.games.strategic.restrict_row_actions`)
    the entrant retreats and the incumbent keeps ``1 − fight_cost`` per period. For a patient incumbent (large
    ``γ``) the restricted class is strictly better: the reverse scaling of [7] in a 50-state Markov game. Our
    construction where the game behind [7]'s Fig. 1(b) is not available here; ``p₀`` is uniform.
    """
    S = check_positive_int("states", states)
    if S < 2:
        raise InvalidParameterError(f"states={S}: expected at least 2")
    check_memory(f"states={S}", 8.0 * S * 9 * 8)  # rewards, successors and probabilities of 9 action pairs
    gamma = check_in_range("discount", discount, 0.0, 1.0, high_open=True)
    fight_cost = check_in_range("fight_cost", fight_cost, 0.0, 1.0)
    margin = check_in_range("margin", margin, 0.0, 1.0)
    expansion_cost = check_in_range("expansion_cost", expansion_cost, 0.0, 1.0)
    slip = check_in_range("slip", slip, 0.0, 1.0, high_open=True)
    p = np.linspace(0.0, 1.0, S)
    stance_cost = np.array([0.0, fight_cost / 2, fight_cost])
    r1 = np.broadcast_to((1.0 - p)[:, None, None] - stance_cost[None, :, None], (S, 3, 3))
    m = np.array([margin, 0.0, -margin])
    e = np.array([0.0, expansion_cost / 2, expansion_cost])
    r2 = p[:, None, None] * m[None, :, None] - e[None, None, :]
    s = np.arange(S)[:, None, None] * np.ones((1, 3, 3), int)
    move = np.array([-1, 0, 1])[None, None, :]
    succ = np.stack([np.clip(s + move, 0, S - 1), s], axis=-1)
    probs = np.broadcast_to(np.array([1.0 - slip, slip]), succ.shape).copy()
    return MarkovGame(np.ascontiguousarray(r1), discount=gamma, col_rewards=r2, next_states=succ, next_probs=probs,
                      name=f"entry_deterrence_{S}")
