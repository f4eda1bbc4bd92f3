"""Integrating [5]'s coupled flows: record by record, each interval one compiled ``while_loop``, with the
measurements of every record (energy, potential, mass, minimum density, learner loss, ``x``, W2) gathered into a
:class:`~stratlearn.trace.Trace`.

[5] Conger, Hoffmann, Mazumdar, Ratliff. Strategic distribution shift of interacting agents via coupled gradient
flows. NeurIPS 2023 (arXiv 2307.01166). The model and the numerics are described in
:mod:`stratlearn.populations.distribution_shift`.
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import InvalidParameterError, StratlearnError, check_in_range, check_positive, check_positive_int
from ..trace import Trace
from .grids import _density
from .problem import DistributionShift
from .functional import (best_response_residual, best_response_rho, best_response_x, _energy, _grid_sum, group_losses,
                     _learner_objective, _total)
from .wasserstein import _w2_quantiles, wasserstein2
from .scheme import _cfl_step, _ssp_rk3

__all__ = ["solve"]


def _measure(problem: DistributionShift, rho, x, reference):
    e = _energy(problem, rho, x)
    anchor = jnp.asarray(problem.anchor, rho.dtype)
    out = {"energy": e, "potential": e + 0.5 * problem.beta * jnp.sum((x - anchor) ** 2),
           "mass": jnp.sum(jnp.asarray(problem.weights, rho.dtype) * _grid_sum(problem, rho)),
           "min_density": jnp.min(rho), "learner_loss": _learner_objective(problem, rho, x)}
    if problem.grid.ndim == 1:      # 2-D distances are POT computations on the host, after the run
        out["w2_to_reference"] = _w2_quantiles(problem.grid, _total(problem, rho), reference, 4096)
    if problem.groups > 1:
        out["group_loss"] = group_losses(problem, rho, x)
    return out


def _begin(problem: DistributionShift, reference, limit=None):
    """The measurements at t = 0 and the solver's carry ``(ρ, x, t, steps, tries, step factor, flag)``."""
    rho0, x0 = jnp.asarray(problem.initial), jnp.asarray(problem.x0)
    dtype = rho0.dtype
    if limit == "population":    # the fast side starts at its best response
        rho0 = best_response_rho(problem, x0, rho0)
    elif limit == "learner":
        x0 = best_response_x(problem, rho0, x0)
    start = {**_measure(problem, rho0, x0, reference), "rho": rho0, "x": x0}
    carry = (rho0, x0, jnp.zeros((), dtype), jnp.zeros((), jnp.int32), jnp.zeros((), jnp.int32), jnp.ones((), dtype),
             jnp.zeros((), jnp.int32))
    return start, carry


def _advance(problem: DistributionShift, carry, target, cfl, dt_fixed, max_steps: int, reference, limit=None):
    """Integrate from the carry's time to ``target`` (one record): SSP-RK3 steps at the CFL bound (or ``dt_fixed``),
    at most ``max_steps`` tries in all. Returns the new carry and the record (measurements, ρ, x)."""

    def cond(c):
        rho, x, t, n, tries, factor, bad = c
        return (t < target) & (tries < max_steps) & (bad == 0)

    def body(c):
        rho, x, t, n, tries, factor, bad = c
        if dt_fixed is not None:
            dt = jnp.minimum(dt_fixed, target - t)
            new_rho, new_x, speed = _ssp_rk3(problem, rho, x, dt, limit)
            finite = jnp.all(jnp.isfinite(new_rho)) & jnp.all(jnp.isfinite(new_x))
            flag = jnp.where(~finite, 1, jnp.where(dt * speed > 0.5, 2, 0)).astype(jnp.int32)
            return new_rho, new_x, t + dt, n + 1, tries + 1, factor, flag
        dt = jnp.minimum(factor * cfl * _cfl_step(problem, rho, x, limit), target - t)
        new_rho, new_x, speed = _ssp_rk3(problem, rho, x, dt, limit)
        finite = jnp.all(jnp.isfinite(new_rho)) & jnp.all(jnp.isfinite(new_x)) & jnp.isfinite(dt)
        # a later stage can be faster than the first (the entropy term's log near empty cells): then the step
        # is rejected and retried at half the size, which keeps every stage within the CFL bound
        ok = finite & (dt * speed <= 0.5)
        return (jnp.where(ok, new_rho, rho), jnp.where(ok, new_x, x), jnp.where(ok, t + dt, t),
                n + ok.astype(n.dtype), tries + 1, jnp.where(ok, jnp.minimum(1.0, 2 * factor), 0.5 * factor),
                jnp.where(finite, 0, 1).astype(jnp.int32))

    rho, x, t, n, tries, factor, bad = jax.lax.while_loop(cond, body, carry)
    extra = {"steps": n, "time": t, "flag": bad}
    if limit == "population":
        extra["residual"] = best_response_residual(problem, x, rho)
    return (rho, x, t, n, tries, factor, bad), ({**_measure(problem, rho, x, reference), **extra}, rho, x)


def _run_all(problem: DistributionShift, t_end, records: int, cfl, dt_fixed, max_steps: int, reference, limit=None):
    """The whole integration as one compiled function (a scan of :func:`_advance` over the records), for callers that
    ``vmap`` it over a batch of problems; :func:`solve` runs the same steps record by record."""
    start, carry = _begin(problem, reference, limit)
    dtype = carry[2].dtype
    record_times = t_end * (jnp.arange(1, records + 1, dtype=dtype) / records)

    def segment(c, target):
        return _advance(problem, c, target, cfl, dt_fixed, max_steps, reference, limit)

    _, (recorded, snapshots, xs) = jax.lax.scan(segment, carry, record_times)
    return start, recorded, snapshots, xs


_run_jit = jax.jit(_run_all, static_argnames=("records", "max_steps", "limit"))


_begin_jit = jax.jit(_begin, static_argnames=("limit",))


_advance_jit = jax.jit(_advance, static_argnames=("max_steps", "limit"))


def _run(problem: DistributionShift, t_end: float, records: int, cfl, dt_fixed, max_steps: int, reference,
         limit=None, progress: bool = True):
    """Integrate record by record (one compiled call each), with a progress bar on a terminal that shows the time
    reached, the solver steps taken and the estimate of those the whole run needs; stops early when the state turns
    non-finite or ``max_steps`` is used up (:func:`solve` then says what to change)."""
    start, carry = _begin_jit(problem, reference, limit)
    dtype = carry[2].dtype
    record_times = jnp.asarray(t_end, dtype) * (jnp.arange(1, records + 1, dtype=dtype) / records)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=records, desc="population", unit="record", leave=False, dynamic_ncols=True, disable=None)
    outs = []
    try:
        for k in range(records):
            carry, out = _advance_jit(problem, carry, record_times[k], cfl, dt_fixed, max_steps, reference, limit)
            outs.append(out)
            t, tries, flag = float(carry[2]), int(carry[4]), int(carry[6])
            if bar is not None:
                needed = tries / t * float(t_end) if t > 0 else float("nan")
                bar.set_postfix_str(f"t={t:.4g}/{float(t_end):g}, {tries:,} steps, ~{needed:,.0f} needed "
                                    f"(max_steps={max_steps:,})")
                bar.update(1)
            if flag != 0 or tries >= max_steps:
                break
    finally:
        if bar is not None:
            bar.close()
    recorded = {name: jnp.stack([o[0][name] for o in outs]) for name in outs[0][0]}
    return start, recorded, jnp.stack([o[1] for o in outs]), jnp.stack([o[2] for o in outs])


def solve(problem: DistributionShift, t_end: float, *, records: int = 100, cfl: float = 0.9, dt: float | None = None,
          max_steps: int = 10_000_000, reference=None, limit: str | None = None, precision: str = "float64",
          progress: bool = True):
    """Integrate the coupled system to time ``t_end`` and return a :class:`~stratlearn.experiments.Trace`.

    Recorded at ``records`` equally spaced times (and at t = 0): ``energy`` (E₁), ``potential``
    (``E₁ + (β/2)‖x − x̄‖²``: in the cooperative setting its time derivative is ``−Σ_k w_k ∫ρ_k|∇ξ_k|² −
    γ‖∇_x(∫f₂ρ + (β/2)‖x − x̄‖²)‖² ≤ 0``, the flow's Lyapunov function), ``mass``, ``min_density``,
    ``learner_loss`` (the learner's objective), ``x_<i>`` (each learner parameter), with groups ``group_loss_<k>``
    (:func:`group_losses`), and on a 1-D grid ``w2_to_reference`` (the 2-Wasserstein distance of the whole
    population to ``reference``, default its initial density). On a 2-D grid that distance is a POT computation
    (:func:`wasserstein2`) made once, for the final state, into ``final_state["w2_to_reference"]`` (left out, with
    the reason in ``trace.config``, when POT is not installed). ``trace.steps`` holds the solver steps taken by each
    record; ``trace.final_state`` the times, the population's density snapshots ``densities`` (records + 1,
    *grid.shape), each group's ``groups`` (records + 1, K, *grid.shape) and the parameters ``x``.

    ``dt`` fixes the time step; it must satisfy the CFL condition at the start (checked, with the bound in the
    error) and throughout (a violation is reported). Otherwise each step is ``cfl`` times the bound at its start.

    ``limit`` takes one side's timescale to zero: ``"population"`` (the population best-responds at every instant,
    :func:`best_response_rho`, and the learner's ODE runs) or ``"learner"`` (the learner best-responds,
    :func:`best_response_x`, and the population's PDE runs); ``None`` integrates both at the ratio ``γ``.

    ``progress`` shows, on a terminal, a bar over the records with the time reached, the solver steps taken and the
    number the whole run needs at the rate so far. When ``max_steps`` runs out the solve stops there and raises,
    saying the time it reached and what to change.
    """

    if not isinstance(problem, DistributionShift):
        raise InvalidParameterError(f"problem: expected a DistributionShift, got {type(problem).__name__}")
    t_end = check_positive("t_end", t_end)
    records = check_positive_int("records", records)
    cfl = check_in_range("cfl", cfl, 0.0, 1.0, low_open=True)
    max_steps = check_positive_int("max_steps", max_steps)
    if precision not in ("float32", "float64"):
        raise InvalidParameterError(f"precision={precision!r}: expected 'float32' or 'float64'")
    if limit not in (None, "population", "learner"):
        raise InvalidParameterError(f"limit={limit!r}: expected None, 'population' or 'learner'")
    alphas = np.asarray(problem.alpha)
    if limit == "population" and not (alphas > 0).all():
        raise InvalidParameterError(f"limit='population' needs alpha > 0 for every group (got {alphas.tolist()}: "
                                    "with alpha = 0 the population's best response is a point mass, not a density "
                                    "on the grid)")
    if limit == "population" and not float(problem.rate) > 0:
        raise InvalidParameterError("limit='population' needs rate > 0 (only the learner moves in that limit)")
    if limit == "learner":
        with jax.enable_x64(True):
            hess = jax.hessian(lambda xx: _learner_objective(problem, jnp.asarray(problem.initial), xx))(
                jnp.asarray(problem.x0))
            smallest = float(jnp.linalg.eigvalsh(0.5 * (hess + hess.T)).min())
        if not smallest > 0:
            raise InvalidParameterError(f"limit='learner' needs a strictly convex learner objective (a unique best "
                                        f"response); its Hessian at x0 has smallest eigenvalue {smallest:.3g} "
                                        "(raise beta)")
    ref = problem.initial_density if reference is None else _density("reference", reference, problem.grid)
    started = time.perf_counter()
    with jax.enable_x64(precision == "float64"):
        bound = float(_cfl_step(problem, jnp.asarray(problem.initial), jnp.asarray(problem.x0), limit))
        if dt is not None:
            dt = check_positive("dt", dt)
            if dt > bound:
                raise InvalidParameterError(f"dt={dt:g}: above the CFL bound {bound:.4g} at the initial state "
                                            "(the smallest of the transport bound 1/(2d max|u|/Δz), the parabolic "
                                            "1/(2α Σ Δz⁻²) and 2/(γ‖∇²L‖)); expected dt <= the bound (or dt=None "
                                            "for an adaptive step)")
        start, recorded, snapshots, xs = _run(problem, t_end, records, jnp.asarray(cfl),
                                              None if dt is None else jnp.asarray(dt), max_steps, jnp.asarray(ref),
                                              limit, progress)
        start = {k: np.asarray(v) for k, v in start.items()}
        rho_start, x_start = start.pop("rho"), start.pop("x")
        recorded = {k: np.asarray(v) for k, v in recorded.items()}
        snapshots, xs = np.asarray(snapshots), np.asarray(xs)
    steps = np.concatenate([[0], recorded.pop("steps")])
    times = np.concatenate([[0.0], recorded.pop("time")])
    flags = recorded.pop("flag")
    if (flags == 1).any():
        raise StratlearnError(f"the state became non-finite at t = {times[1:][flags == 1][0]:.4g}; check the loss, "
                              "kernel and parameters (no NaN result is returned)")
    if (flags == 2).any():
        raise InvalidParameterError(f"dt={dt:g}: exceeded the CFL bound during the run (at t <= "
                                    f"{times[1:][flags == 2][0]:.4g}), where the density could turn negative; "
                                    "expected a smaller dt or dt=None")
    residual = recorded.pop("residual", None)
    if residual is not None and residual.max() > 1e-8:
        raise StratlearnError(f"limit='population': the population's best response did not converge (residual "
                              f"{residual.max():.2g} at t = {times[1:][np.argmax(residual)]:.4g}); the interaction "
                              "is too strong for damped fixed-point iteration")
    if times[-1] < t_end * (1 - 1e-12):
        raise InvalidParameterError(f"max_steps={max_steps}: reached at t = {times[-1]:.4g} < t_end = {t_end:g}; "
                                    "expected a larger max_steps or a shorter t_end")
    group_loss = recorded.pop("group_loss", None)
    metrics = {name: np.concatenate([[start[name]], recorded[name]])[None, :] for name in recorded}
    if group_loss is not None:
        group_loss = np.concatenate([start.pop("group_loss")[None], group_loss])
        for k in range(problem.groups):
            metrics[f"group_loss_{k}"] = group_loss[None, :, k]
    x_all = np.concatenate([x_start[None], xs])
    for i in range(x_all.shape[1]):
        metrics[f"x_{i}"] = x_all[None, :, i]
    groups = np.concatenate([rho_start[None], snapshots])
    weights = np.asarray(problem.weights)
    final = {"times": times, "densities": np.tensordot(groups, weights, axes=([1], [0])), "groups": groups,
             "x": x_all}
    grid = problem.grid
    config = {"problem": {"grid": "Grid1D" if grid.ndim == 1 else "Grid2D", "cells": grid.cells, "low": grid.low,
                          "high": grid.high, "groups": problem.groups, "weights": weights.tolist(),
                          "alpha": alphas.tolist(), "beta": float(problem.beta), "rate": float(problem.rate),
                          "setting": problem.setting, "kernel": problem.has_kernel},
              "learner": {"name": "coupled_gradient_flow"},
              "run": {"t_end": t_end, "records": records, "cfl": cfl, "dt": dt, "limit": limit,
                      "precision": precision}}
    if grid.ndim == 2:
        try:
            final["w2_to_reference"] = wasserstein2(grid, final["densities"][-1], ref)
        except InvalidParameterError as exc:
            config["run"]["w2_to_reference"] = f"not computed: {exc}"
    return Trace(steps=steps, metrics=metrics, final_state=final, seeds=np.arange(1), config=config,
                 wall_time=time.perf_counter() - started)
