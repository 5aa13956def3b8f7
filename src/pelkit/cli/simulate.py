"""``pelkit md`` and ``pelkit quench``: thin wrappers over :mod:`pelkit.dynamics.md` and
:mod:`pelkit.landscape.quench`.

``md`` never destroys its input: ``--out`` equal to the input trajectory is refused unless
``--append`` continues it (step, time, thermostat and random state carried on, so that two runs
of 10k steps equal one of 20k bit for bit when the restart step is a multiple of ``--stride``).
Ctrl-C stops at the end of the current chunk (a multiple of ``--stride``), writes ``--final`` and
a flushed trajectory that ``--append`` continues, prints one line and exits with status 130. The
restart state is also stored with every flush of frames (every 10 frames), so a run killed
outright (SIGKILL, a node lost) can be continued with ``--append`` from its last flush. A run
that blows up leaves its trajectory renamed ``*.partial`` (attribute ``partial``).

``quench`` writes ``--out`` only for a converged minimum; otherwise it says what was reached,
renames the file ``*.partial`` and exits with status 1.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from pelkit.cli.common import (
    EXIT_INTERRUPTED,
    check_output,
    cli_command,
    config_argument,
    device_option,
    emit,
    fail,
    fmax_option,
    json_option,
    load_model_frames,
    load_model_system,
    mark_partial,
    max_iterations_option,
    model_option,
    out_option,
    quiet_option,
    same_file,
    scheme_option,
    seed_option,
    species_map_option,
    steps_option,
    temperature_option,
    threads_option,
)
from pelkit.cli.progress import progress_bar
from pelkit.errors import InputError

H5_SUFFIXES = (".h5", ".hdf5", ".h5md")


def _load(path: Path, model: str, scheme: str | None, species_map=None):  # noqa: ANN001,ANN202
    """Old name of :func:`pelkit.cli.common.load_model_system`."""
    return load_model_system(path, model, scheme, species_map)


def _load_frames(path: Path, model: str, scheme: str | None, species_map=None):  # noqa: ANN001,ANN202
    """Old name of :func:`pelkit.cli.common.load_model_frames`."""
    return load_model_frames(path, model, scheme, species_map)


class StopRequest:
    """Ctrl-C (SIGINT) sets :attr:`requested` instead of raising; a second one raises
    ``KeyboardInterrupt`` (which the guard turns into one line and exit 130)."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self) -> bool:
        return self.requested

    def _handle(self, signum, frame) -> None:  # noqa: ANN001
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    @contextmanager
    def installed(self) -> Iterator[StopRequest]:
        """Handle SIGINT while the block runs (main thread only), then restore the handler."""
        try:
            previous = signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread: leave Ctrl-C alone
            yield self
            return
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)


@cli_command
def md(
    path: Path = config_argument(
        "Start configuration (.xyz, .data, .dump or .h5: last frame; --append: the H5MD "
        "trajectory to continue)."
    ),
    model: str = model_option(),
    temperature: float = temperature_option(),
    steps: int = steps_option(),
    dt: float = typer.Option(0.005, "--dt", help="Time step (tau)."),
    thermostat: str = typer.Option(
        "nose-hoover", "--thermostat", help="nve, nose-hoover, bussi or langevin."
    ),
    seed: int = seed_option(),
    out: Path = out_option("H5MD trajectory to write (.h5); with --append, the input itself."),
    append: bool = typer.Option(
        False, "--append", help="Continue the input H5MD trajectory in place: step, time, "
        "thermostat and random state carried on (exact continuation)."
    ),
    stride: int = typer.Option(
        100, "--stride", help="Trajectory frames and logged observables every this many steps."
    ),
    final: Path = typer.Option(None, "--final", help="Write the final state (for restarts)."),
    sample_every: int = typer.Option(
        1, "--sample-every", help="Potential energy and pressure on every K-th step (and on "
        "the logged ones) for their means; the steps between compute forces only (the same "
        "trajectory bit for bit, ~5 % faster at K = 100). Default 1: every step."
    ),
    scheme: str = scheme_option(),
    species_map: list[str] = species_map_option(),
    as_json: bool = json_option(),
    quiet: bool = quiet_option(),
    replicas: int = typer.Option(
        None, "--replicas", help="Run M replicas in one batch (from the file's M frames, or "
        "M copies of one frame with their own velocities)."
    ),
    device: str = device_option(),
    threads: int = threads_option(),
) -> None:
    """Molecular dynamics (NVE or NVT); velocities from the file or Maxwell-Boltzmann.

    The Maxwell-Boltzmann velocities and the stochastic thermostats draw from the random
    numbers of --seed. With --device or --replicas, M replicas run in one batch. Ctrl-C stops
    at the end of the current chunk, writes --final and the trajectory (which --append
    continues), and exits with status 130."""
    if steps < 0:
        raise InputError(f"--steps must be non-negative, got {steps}")
    if stride < 1:
        raise InputError(f"--stride must be a positive integer, got {stride}")
    if sample_every < 1:
        raise InputError(f"--sample-every must be a positive integer, got {sample_every}")
    if replicas is not None or device is not None:
        if sample_every != 1:
            raise InputError("--sample-every applies to one trajectory; replica batches "
                             "(--replicas, --device) compute energies every step")
        if append:
            raise InputError("--append continues one trajectory; it does not combine with "
                             "--replicas or --device")
        _md_batch(path, model, scheme, replicas, species_map, temperature=temperature,
                  steps=steps, dt=dt, thermostat=thermostat, seed=seed, out=out, stride=stride,
                  final=final, device=device or "cpu", threads=threads, as_json=as_json,
                  quiet=quiet)
        return
    from pelkit.dynamics.md import MDBlowUp, MDSimulation, read_md_state
    from pelkit.io.formats import write_system

    state = None
    if append:
        if out is not None and not same_file(path, out):
            raise InputError(f"--append continues {path} in place; --out must be omitted or "
                             "name the same file")
        out = path
        if path.suffix.lower() not in H5_SUFFIXES:
            raise InputError(f"--append needs an H5MD trajectory (.h5), got {path}")
        state = read_md_state(path)  # raises one line for a missing or unreadable file
        if state is None:
            raise InputError(f"{path} holds no saved MD state (not written by `pelkit md`, or "
                             "the run was killed); start a new trajectory from its last frame")
        from pelkit.io.h5md import last_step, truncate_after

        if abs(state.temperature - temperature) > 1e-12 * max(1.0, abs(temperature)):
            raise InputError(f"{path} was run at T = {state.temperature:g}; --append keeps the "
                             f"temperature (got -T {temperature:g})")
        written = last_step(path)
        if written is not None and written > state.step:
            # a killed run: its frames after the saved state are recomputed exactly
            dropped = truncate_after(path, state.step)
            sys.stderr.write(f"pelkit: note: {path} continues from its saved state at step "
                             f"{state.step}; {dropped} later frame(s) of the killed run were "
                             "dropped (they are recomputed exactly)\n")
    elif out is not None and path.exists() and same_file(path, out):
        raise InputError(f"--out {out} is the input trajectory; add --append to continue it, "
                         "or choose another --out")
    check_output(out, suffixes=H5_SUFFIXES)
    check_output(final, what="--final", configuration=True)

    pot, system = load_model_system(path, model, scheme, species_map)
    sim = MDSimulation(pot, system, temperature, thermostat=thermostat, dt=dt, seed=seed)
    sim.sample_every = sample_every
    if state is not None:
        sim.restore(state)
    stop = StopRequest()
    try:
        with stop.installed(), progress_bar("md", steps, enabled=not (quiet or as_json)) as upd:
            result = sim.run(steps, log_every=stride, trajectory=out, stride=stride,
                             progress=upd, append=append, should_stop=stop)
    except MDBlowUp as exc:
        if out is not None and out.exists() and not append:
            partial = mark_partial(out, str(exc))
            fail(f"{exc}; the trajectory up to there is in {partial}")
        raise
    if final is not None:
        write_system(final, sim.system)
    summary = result.summary()
    summary.update(
        n_particles=system.n_particles, model=pot.name, temperature_target=temperature,
        trajectory=str(out) if out else None, final=str(final) if final else None,
        appended=append, sample_every=sample_every,
    )
    if result.interrupted:
        written = [f"trajectory {out} (continue with --append)" if out else None,
                   f"final state {final}" if final else None]
        where = ", ".join(w for w in written if w) or "nothing written (no --out or --final)"
        if as_json:
            emit(summary, as_json)
        sys.stderr.write(
            f"pelkit: interrupted: stopped at step {result.start_step + result.steps} "
            f"(t = {(result.start_step + result.steps) * dt:g} tau, {result.steps} of {steps} "
            f"steps run); {where}\n"
        )
        raise SystemExit(EXIT_INTERRUPTED)
    human = (
        f"{summary['steps']} steps of {thermostat} MD, N = {summary['n_particles']}, "
        f"steps {summary['start_step']} -> {summary['final_step']} "
        f"(t = {summary['final_time']:g} tau)\n"
        f"mean temperature                    {summary['mean_temperature']:.6g} eps/k_B\n"
        f"mean potential energy per particle  "
        f"{summary['mean_potential_energy_per_particle']:.10g} eps\n"
        f"mean pressure                       {summary['mean_pressure']:.6g} eps/sigma^3\n"
        f"conserved-energy drift per particle {summary['conserved_drift_per_particle']:.3g} eps"
    )
    emit(summary, as_json, human)


def _md_batch(path: Path, model: str, scheme: str | None, replicas: int | None,
              species_map: list[str] | None, *, as_json: bool, quiet: bool, **kwargs) -> None:
    """``pelkit md --replicas M`` / ``--device``: :func:`pelkit.cli.replicas.md_replicas`."""
    from functools import partial

    from pelkit.cli.replicas import ReplicaOutputs, md_human, md_replicas, starting_replicas

    if path.suffix in (".xyz", ".extxyz"):
        pot, frames = load_model_frames(path, model, scheme, species_map)
    else:
        pot, system = load_model_system(path, model, scheme, species_map)
        frames = [system]
    outputs = ReplicaOutputs(**{k: kwargs.pop(k) for k in ("out", "stride", "final")})
    summary = md_replicas(pot, starting_replicas(frames, replicas), outputs=outputs,
                          progress=partial(progress_bar, enabled=not (quiet or as_json)),
                          **kwargs)
    emit(summary, as_json, md_human(summary))
    if summary["failed_replicas"]:
        fail(f"{len(summary['failures'])} replica(s) blew up (see the warnings above)", 1)


#: from this many particles on, ``pelkit quench`` shows a progress line (Python L-BFGS)
PROGRESS_MIN_PARTICLES = 20_000


class QuenchProgress:
    """A progress line on stderr for a long minimisation: every ``every`` seconds (after the
    first ``every``), the iteration and the largest per-particle force reached."""

    def __init__(self, fmax: float, enabled: bool, every: float = 2.0) -> None:
        self.fmax = fmax
        self.enabled = enabled
        self.every = every
        self.start = time.monotonic()
        self.last = self.start
        self.shown = False

    def __call__(self, iteration: int, x, energy: float, gradient) -> bool:  # noqa: ANN001
        if not self.enabled:
            return False
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            g = gradient.reshape(-1, 3)
            force = float((g * g).sum(axis=1).max() ** 0.5)
            end = "\r" if sys.stderr.isatty() else "\n"
            sys.stderr.write(
                f"quench: iteration {iteration}, max force {force:.3g} eps/sigma (target "
                f"{self.fmax:.3g}), {now - self.start:.0f} s{end}"
            )
            sys.stderr.flush()
            self.shown = True
        return False

    def close(self) -> None:
        """End a carriage-returned line."""
        if self.shown and sys.stderr.isatty():
            sys.stderr.write("\n")


@cli_command
def quench(
    path: Path = config_argument("Configuration to quench (all frames of a multi-frame .xyz, "
                                 ".h5 or .dump file, in one batch)."),
    model: str = model_option(),
    method: str = typer.Option("lbfgs", "--method", help="lbfgs, fire2, fire, cg or sd."),
    fmax: float = fmax_option(1e-10),
    max_iterations: int = max_iterations_option(
        200_000, "Stop after this many minimizer iterations (then: not converged, exit 1)."
    ),
    out: Path = out_option("Write the minimum (minima) here; only converged results keep "
                           "this name (otherwise OUT.partial)."),
    scheme: str = scheme_option(),
    species_map: list[str] = species_map_option(),
    as_json: bool = json_option(),
    quiet: bool = quiet_option(),
    device: str = device_option(),
    threads: int = threads_option(),
    preconditioner: str = typer.Option(
        None, "--preconditioner", help="exp: L-BFGS preconditioned as in Packwood et al., "
        "J. Chem. Phys. 144, 164109 (2016) (one configuration; off by default: slower at "
        "N <= 10^4 as measured)."),
) -> None:
    """Quench a configuration (or every frame of a file) to its inherent structure.

    Exit status 1, with one line saying what was reached, when the tolerance is not met."""
    from pelkit.cli.replicas import quench_frames, quench_human
    from pelkit.io.formats import write_system
    from pelkit.landscape.quench import quench as run_quench

    if not fmax > 0:
        raise InputError(f"--fmax must be positive, got {fmax}")
    if max_iterations < 1:
        raise InputError(f"--max-iterations must be a positive integer, got {max_iterations}")
    if preconditioner not in (None, "exp"):
        raise InputError(f"--preconditioner must be exp, got {preconditioner!r}")
    if preconditioner is not None and method != "lbfgs":
        raise InputError(f"--preconditioner needs --method lbfgs, got {method!r}")
    check_output(out, configuration=True)
    pot, frames = load_model_frames(path, model, scheme, species_map)
    if preconditioner is not None and (len(frames) > 1 or device is not None):
        raise InputError("--preconditioner quenches one configuration (no --device, one frame)")
    if len(frames) > 1 or device is not None:
        summary = quench_frames(pot, frames, method=method, fmax=fmax, out=out,
                                device=device or "cpu", threads=threads,
                                max_iterations=max_iterations)
        bad = summary["frames"] - summary["n_converged"]
        if bad and out is not None:
            summary["out"] = str(mark_partial(out, f"{bad} frames not converged"))
        emit(summary, as_json, quench_human(summary))
        if bad:
            fail(f"{bad} of {summary['frames']} frames did not reach --fmax {fmax:.3g} eps/sigma"
                 + (f"; minima written to {summary['out']}" if out is not None else ""), 1)
        return
    # a progress line for long minimisations (large N): it needs the Python minimizers'
    # per-iteration callback; below that size the compiled L-BFGS (the library default, seconds)
    # runs without one, so the CLI and quench() give the same minimum
    show = not (quiet or as_json) and frames[0].n_particles >= PROGRESS_MIN_PARTICLES
    watcher = QuenchProgress(fmax, enabled=show)
    try:
        extra = {"callback": watcher} if show else {}
        if preconditioner is not None:
            extra["preconditioner"] = preconditioner
        result = run_quench(pot, frames[0], method=method, fmax=fmax,
                            max_iterations=max_iterations, **extra)
    finally:
        watcher.close()
    summary = result.summary()
    summary.update(model=pot.name, out=str(out) if out else None)
    if out is not None:
        write_system(out, result.system)
        if not summary["converged"]:
            summary["out"] = str(mark_partial(out, str(summary["stop_reason"])))
    human = (
        f"{summary['method']}: e_IS = {summary['energy_per_particle']:.12g} eps per particle, "
        f"max force {summary['max_force']:.3g} eps/sigma, {summary['iterations']} iterations, "
        f"converged: {summary['converged']} ({summary['stop_reason']})"
    )
    emit(summary, as_json, human)
    if not summary["converged"]:
        fail(
            f"quench did not reach --fmax {fmax:.3g}: max force {summary['max_force']:.3g} "
            f"eps/sigma after {summary['iterations']} iterations ({summary['stop_reason']})"
            + (f"; the last configuration is in {summary['out']}" if out is not None else ""),
            1,
        )


def register(app: typer.Typer) -> None:
    """Add ``md`` and ``quench``."""
    app.command("md")(md)
    app.command("quench")(quench)
