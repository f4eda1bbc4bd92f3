"""Strategic distribution shift as coupled gradient flows, [5]: a population density that moves in response to a
deployed model while the model retrains.

[5] Conger, Hoffmann, Mazumdar, Ratliff. Strategic distribution shift of interacting agents via coupled gradient
flows. NeurIPS 2023 (arXiv 2307.01166).

The population's feature density ``ρ(z, t)`` on an interval or a rectangle (no-flux boundary) and the learner's
parameters ``x(t)`` follow

    E₁(ρ, x) = ∫ f₁(z, x) ρ dz + ½ ∫∫ W(z − z′) ρ(z) ρ(z′) dz dz′ + α KL(ρ | ρ̄)
    ∂_t ρ = ∇·(ρ ∇ δE₁/δρ),     δE₁/δρ = f₁(·, x) + W ∗ ρ + α (log(ρ/ρ̄) + 1)
    dx/dt = −γ ∇_x [∫ f₂(z, x) ρ dz + (β/2)‖x − x̄‖²]

with ``f₁ = f₂`` (cooperative: both lower the learner's loss) or ``f₁ = −f₂`` (competitive). ``γ`` is the ratio of
the learner's timescale to the population's.

Subpopulations (groups) ``k = 1..K`` with mass fractions ``w_k``, natural densities ``ρ̄_k`` and costs of change
``α_k`` share the model and the interaction: the population is ``ρ = Σ_k w_k ρ_k`` (each ``ρ_k`` of mass 1), the
energy is ``Σ_k w_k [∫ f₁ ρ_k + α_k KL(ρ_k | ρ̄_k)] + ½ ∫∫ W ρ ρ′`` and each group flows by
``∂_t ρ_k = ∇·(ρ_k ∇ξ_k)``, ``ξ_k = f₁ + W ∗ ρ + α_k (log(ρ_k/ρ̄_k) + 1)``, which is the gradient flow of that
energy with each group keeping its own mass (``dE/dt = −Σ_k w_k ∫ ρ_k |∇ξ_k|² ≤ 0``). A larger ``α_k`` is a
costlier change: the group is held closer to its natural distribution. With one group this is the system above.

Numerics (Carrillo, Chertock and Huang, Commun. Comput. Phys. 17 (2015)): a finite-volume scheme on cell averages
``ρ_j``. The velocity at the interface ``j + ½`` (along each axis) is ``u = −(ξ_{j+1} − ξ_j)/Δz`` with ``ξ`` at the
cell centres; the interface values come from a piecewise-linear reconstruction with minmod slopes, and the flux is
upwind, ``F = u⁺ ρ^E_j + u⁻ ρ^W_{j+1}``; the boundary fluxes are zero (no flux). In 2-D the fluxes are taken
dimension by dimension, as in the paper's 2-D scheme. The scheme conserves mass exactly (the fluxes telescope) and
keeps ``ρ ≥ 0`` under the CFL condition ``Δt · d · max_a max|u_a|/Δz_a ≤ ½`` on a ``d``-dimensional grid. Time
stepping is the three-stage strong-stability-preserving Runge-Kutta method of Shu and Osher (convex combinations of
forward-Euler steps, so it keeps the positivity of each), with the step chosen at the start of each step as ``cfl``
times the smallest of the transport CFL bound, the parabolic bound ``1/(2α Σ_a Δz_a⁻²)`` of the entropy term and
the learner's ``2/(γ‖∇²_x L‖)`` (:func:`cfl_step`), unless fixed by the user; a step whose later stages exceed the
transport bound is retried at half the size. The interaction ``W ∗ ρ`` is an FFT convolution of the zero-padded
density with the kernel sampled at every grid offset (``O(N log N)``; equal to the direct sum to rounding).
Everything runs inside one ``jit`` (a ``while_loop`` per record interval); the problem is a pytree, so runs ``vmap``
over its arrays.

The two limits of the timescale ratio are built in (``solve(..., limit="population" | "learner")``): the fast side
is held at its best response (:func:`best_response_rho`, :func:`best_response_x`).

The code is split the way py-pde splits a PDE package: :mod:`.grids` (cells and densities), :mod:`.problem`
(:class:`DistributionShift`), :mod:`.functional` (the energy functional, its first variation, the best responses),
:mod:`.scheme` (the finite-volume scheme and its step size), :mod:`.wasserstein` (exact W2) and :mod:`.solver`
(``solve``). This module gathers their public names.
"""

from __future__ import annotations

from .functional import (best_response_residual, best_response_rho, best_response_x, energy, exponential_rate,
                     first_variation, gibbs_density, group_losses, interaction, learner_objective)
from .grids import Grid1D, Grid2D
from .problem import DistributionShift
from .scheme import cfl_step, population_velocity
from . import solver as _solver
from .solver import solve
from .wasserstein import wasserstein2

__all__ = ["Grid1D", "Grid2D", "DistributionShift", "interaction", "energy", "first_variation",
           "population_velocity", "learner_objective", "group_losses", "best_response_x", "best_response_rho",
           "cfl_step", "solve", "wasserstein2", "gibbs_density", "exponential_rate", "best_response_residual"]

_run_jit = _solver._run_jit      # the compiled integrator (tests reach it here)
