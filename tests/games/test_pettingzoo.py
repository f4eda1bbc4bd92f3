import warnings

import numpy as np
import pytest

import stratlearn as sl
from stratlearn.errors import InvalidGameError, StratlearnError
from stratlearn.games import MarkovGame
from stratlearn.games.interop import to_parallel_env

pettingzoo_test = pytest.importorskip("pettingzoo.test", reason="PettingZoo is optional: pip install pettingzoo")


def test_soccer_passes_the_parallel_api_test():
    env = to_parallel_env(sl.games.catalog.soccer(), max_steps=50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the API test reports problems as warnings: none may appear
        pettingzoo_test.parallel_api_test(env, num_cycles=200)


def test_a_finite_horizon_game_terminates_with_the_games_rewards():
    horizon = 3
    r = np.zeros((horizon + 1, 2, 2))
    r[:horizon] = [[1.0, -1.0], [-1.0, 1.0]]
    succ = np.array([np.full((2, 2, 1), min(s + 1, horizon)) for s in range(horizon + 1)])
    game = MarkovGame(r, next_states=succ, next_probs=np.ones_like(succ, float), discount=1.0, finite_horizon=True,
                      initial=[1, 0, 0, 0])
    env = to_parallel_env(game)
    obs, _ = env.reset(seed=3)
    assert obs == {"row": 0, "col": 0}
    total = 0.0
    for t in range(horizon):
        obs, reward, terminated, truncated, _ = env.step({"row": 0, "col": 0})
        total += reward["row"]
        assert reward["col"] == -reward["row"]
    assert total == horizon and all(terminated.values()) and not any(truncated.values())
    assert env.agents == []
    with pytest.raises(StratlearnError, match="reset"):
        env.step({"row": 0, "col": 0})


def test_bad_inputs():
    with pytest.raises(InvalidGameError, match="MarkovGame"):
        to_parallel_env(sl.games.catalog.matching_pennies())
    env = to_parallel_env(sl.games.catalog.matching_pennies_markov(), max_steps=5)
    env.reset(seed=0)
    with pytest.raises(StratlearnError, match="missing"):
        env.step({"row": 0})
    with pytest.raises(StratlearnError, match="expected row"):
        env.step({"row": 5, "col": 0})
