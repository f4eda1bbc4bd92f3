import numpy as np
import pytest

from stratlearn.errors import ConfigError, InvalidParameterError, UnknownNameError
from stratlearn.games import VariationalInequality, catalog
from stratlearn.equilibria import solve_zero_sum, nash_gap


@pytest.mark.parametrize("name", sorted(catalog.GAMES))
def test_every_catalog_game_builds_with_defaults_and_is_normalized(name):
    g = catalog.make(name)
    if isinstance(g, VariationalInequality):
        # a VI's operator has no payoff scale to normalize; check it evaluates to a finite value of z's shape
        z = g.domain.center()
        value = np.asarray(g(z))
        assert value.shape == z.shape and np.isfinite(value).all()
        return
    first, second = ((g.row_payoffs, g.col_payoffs) if hasattr(g, "row_payoffs") else (g.row_rewards, g.col_rewards))
    assert np.abs(first).max() <= 1.0 and np.abs(second).max() <= 1.0


def test_named_instances_have_their_known_equilibria():
    rps = catalog.rock_paper_scissors()
    sol = solve_zero_sum(rps)
    assert sol.value == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(sol.row, np.ones(3) / 3, atol=1e-9)
    mp = solve_zero_sum(catalog.matching_pennies())
    np.testing.assert_allclose(mp.col, [0.5, 0.5], atol=1e-9)
    biased = solve_zero_sum(catalog.biased_rock_paper_scissors(2.0))
    assert biased.value == pytest.approx(0.0, abs=1e-9)  # skew-symmetric
    assert np.abs(biased.row - 1 / 3).max() > 0.05      # not uniform
    # Shapley's game: the uniform profile is an equilibrium
    shapley = catalog.shapley_game()
    assert not shapley.is_zero_sum
    assert nash_gap(shapley, (np.ones(3) / 3, np.ones(3) / 3)) == pytest.approx(0.0, abs=1e-12)


def test_random_generators_are_seeded():
    a = catalog.random_zero_sum(5, 4, seed=3)
    b = catalog.random_zero_sum(5, 4, seed=3)
    c = catalog.random_zero_sum(5, 4, seed=4)
    assert a.shape == (5, 4)
    np.testing.assert_array_equal(a.row_payoffs, b.row_payoffs)
    assert not np.array_equal(a.row_payoffs, c.row_payoffs)
    g = catalog.random_general_sum(3, seed=1)
    assert not g.is_zero_sum and g.shape == (3, 3)


def test_make_rejects_unknown_names_and_parameters():
    with pytest.raises(UnknownNameError, match="rock_paper_scissors") as info:
        catalog.make("chess")
    assert "chess" in str(info.value)
    with pytest.raises(ConfigError, match="size"):
        catalog.make("random_zero_sum", size=3)
    with pytest.raises(InvalidParameterError, match="rows"):
        catalog.make("random_zero_sum", rows=0)
    with pytest.raises(InvalidParameterError, match="seed"):
        catalog.make("random_zero_sum", seed=-1)
