"""The OpenSpiel bridge: structure, values against OpenSpiel's own value iteration, and the games it must refuse."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stratlearn.equilibria import shapley_value_iteration, solve_zero_sum
from stratlearn.errors import InvalidGameError, InvalidParameterError
from stratlearn.games import MarkovGame
from stratlearn.games.interop import from_openspiel, openspiel_index, with_move_number

pyspiel = pytest.importorskip("pyspiel", reason="OpenSpiel is optional: pip install open_spiel")

# A 3x2 field on which goals happen within three joint actions, so that values depend on the moves left.
SMALL_FIELD = "..\nAO\n.B"


def _openspiel_values(game):
    pytest.importorskip("cvxpy", reason="OpenSpiel's value_iteration solves its stage games with cvxpy")
    from open_spiel.python.algorithms import value_iteration
    return value_iteration.value_iteration(game, depth_limit=-1, threshold=1e-10)


def test_markov_soccer_becomes_a_finite_horizon_game():
    game, index = openspiel_index("markov_soccer(horizon=4)")
    assert isinstance(game, MarkovGame) and game.finite_horizon and float(game.discount) == 1.0
    S, A, B = game.shape
    assert (A, B) == (5, 5)
    assert game.terminal_states().tolist() == [False] * (S - 1) + [True]
    # the chance root places the ball on one of two cells with probability 1/2 each
    assert sorted(game.initial[game.initial > 0].tolist()) == [0.5, 0.5]
    assert index.keys[-1] is None and all(k[1] >= 0 for k in index.keys[:-1])
    np.testing.assert_array_equal(index.row_actions[0], np.arange(5))
    # a game object and its name give the same game
    same = from_openspiel(pyspiel.load_game("markov_soccer", {"horizon": 4}))
    np.testing.assert_array_equal(same.next_states, game.next_states)
    np.testing.assert_array_equal(same.next_probs, game.next_probs)


def test_values_match_openspiel_value_iteration_when_states_carry_the_time():
    wrapped = with_move_number(pyspiel.load_game("markov_soccer", {"grid": SMALL_FIELD, "horizon": 4}))
    game, index = openspiel_index(wrapped)
    ours = shapley_value_iteration(game).values + index.returns
    theirs = _openspiel_values(wrapped)
    assert len(theirs) >= game.num_states - 1
    diffs = [abs(theirs[key[0]] - value) for key, value in zip(index.keys, ours) if key is not None]
    assert len(diffs) == game.num_states - 1
    # OpenSpiel stops its sweeps at 1e-10 and solves stage games with an interior-point LP (ECOS, about 1e-8)
    assert max(diffs) < 1e-6
    assert np.abs(ours).max() == pytest.approx(1.0)  # the comparison covers states where a goal is decided
    assert float(game.initial @ ours) == pytest.approx(0.5)


def test_openspiel_value_iteration_merges_states_across_time_on_plain_markov_soccer():
    """The finding the docs report: keyed by the picture alone, OpenSpiel's values are off on this game."""
    plain = pyspiel.load_game("markov_soccer", {"grid": SMALL_FIELD, "horizon": 4})
    game, index = openspiel_index(plain)
    ours = shapley_value_iteration(game).values + index.returns
    theirs = _openspiel_values(plain)
    diffs = [abs(theirs[key[0]] - value) for key, value in zip(index.keys, ours) if key is not None]
    assert max(diffs) > 0.5


def test_varying_action_sets_repeat_the_last_legal_action():
    """Goofspiel's legal bids shrink as cards are spent; padding must keep every stage game's value."""
    game, index = openspiel_index("goofspiel(num_cards=3)")
    S, A, B = game.shape
    assert A == B == 3
    for s in range(S - 1):
        assert set(index.row_actions[s]) <= set(range(3))
        legal = len(set(index.row_actions[s].tolist()))
        # indices past the legal ones repeat the last legal action
        assert index.row_actions[s, legal - 1:].tolist() == [index.row_actions[s, legal - 1]] * (A - legal + 1)
    wrapped = with_move_number("goofspiel(num_cards=3)")
    ours = shapley_value_iteration(openspiel_index(wrapped)[0]).values
    theirs = _openspiel_values(wrapped)
    w_index = openspiel_index(wrapped)[1]
    diffs = [abs(theirs[key[0]] - value - ret) for key, value, ret in zip(w_index.keys, ours, w_index.returns)
             if key is not None]
    assert max(diffs) < 1e-6


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**31 - 1))
def test_a_one_shot_matrix_game_has_the_lp_value(rows, cols, seed):
    payoff = np.round(np.random.default_rng(seed).uniform(-1, 1, (rows, cols)), 6)
    game = from_openspiel(pyspiel.create_matrix_game(payoff.tolist(), (-payoff).tolist()))
    assert game.shape == (2, rows, cols)
    np.testing.assert_allclose(game.row_rewards[0], payoff, atol=1e-12)
    value = shapley_value_iteration(game).values[0]
    assert value == pytest.approx(solve_zero_sum(payoff).value, abs=1e-8)


@pytest.mark.parametrize("name, field", [
    ("matrix_pd", "utility=GENERAL_SUM"),
    ("laser_tag", "utility=GENERAL_SUM"),
    ("kuhn_poker", "information=IMPERFECT_INFORMATION"),
])
def test_games_that_are_not_two_player_zero_sum_with_listable_states_are_refused(name, field):
    with pytest.raises(InvalidGameError, match=field):
        from_openspiel(name)


def test_bad_inputs():
    with pytest.raises(InvalidGameError, match="could not load"):
        from_openspiel("no_such_game")
    with pytest.raises(InvalidGameError, match="expected an OpenSpiel game"):
        from_openspiel(42)
    with pytest.raises(InvalidGameError, match="num_players=3"):
        from_openspiel(pyspiel.load_game("matching_pennies_3p"))
    with pytest.raises(InvalidParameterError, match="max_states=10"):
        from_openspiel("markov_soccer(horizon=4)", max_states=10)
    with pytest.raises(InvalidParameterError, match="discount='0.9'"):
        from_openspiel("matrix_rps", discount="0.9")
    with pytest.raises(InvalidGameError, match="with_move_number rebuilds a game by its name"):
        with_move_number(pyspiel.create_matrix_game([[1, -2], [0, 3]], [[-1, 2], [0, -3]]))
    with pytest.raises(InvalidParameterError, match="max_states=0"):
        from_openspiel("matrix_rps", max_states=0)


def test_tic_tac_toe_turns_become_a_markov_game_with_a_waiting_player():
    """A turn-based game is a Markov game in which the player not to move has one action: tic-tac-toe's positions,
    and every position's value equal to OpenSpiel's own value iteration (minimax on the turn-based game)."""
    from stratlearn.games.interop import WAIT

    game, index = openspiel_index("tic_tac_toe")
    S, A, B = game.shape
    # 5,478 positions, 958 of them final: 4,520 where someone moves, plus the shared absorbing terminal state
    assert S == 4520 + 1 and (A, B) == (9, 8)
    first = index.keys.index(next(k for k in index.keys if k is not None and k[1] == 0))
    assert set(index.col_actions[first].tolist()) == {WAIT} and index.row_actions[first].tolist() == list(range(9))
    ours = shapley_value_iteration(game).values + index.returns
    theirs = _openspiel_values(pyspiel.load_game("tic_tac_toe"))
    diffs = [abs(theirs[key[0]] - value) for key, value in zip(index.keys, ours) if key is not None]
    assert len(diffs) == S - 1 and max(diffs) < 1e-6
    assert float(game.initial @ ours) == pytest.approx(0.0, abs=1e-9)   # perfect play draws
    assert np.abs(ours).max() == pytest.approx(1.0)                     # and decided positions are covered
