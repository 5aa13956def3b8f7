"""``pelkit convert IN OUT``: convert a configuration between file formats.

A thin wrapper over :func:`pelkit.io.formats.read_system` and
:func:`pelkit.io.formats.write_system` (one frame, ``--frame``), or
:func:`pelkit.io.frames.read_frames` and :func:`pelkit.io.frames.write_frames` (a frame range,
``--frames START:STOP[:STEP]``, e.g. an H5MD trajectory to a LAMMPS dump or a multi-frame
extended XYZ); call :func:`register` to add it to a Typer app.
"""

from __future__ import annotations

from pathlib import Path

import typer

from pelkit.cli.common import check_output, cli_command, emit, json_option, same_file
from pelkit.errors import InputError
from pelkit.io.formats import detect_format, read_system, write_system

__all__ = ["convert", "register"]


@cli_command
def convert(
    input_path: Path = typer.Argument(..., metavar="IN", help="Input configuration file."),
    output_path: Path = typer.Argument(..., metavar="OUT", help="Output file to write."),
    in_format: str | None = typer.Option(
        None,
        "--in-format",
        help="Input format: extxyz, lammps-data, lammps-dump, h5md, ase (default: from "
        "extension; other extensions go to ASE when it is installed).",
    ),
    out_format: str | None = typer.Option(
        None,
        "--out-format",
        help="Output format: extxyz, lammps-data, lammps-dump, h5md, ase (default: from "
        "extension; other extensions go to ASE when it is installed).",
    ),
    frame: int = typer.Option(
        -1, "--frame", help="Frame of a multi-frame input (0-based; negative from the end)."
    ),
    frames: str | None = typer.Option(
        None,
        "--frames",
        help="Frame range START:STOP[:STEP] (Python slice; ':' = all) written as one "
        "multi-frame file (extxyz, LAMMPS dump or H5MD).",
    ),
    as_json: bool = json_option(),
) -> None:
    """Convert a configuration file (extended XYZ, LAMMPS data/dump, H5MD) to another format.

    Float64 values are written in shortest round-trip form, so no precision is lost.
    """
    fmt_in = detect_format(input_path, in_format)
    fmt_out = detect_format(output_path, out_format)
    if input_path.exists() and same_file(input_path, output_path):
        raise InputError(f"OUT {output_path} is the input file; choose another name")
    check_output(output_path, what="OUT")
    if frames is not None:
        from pelkit.io.frames import parse_frame_range, read_frames, write_frames

        if frame != -1:
            raise InputError("give either --frame or --frames, not both")
        selected = read_frames(input_path, fmt_in, parse_frame_range(frames))
        n_written = write_frames(output_path, selected, fmt_out)
        system = selected[0]
    else:
        system = read_system(input_path, fmt_in, frame=frame)
        write_system(output_path, system, fmt_out)
        n_written = 1
    result = {
        "input": str(input_path),
        "output": str(output_path),
        "in_format": fmt_in,
        "out_format": fmt_out,
        "frame": frame,
        "frames": frames,
        "n_frames": n_written,
        "n_particles": system.n_particles,
        "box_lengths": system.box.lengths,
        "has_velocities": system.velocities is not None,
    }
    human = (
        f"converted {input_path} ({fmt_in}) -> {output_path} ({fmt_out}): "
        f"{n_written} frame{'s' if n_written != 1 else ''}, {system.n_particles} particles"
    )
    emit(result, as_json, human)


def register(app: typer.Typer) -> None:
    """Add the ``convert`` command to ``app``."""
    app.command("convert")(convert)
