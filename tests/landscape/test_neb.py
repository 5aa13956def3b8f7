"""Unit tests of pelkit.landscape.neb: interpolation, improved tangent, NEB forces, CI-NEB runs."""

from __future__ import annotations

import numpy as np
import pytest

from pelkit.errors import InputError
from pelkit.landscape.neb import (
    NEBOptions,
    improved_tangents,
    interpolate_band,
    neb,
    neb_forces,
)
from pelkit.landscape.objective import max_block_norm
from pelkit.landscape.paths import analyse_band, band_profile


def valley(p):
    """V(x, y) = (x^2 - 1)^2 + 2 (y - 0.3 x^2)^2 + 0.1 x: a curved 2-D double well."""
    x, y = p
    u = y - 0.3 * x * x
    e = (x * x - 1.0) ** 2 + 2.0 * u * u + 0.1 * x
    return e, np.array([4 * x * (x * x - 1.0) - 2.4 * x * u + 0.1, 4.0 * u])


def valley_minima():
    from scipy.optimize import minimize

    out = []
    for guess in ((-1.0, 0.3), (1.0, 0.3)):
        r = minimize(lambda p: valley(p)[0], guess, jac=lambda p: valley(p)[1],
                     method="BFGS", options={"gtol": 1e-12})
        out.append(r.x)
    return out


# ------------------------------------------------------------------------------ interpolation


def test_linear_interpolation_uses_minimum_image_and_can_remove_drift():
    box = np.array([10.0, 10.0, 10.0])
    a = np.array([9.9, 5.0, 5.0, 2.0, 2.0, 2.0])
    b = np.array([0.3, 5.0, 5.0, 2.0, 2.4, 2.0])
    band = interpolate_band(a, b, 5, box=box, block=3)
    np.testing.assert_allclose(band[-1] - band[0], [0.4, 0, 0, 0, 0.4, 0], atol=1e-12)
    np.testing.assert_allclose(np.diff(band, axis=0), np.tile(band[1] - band[0], (4, 1)))
    masses = np.array([1.0, 3.0])
    nodrift = interpolate_band(a, b, 5, box=box, block=3, masses=masses, remove_mean=True)
    d = (nodrift[-1] - nodrift[0]).reshape(2, 3)
    np.testing.assert_allclose(np.sum(masses[:, None] * d, axis=0), 0.0, atol=1e-12)
    with pytest.raises(InputError):
        interpolate_band(a, b, 2)
    with pytest.raises(InputError):
        interpolate_band(a, b[:3], 5)


# ------------------------------------------------------------------------------ tangents, forces


def test_improved_tangent_cases():
    images = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 1.0], [3.0, 1.0], [4.0, 3.0]])
    sqrt_m = np.ones(2)
    fwd = images[2] - images[1]
    bwd = images[1] - images[0]

    def unit(v):
        return v / np.linalg.norm(v)

    # rising: forward difference
    tau, _ = improved_tangents(images, np.array([0.0, 1.0, 2.0, 3.0, 4.0]), sqrt_m, None, 2)
    np.testing.assert_allclose(tau[1], unit(fwd))
    np.testing.assert_allclose(tau[0], unit(images[1] - images[0]))
    np.testing.assert_allclose(tau[-1], unit(images[-1] - images[-2]))
    # falling: backward difference
    tau, _ = improved_tangents(images, np.array([4.0, 3.0, 2.0, 1.0, 0.0]), sqrt_m, None, 2)
    np.testing.assert_allclose(tau[1], unit(bwd))
    # maximum at image 1 (dV_max = 3, dV_min = 2); V_2 > V_0: forward weighted by dV_max
    v = np.array([0.0, 3.0, 1.0, 0.0, 0.0])
    tau, _ = improved_tangents(images, v, sqrt_m, None, 2)
    np.testing.assert_allclose(tau[1], unit(fwd * 3.0 + bwd * 2.0))
    v = np.array([1.0, 3.0, 0.0, 0.0, 0.0])  # V_2 < V_0: forward weighted by dV_min
    tau, _ = improved_tangents(images, v, sqrt_m, None, 2)
    np.testing.assert_allclose(tau[1], unit(fwd * 2.0 + bwd * 3.0))
    v = np.array([0.0, 3.0, 2.5, 0.0, 0.0])  # dV_max = 3 (back), dV_min = 0.5, V_2 > V_0
    tau, _ = improved_tangents(images, v, sqrt_m, None, 2)
    np.testing.assert_allclose(tau[1], unit(fwd * 3.0 + bwd * 0.5))
    v = np.array([2.5, 3.0, 0.0, 0.0, 0.0])  # dV_max = 3 (fwd), dV_min = 0.5, V_2 < V_0
    tau, _ = improved_tangents(images, v, sqrt_m, None, 2)
    np.testing.assert_allclose(tau[1], unit(fwd * 0.5 + bwd * 3.0))
    # flat (equal energies): the bisector of the two unit segments
    tau, _ = improved_tangents(images, np.zeros(5), sqrt_m, None, 2)
    np.testing.assert_allclose(tau[1], unit(unit(fwd) + unit(bwd)))


def test_neb_force_components_and_climbing_image():
    rng = np.random.default_rng(4)
    images = np.cumsum(rng.uniform(0.5, 1.5, (5, 2)), axis=0)
    energies = np.array([0.0, 1.0, 2.0, 1.5, 0.2])
    grads = rng.normal(size=(5, 2))
    k = 2.5
    sqrt_m = np.ones(2)
    f, tau = neb_forces(images, energies, grads, spring_constant=k, sqrt_m=sqrt_m, box=None,
                        block=2, climbing_index=None)
    for i in (1, 2, 3):
        t = tau[i]
        g = grads[i]
        spring = k * (np.linalg.norm(images[i + 1] - images[i])
                      - np.linalg.norm(images[i] - images[i - 1]))
        np.testing.assert_allclose(f[i - 1], -g + (g @ t) * t + spring * t, atol=1e-14)
    fc, _ = neb_forces(images, energies, grads, spring_constant=k, sqrt_m=sqrt_m, box=None,
                       block=2, climbing_index=2)
    t, g = tau[2], grads[2]
    np.testing.assert_allclose(fc[1], -g + 2 * (g @ t) * t, atol=1e-14)
    np.testing.assert_allclose(fc[[0, 2]], f[[0, 2]])


def test_neb_force_in_mass_weighted_metric():
    """F_R = M^{1/2} F_q with F_q built from grad_q V = M^{-1/2} grad V and q = M^{1/2} R."""
    rng = np.random.default_rng(5)
    images = np.cumsum(rng.uniform(0.5, 1.5, (4, 2)), axis=0)
    energies = np.array([0.0, 1.0, 2.0, 0.5])
    grads = rng.normal(size=(4, 2))
    m = np.array([1.0, 9.0])
    f, tau = neb_forces(images, energies, grads, spring_constant=1.0, sqrt_m=np.sqrt(m),
                        box=None, block=2, climbing_index=None)
    # the same computation with unit masses in q-space
    q = images * np.sqrt(m)
    fq, tq = neb_forces(q, energies, grads / np.sqrt(m), spring_constant=1.0,
                        sqrt_m=np.ones(2), box=None, block=2, climbing_index=None)
    np.testing.assert_allclose(tau, tq, atol=1e-14)
    np.testing.assert_allclose(f, fq * np.sqrt(m), atol=1e-14)


# ------------------------------------------------------------------------------ runs


def test_ci_neb_converges_to_the_valley_saddle():
    a, b = valley_minima()
    res = neb(valley, a, b, n_images=9, block=2, options=NEBOptions(spring_constant=5.0, dt=0.01))
    assert res.converged and res.stop_reason == "converged"
    assert res.max_force < 1e-6
    assert res.max_force == pytest.approx(max_block_norm(res.forces.ravel(), 2))
    assert res.climbing and res.climbing_index == 4 and res.climb_iteration > 0
    # the saddle of the valley: x = 0 requires ... solve grad V = 0 near the origin
    from scipy.optimize import fsolve

    s = fsolve(lambda p: valley(p)[1], [0.0, 0.0], xtol=1e-14)
    np.testing.assert_allclose(res.images[res.climbing_index], s, atol=1e-6)
    assert res.energies[res.climbing_index] == pytest.approx(valley(s)[0], abs=1e-10)
    # end points untouched, profile quantities consistent
    np.testing.assert_array_equal(res.images[0], a)
    np.testing.assert_array_equal(res.images[-1], b)
    assert res.xi[0] == 0.0 and np.all(np.diff(res.xi) > 0)
    assert abs(res.dv_dxi[res.climbing_index]) < 1e-6
    assert band_profile(res).method == "hermite"
    analysis = analyse_band(res)
    assert analysis.is_double_well and analysis.saddle_index == res.climbing_index


def test_images_equally_spaced_without_climbing():
    a, b = valley_minima()
    res = neb(valley, a, b, n_images=7, block=2,
              options=NEBOptions(spring_constant=5.0, climb=False, dt=0.01))
    assert res.converged and not res.climbing and res.climbing_index is None
    steps = np.diff(res.xi)
    np.testing.assert_allclose(steps, steps.mean(), rtol=1e-5)


def test_springs_alone_equalise_a_band_on_a_flat_surface():
    """Only the parallel spring force acts (the NEB has no perpendicular spring): equal
    spacing, kinks stay."""
    rng = np.random.default_rng(6)
    band = np.linspace([0.0, 0.0], [3.0, 1.0], 6)
    band[1:-1] += rng.normal(scale=0.05, size=(4, 2))
    res = neb(lambda p: (0.0, np.zeros(2)), band[0], band[-1], initial_images=band, block=2,
              options=NEBOptions(climb=False, dt=0.05))
    assert res.converged
    steps = np.linalg.norm(np.diff(res.images, axis=0), axis=1)
    np.testing.assert_allclose(steps, steps.mean(), rtol=1e-6)
    assert not np.allclose(res.images, np.linspace([0.0, 0.0], [3.0, 1.0], 6), atol=1e-3)


def test_honest_non_convergence():
    a, b = valley_minima()
    res = neb(valley, a, b, n_images=9, block=2, options=NEBOptions(max_iterations=30))
    assert not res.converged
    assert res.stop_reason == "max_iterations"
    assert res.iterations == 30
    assert res.max_force == pytest.approx(max_block_norm(res.forces.ravel(), 2))
    assert res.max_force > 1e-6
    # evaluations count energy calls: 2 ends + (M - 2) per band evaluation
    assert (res.evaluations - 2) % 7 == 0


def test_periodic_band_crosses_the_boundary():
    """One particle on V = -cos(6 pi x / L) + y^2 + z^2 in a periodic box: minima at x = 0,
    L/3, 2L/3. From 2L/3 to 0 the minimum-image path crosses x = L with one barrier at 5L/6."""
    L = 10.0
    k = 6 * np.pi / L

    def pot(p):
        x, y, z = p
        return -np.cos(k * x) + y * y + z * z, np.array([k * np.sin(k * x), 2 * y, 2 * z])

    a = np.array([2 * L / 3, 0.0, 0.0])
    b = np.array([0.0, 0.0, 0.0])
    res = neb(pot, a, b, n_images=7, box=[L, L, L], block=3, remove_mean=False,
              options=NEBOptions(dt=0.05))
    assert res.converged
    assert res.images[-1][0] == pytest.approx(L)
    ci = res.climbing_index
    assert res.images[ci][0] == pytest.approx(5 * L / 6, abs=1e-6)
    assert res.energies[ci] == pytest.approx(1.0, abs=1e-12)
    assert analyse_band(res, remove_mean=False).is_double_well


def test_input_errors():
    a, b = valley_minima()
    with pytest.raises(InputError):
        neb(valley, a, b, n_images=2, block=2)
    with pytest.raises(InputError):
        neb(valley, a, b, block=2, options=NEBOptions(fmax=0.0))
    with pytest.raises(InputError):
        neb(valley, a, b, block=2, options=NEBOptions(spring_constant=-1.0))
    with pytest.raises(InputError):
        neb(lambda p: (0.0, np.zeros(3)), a, b, block=2)


def test_band_written_as_path_file_feeds_the_tunnelling(tmp_path):
    from pelkit.io.paths import read_path_h5, tunnel_from_path_file, write_neb_path
    from pelkit.landscape.tunneling import unit_system

    a, b = valley_minima()
    res = neb(valley, a, b, n_images=11, block=2, options=NEBOptions(spring_constant=5.0, dt=0.01))
    f = tmp_path / "band.h5"
    write_neb_path(f, res, omega_a=2.0, omega_b=2.1)
    data = read_path_h5(f)
    np.testing.assert_array_equal(data.images, res.images)
    np.testing.assert_array_equal(data.xi, res.xi)
    np.testing.assert_array_equal(data.dv_dxi, res.dv_dxi)
    assert data.block == 2 and data.attrs["climbing_index"] == res.climbing_index
    assert (data.omega_a, data.omega_b) == (2.0, 2.1)
    out, _ = tunnel_from_path_file(f, unit_system("custom", hbar_tilde=0.2))
    assert out.converged and out.splitting > 0.0 and out.omega_source == "given"


def test_per_image_and_climbing_forces_are_rechecked():
    a, b = valley_minima()
    res = neb(valley, a, b, n_images=9, block=2, options=NEBOptions(spring_constant=5.0))
    assert res.converged and res.method == "lbfgs"
    # recompute the NEB forces of the returned band independently of the optimiser
    e = np.array([valley(p)[0] for p in res.images])
    g = np.array([valley(p)[1] for p in res.images])
    f, _ = neb_forces(res.images, e, g, spring_constant=5.0, sqrt_m=np.ones(2), box=None,
                      block=2, climbing_index=res.climbing_index)
    norms = np.linalg.norm(f, axis=1)
    np.testing.assert_allclose(res.image_forces, norms, rtol=1e-12)
    assert res.climbing_force == pytest.approx(norms[res.climbing_index - 1], rel=1e-12)
    assert res.climbing_force < 1e-6 and norms.max() < 1e-6


def test_adaptive_image_count_refines_to_the_resolution():
    from scipy.optimize import fsolve

    from pelkit.landscape.neb_adaptive import neb_adaptive, resample_band

    a, b = valley_minima()
    res = neb_adaptive(valley, a, b, n_images=5, max_images=40, resolution=0.1, block=2,
                       options=NEBOptions(spring_constant=5.0))
    ref = res.history["refinements"]
    assert res.converged and len(ref) >= 2 and res.n_images == ref[-1]["images"] > 5
    assert [r["images"] for r in ref] == sorted(r["images"] for r in ref)
    barrier = res.energies.max() - min(res.energies[0], res.energies[-1])
    assert np.abs(np.diff(res.energies)).max() <= 0.1 * barrier
    assert res.evaluations == sum(r["evaluations"] for r in ref)
    s = fsolve(lambda p: valley(p)[1], [0.0, 0.0], xtol=1e-14)
    np.testing.assert_allclose(res.images[res.climbing_index], s, atol=1e-6)
    # resampling: equal arc-length spacing, end points kept
    band = resample_band(res.images, 9, block=2)
    np.testing.assert_array_equal(band[0], res.images[0])
    np.testing.assert_allclose(band[-1], res.images[-1], atol=1e-14)
    steps = np.linalg.norm(np.diff(band, axis=0), axis=1)
    assert steps.max() <= res.xi[-1] / 8 + 1e-12


def test_fallback_patience_counts_iterations_since_the_force_last_halved():
    """The FIRE 2.0 fallback's progress check: a force that falls 2.5-fold every 100 iterations
    never exhausts a patience of 150; a force that stops falling exhausts it 150 iterations
    after its last halving, and the band with the smallest force is kept; one coordinate block
    holds the whole force here."""
    from pelkit.landscape.neb import _ProgressCheck

    check = _ProgressCheck(150, block=1)
    assert not any(check(it, None, 0.0, np.array([0.4 ** (it // 100)])) for it in range(2000))
    check = _ProgressCheck(150, block=1)
    stops = [it for it in range(1000) if check(it, np.array([float(it)]), 0.0,
                                               np.array([max(0.4 ** (it // 100), 0.4 ** 3)]))]
    assert stops[0] == 300 + 150
    # the best band seen is kept: the first one at the final force level (iteration 300)
    assert check.best_force == pytest.approx(0.4 ** 3) and check.best_x.tolist() == [300.0]
    with pytest.raises(InputError):
        NEBOptions(fallback_patience=0)
    with pytest.raises(InputError):
        NEBOptions(fallback_patience=2.5)
