"""Batched forms of ``pelkit md`` (``--replicas M``) and ``pelkit quench`` (multi-frame input).

    pelkit md ka.xyz -m ka -T 0.8 --steps 20000 --replicas 64 --device cpu --final hot.xyz
    pelkit quench hot.xyz -m ka --method lbfgs --fmax 1e-6 --out is.xyz      # all 64 frames

``md``: the replicas start from the frames of the input file (one per frame), or, from a single
frame, M copies with velocities drawn per replica from seeds derived from ``--seed``
(:func:`pelkit.dynamics.batched_md.replica_seeds`). ``--final`` writes one extended XYZ file
with a frame per replica; ``--out traj.h5`` writes one H5MD trajectory per replica
(``traj_r0000.h5``, ...). ``quench``: every frame in one batch (:func:`quench_batch`), the minima
written as the frames of ``--out``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pelkit.cli.common import check_output
from pelkit.errors import InputError
from pelkit.models.base import PairPotential
from pelkit.system import System


def replica_paths(out: Path, n_replicas: int) -> list[Path]:
    """``traj.h5`` -> ``traj_r0000.h5``, ``traj_r0001.h5``, ... (one trajectory per replica)."""
    return [out.with_name(f"{out.stem}_r{r:04d}{out.suffix}") for r in range(n_replicas)]


def check_new_outputs(paths: Sequence[Path]) -> None:
    """Refuse outputs whose folder is missing or that already exist (before any work)."""
    for path in paths:
        if not path.parent.is_dir():
            raise InputError(f"output folder does not exist: {path.parent}")
        if path.exists():
            raise InputError(f"{path} exists; remove it or choose another output name")


def starting_replicas(frames: list[System], replicas: int | None) -> list[System]:
    """The M starting configurations: the file's frames, or M copies of its single frame (their
    velocities dropped, so that each replica draws its own)."""
    if replicas is None:
        return frames
    if replicas < 1:
        raise InputError(f"--replicas must be a positive integer, got {replicas}")
    if len(frames) == replicas:
        return frames
    if len(frames) == 1:
        starts = []
        for _ in range(replicas):
            s = frames[0].copy()
            s.velocities = None
            starts.append(s)
        return starts
    raise InputError(
        f"the input has {len(frames)} frames but --replicas is {replicas}: give one frame "
        "(copied to every replica) or one frame per replica"
    )


@dataclass(frozen=True)
class ReplicaOutputs:
    """What ``pelkit md --replicas`` writes: one H5MD trajectory per replica under ``out``
    (every ``stride`` steps) and the final configurations as one .xyz file ``final``."""

    out: Path | None = None
    stride: int = 100
    final: Path | None = None


def md_replicas(
    pot: PairPotential,
    starts: list[System],
    *,
    temperature: float,
    steps: int,
    dt: float,
    thermostat: str,
    seed: int,
    device: str,
    threads: int | None,
    outputs: ReplicaOutputs,
    progress,  # noqa: ANN001 - the progress_bar context manager factory
) -> dict:
    """Run the batch and write its ``outputs``; returns the JSON summary. ``progress(text,
    total)`` is a context manager yielding ``update(done, total)`` (:func:`progress_bar`
    with ``enabled`` already chosen)."""
    from pelkit.dynamics.batched_md import BatchedMD
    from pelkit.io.frames import write_frames
    from pelkit.io.h5md import TrajectoryWriter

    out, stride, final = outputs.out, outputs.stride, outputs.final
    m = len(starts)
    traj_paths = replica_paths(out, m) if out is not None else []
    if out is not None and stride < 1:
        raise InputError("--stride must be a positive integer")
    check_new_outputs(traj_paths)
    if final is not None:
        if final.suffix not in (".xyz", ".extxyz"):
            raise InputError(f"--final {final}: replicas are written as one .xyz file")
        check_output(final, what="--final")
    batch = BatchedMD(pot, starts, temperature, thermostat=thermostat, dt=dt, seeds=seed,
                      threads=threads, device=device)
    writers = [
        TrajectoryWriter(p, s, stride=stride, velocities=True, dt=dt)
        for p, s in zip(traj_paths, batch.systems(), strict=True)
    ] if traj_paths else []

    def sample(md: BatchedMD, step: int) -> None:
        for w, s in zip(writers, md.systems(), strict=True):
            w.append(s, int(s.info["step"]))

    try:
        with progress(f"md x{m}", steps) as update:
            result = batch.run(steps, progress=update, sample=sample if writers else None,
                               sample_every=stride if writers else None)
    finally:
        for w in writers:
            w.close()
    if final is not None:
        write_frames(final, batch.systems())
    summary = result.summary()
    summary.update(
        n_particles=batch.batch.n_particles, model=pot.name, temperature_target=temperature,
        trajectories=[str(p) for p in traj_paths] or None,
        final=str(final) if final else None,
    )
    return summary


def md_human(summary: dict) -> str:
    """Human-readable lines for a batched MD summary."""
    import numpy as np

    temps = np.asarray(summary["mean_temperature"], dtype=float)
    pe = np.asarray(summary["mean_potential_energy_per_particle"], dtype=float)
    lines = [
        f"{summary['steps']} steps of {summary['thermostat']} MD, {summary['replicas']} replicas "
        f"of N = {summary['n_particles']} on {summary['device']} ({summary['threads']} threads)",
        f"mean temperature over replicas      {np.nanmean(temps):.6g} "
        f"(min {np.nanmin(temps):.6g}, max {np.nanmax(temps):.6g})",
        f"mean potential energy per particle  {np.nanmean(pe):.10g}",
        f"atom-steps per second               {summary['atom_steps_per_second']:.4g}",
    ]
    lines += [f"warning: {msg}" for msg in summary["failures"]]
    return "\n".join(lines)


def quench_frames(
    pot: PairPotential,
    frames: list[System],
    *,
    method: str,
    fmax: float,
    out: Path | None,
    device: str,
    threads: int | None,
    max_iterations: int = 200_000,
) -> dict:
    """Quench every frame in one batch and write the minima; returns the JSON summary."""
    from pelkit.io.frames import write_frames
    from pelkit.landscape.batched_quench import quench_batch

    if out is not None:
        if out.suffix not in (".xyz", ".extxyz"):
            raise InputError(f"--out {out}: the minima of several frames are written as .xyz")
        check_output(out)
    result = quench_batch(pot, frames, method=method, fmax=fmax, threads=threads, device=device,
                          max_iterations=max_iterations)
    if out is not None:
        write_frames(out, result.systems())
    summary = result.summary()
    summary.update(model=pot.name, out=str(out) if out else None)
    return summary


def quench_human(summary: dict) -> str:
    """Human-readable lines for a batched quench summary."""
    import numpy as np

    e = np.asarray(summary["energy_per_particle"], dtype=float)
    return (
        f"{summary['frames']} frames quenched ({', '.join(sorted(set(summary['method'])))}) on "
        f"{summary['device']}: {summary['n_converged']} converged to max force "
        f"< {summary['fmax']:.3g}\n"
        f"e_IS per particle: mean {np.nanmean(e):.12g}, min {np.nanmin(e):.12g}, "
        f"max {np.nanmax(e):.12g}\n"
        f"{summary['quenches_per_second']:.4g} quenches per second"
    )
