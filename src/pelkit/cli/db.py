"""``pelkit db list|graph|export|extract|rates DB``: inspect a landscape database.

* ``list``: minima and transition states (energies, barriers, log products of the Hessian
  eigenvalues).
* ``graph``: the disconnectivity graph (Becker-Karplus) as a PNG, minima coloured by energy,
  log product of eigenvalues, participation ratio of the softest mode, or the number of
  transition states of each minimum.
* ``export``: the network JSON read by ``pelkit theory master-equation`` (harmonic
  frequencies), or with ``--regroup B`` the network of groups of minima joined by barriers
  below B at ``--temperature`` (free energies, valid at that temperature only).
* ``extract``: write one stored minimum or transition state as a configuration file.
* ``rates``: harmonic-TST rate constants at ``--temperature``, the relaxation spectrum of the
  master equation and, with ``--source``/``--sink``, the committor of every minimum.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import typer

from pelkit.cli.common import (
    check_output,
    cli_command,
    dumps,
    emit,
    json_option,
    list_option,
    out_option,
    parse_numbers,
    temperature_option,
)

db_app = typer.Typer(no_args_is_help=True, help="Inspect a database of minima and saddles.")


def _open(path: Path):  # noqa: ANN202
    from pelkit.landscape.database import LandscapeDatabase

    return LandscapeDatabase(path)


def _ids(values: list[str] | None, name: str) -> list[int]:
    return [int(v) for v in parse_numbers(values, name, integer=True)]


def _database_argument():  # noqa: ANN202
    return typer.Argument(..., help="Landscape database (SQLite).")


@db_app.command("list")
@cli_command
def db_list(
    database: Path = _database_argument(),
    as_json: bool = json_option(),
) -> None:
    """Minima and transition states in a database."""
    from pelkit.landscape.database import describe

    with _open(database) as db:
        result = describe(db)
    lines = [f"{database}: model {result['model']}, N = {result['n_particles']}, "
             f"{result['n_minima']} minima, {result['n_transition_states']} transition states"]
    lines += [f"  min {m['id']:>5} E = {m['energy']:.8f}" for m in result["minima"][:50]]
    lines += [f"  ts  {t['id']:>5} E = {t['energy']:.8f} joins {t['minima']} barrier "
              f"{t['barrier']:.6g}" for t in result["transition_states"][:50]]
    emit(result, as_json, "\n".join(lines))


@db_app.command("graph")
@cli_command
def db_graph(
    database: Path = _database_argument(),
    out: Path = out_option("PNG file to write.", ...),
    levels: int = typer.Option(20, "--levels", help="Number of energy levels."),
    color: str = typer.Option("energy", "--color",
                              help="Colour minima by: energy, log-product, participation, degree, "
                              "none."),
    as_json: bool = json_option(),
) -> None:
    """Disconnectivity graph of the database."""
    import numpy as np

    from pelkit.errors import InputError
    from pelkit.plotting.disconnectivity import disconnectivity_tree, plot_disconnectivity

    check_output(out)
    choices = ("energy", "log-product", "participation", "degree", "none")
    if color not in choices:
        raise InputError(f"--color must be one of {', '.join(choices)}, got {color!r}")
    with _open(database) as db:
        mins, tss = db.minima(), db.transition_states()
    if not mins:
        raise InputError(f"{database} holds no minima")
    index = {m.id: k for k, m in enumerate(mins)}
    energies = np.array([m.energy for m in mins])
    pairs = np.array([[index[t.minimum1], index[t.minimum2]] for t in tss], dtype=int)
    tree = disconnectivity_tree(energies, pairs.reshape(-1, 2), [t.energy for t in tss],
                                n_levels=levels)
    values, label = None, ""
    if color == "energy":
        values, label = energies, "E (eps)"
    elif color == "log-product":
        if any(m.log_product is None for m in mins):
            raise InputError("some minima have no Hessian eigenvalues (log product)")
        values, label = np.array([m.log_product for m in mins]), "sum ln lambda"
    elif color == "participation":
        if any("softest_participation" not in m.info for m in mins):
            raise InputError("some minima have no softest-mode participation stored")
        values = np.array([m.info["softest_participation"] for m in mins])
        label = "participation ratio of the softest mode"
    elif color == "degree":
        values = np.bincount(pairs.reshape(-1), minlength=len(mins)).astype(float)
        label = "transition states per minimum"
    path = plot_disconnectivity(tree, out, values, label,
                                title=f"{database.name}: {len(mins)} minima, {len(tss)} TS")
    result = {"database": str(database), "figure": str(path), "n_minima": len(mins),
              "n_transition_states": len(tss), "levels": tree.levels,
              "n_superbasins_top": len(tree.basins_at(0))}
    emit(result, as_json, f"wrote {path}")


@db_app.command("export")
@cli_command
def db_export(
    database: Path = _database_argument(),
    out: Path = out_option("Network JSON file to write.", ...),
    temperature: float = temperature_option(
        None, "Temperature (eps/k_B) of the free energies, written into the file."),
    regroup: float = typer.Option(None, "--regroup",
                                  help="Lump minima joined by barriers below this (eps); "
                                  "needs --temperature."),
    as_json: bool = json_option(),
) -> None:
    """Export the network for `pelkit theory master-equation`."""
    from pelkit.errors import InputError
    from pelkit.landscape.rates import network_dict
    from pelkit.landscape.rates import regroup as do_regroup

    if temperature is not None and not temperature > 0:
        raise InputError(f"--temperature must be positive, got {temperature}")
    check_output(out)
    with _open(database) as db:
        if regroup is not None:
            if temperature is None:
                raise InputError("--regroup needs --temperature")
            grouped = do_regroup(db, temperature, regroup)
            data = grouped.network_dict()
            extra = {"groups": grouped.groups}
        else:
            data = network_dict(db, temperature)
            extra = {}
    out.write_text(json.dumps(data, indent=1) + "\n")
    result = {"database": str(database), "out": str(out), "n_minima": len(data["minima"]),
              "n_transition_states": len(data["transition_states"]),
              "prefactor_model": data["prefactor_model"], **extra}
    emit(result, as_json, f"wrote {out}: {result['n_minima']} minima, "
                          f"{result['n_transition_states']} transition states")


@db_app.command("rates")
@cli_command
def db_rates(
    database: Path = _database_argument(),
    temperature: float = temperature_option(),
    source: list[str] = list_option("--source", help="Committor sources: minimum ids",
                                    example="--source 1,4 or --source 1 --source 4"),
    sink: list[str] = list_option("--sink", help="Committor sinks: minimum ids",
                                  example="--sink 2"),
    as_json: bool = json_option(),
) -> None:
    """Harmonic-TST rates, relaxation spectrum and committors."""
    import numpy as np

    from pelkit.errors import InputError
    from pelkit.landscape.rates import committors, network_dict, rate_network
    from pelkit.theory.master_equation import (
        MasterEquation,
        NetworkWarning,
        network_from_dict,
    )

    if not temperature > 0:
        raise InputError(f"--temperature must be positive, got {temperature}")
    with _open(database) as db, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NetworkWarning)
        net = rate_network(db, temperature)
        me = MasterEquation(network_from_dict(network_dict(db, temperature)))
    notes = [str(w.message) for w in caught if issubclass(w.category, NetworkWarning)]
    for note in notes:
        sys.stderr.write(f"pelkit: warning: {note}\n")
    result = {
        "warnings": notes,
        "database": str(database), "temperature": temperature,
        "rates": [{"from": net.ids[a], "to": net.ids[b], "rate": float(np.exp(lr))}
                  for a, b, lr in zip(net.src, net.dst, net.log_rate, strict=True)],
        "relaxation_rates": me.relaxation_rates(),
    }
    if source or sink:
        if not (source and sink):
            raise InputError("committors need both --source and --sink")
        q = committors(net, _ids(source, "--source"), _ids(sink, "--sink"))
        result["committors"] = {str(i): float(v) for i, v in zip(net.ids, q, strict=True)}
    emit(result, as_json, dumps(result))


@db_app.command("extract")
@cli_command
def db_extract(
    database: Path = _database_argument(),
    minimum: int = typer.Option(None, "--minimum", help="Id of the minimum to write."),
    ts: int = typer.Option(None, "--ts", help="Id of the transition state to write."),
    out: Path = out_option("Configuration file to write.", ...),
    as_json: bool = json_option(),
) -> None:
    """Write one stored minimum or transition state as a configuration file."""
    from pelkit.errors import InputError
    from pelkit.io.formats import write_system

    if (minimum is None) == (ts is None):
        raise InputError("give exactly one of --minimum or --ts")
    check_output(out, configuration=True)
    with _open(database) as db:
        if minimum is not None:
            rec = db.minimum(minimum)
        else:
            found = [t for t in db.transition_states() if t.id == ts]
            if not found:
                raise InputError(f"no transition state {ts} in {database}")
            rec = found[0]
        system = db.system(rec.positions)
        system.info = {"energy": rec.energy, "database": str(database)}
        write_system(out, system)
    result = {"database": str(database), "out": str(out), "energy": rec.energy,
              "kind": "minimum" if minimum is not None else "transition_state",
              "id": rec.id}
    emit(result, as_json, f"wrote {result['kind']} {result['id']} (E = {rec.energy:.8f}) "
                          f"to {out}")


def register(app: typer.Typer) -> None:
    """Add the ``db`` command group."""
    app.add_typer(db_app, name="db",
                  help="Landscape databases: list, graph, export, extract, rates.")
