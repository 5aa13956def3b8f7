"""`pelkit --help` and every subcommand's help read as one tool (issue 11, item 7): the same
option name has the same help text everywhere (documented exceptions only), units are given,
`--out` always has `-o`, list options follow one convention, and command descriptions render
as one paragraph."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from pelkit.cli.common import LIST_HELP

#: Options whose help text names a command-specific object, with the reason and a pattern the
#: help must still match (so that, e.g., every temperature gives its unit).
ALLOWED_VARIANTS = {
    "--out": ("names the file the command writes", r"."),
    "--db": ("says what the command stores", r"Landscape database \(SQLite\)"),
    "--method": ("each command has its own algorithms", r"."),
    "--max-iterations": ("limits a different algorithm", r"^Stop "),
    "--steps": ("MD steps in md, Monte Carlo steps in basin-hopping", r"steps \(0: "),
    "--levels": ("disconnectivity levels vs quantum levels", r"levels"),
    "--points": ("profile points vs curve points", r"[Pp]oints"),
    "--device": ("the default differs (study run: the config's)", r"^cpu, gpu or auto"),
    "--temperature": ("MC, free-energy and file-unit temperatures", r"k_B"),
}


def _commands() -> dict:
    from typer.main import get_command

    from pelkit.cli.app import app

    found = {}

    def walk(group, prefix):  # noqa: ANN001, ANN202
        for name, cmd in group.commands.items():
            if hasattr(cmd, "commands"):
                walk(cmd, [*prefix, name])
            else:
                found[" ".join([*prefix, name])] = cmd

    walk(get_command(app), [])
    return found


COMMANDS = _commands()


def _options(cmd) -> list:  # noqa: ANN001
    return [p for p in cmd.params if p.param_type_name == "option" and p.opts[0] != "--help"]


def test_every_command_is_walked():
    assert {"build", "md", "quench", "energy", "models", "modes", "msd", "convert", "swap-mc",
            "tunnel", "neb", "saddle", "connect", "basin-hopping", "db list", "db graph",
            "db export", "db extract", "db rates", "theory rem", "theory hypercube",
            "theory soft-potential", "theory master-equation", "study list", "study run",
            "study analyze"} <= set(COMMANDS)


def test_same_option_same_help_everywhere():
    helps: dict[str, dict[str, str]] = defaultdict(dict)
    for name, cmd in COMMANDS.items():
        for p in _options(cmd):
            assert p.help, f"{name} {p.opts[0]} has no help text"
            helps[p.opts[0]][name] = p.help
        for p in cmd.params:
            if p.param_type_name == "argument":
                assert getattr(p, "help", None), f"{name} argument {p.name} has no help text"
                if p.help.startswith("Configuration file"):  # one name for one kind of input
                    assert p.name == "path", (name, p.name)
    shared = {opt: by_cmd for opt, by_cmd in helps.items() if len(by_cmd) > 1}
    assert {"--json", "--model", "--scheme", "--species-map", "--fmax", "--seed", "--quiet",
            "--plot", "--out", "--temperature"} <= set(shared)
    for opt, by_cmd in shared.items():
        if opt in ALLOWED_VARIANTS:
            pattern = ALLOWED_VARIANTS[opt][1]
            bad = {c: h for c, h in by_cmd.items() if not re.search(pattern, h)}
            assert not bad, (opt, bad)
        else:
            assert len(set(by_cmd.values())) == 1, (opt, by_cmd)


def test_short_forms_and_units_are_the_same_everywhere():
    for name, cmd in COMMANDS.items():
        for p in _options(cmd):
            opts = set(p.opts)
            if "--out" in opts:
                assert "-o" in opts, f"{name}: --out without -o"
            if "--temperature" in opts:
                assert "-T" in opts, name
            if "--model" in opts:
                assert "-m" in opts and not name.startswith("theory"), name
            if "-n" in opts:  # -n is the particle count of build, nothing else
                assert name == "build", name
            if "--fmax" in opts or "--endpoint-fmax" in opts:
                assert "eps/sigma" in p.help, (name, p.help)
            if p.opts[0] in ("--dt", "--times"):
                assert "tau" in p.help or "rate unit" in p.help, (name, p.help)


def test_list_options_follow_one_convention(cli):
    lists = {f"{name} {p.opts[0]}": p for name, cmd in COMMANDS.items() for p in _options(cmd)
             if p.multiple}
    assert {"theory hypercube --beta", "theory rem --temperatures", "db rates --source",
            "theory master-equation --times"} <= set(lists)
    for key, p in lists.items():
        assert LIST_HELP in p.help, (key, p.help)
    # repeated and comma-separated give the same list, for every theory list option
    a = cli("theory", "hypercube", "--beta", "0.2,0.5", "--json").json()
    b = cli("theory", "hypercube", "--beta", "0.2", "--beta", "0.5", "--json").json()
    assert a == b
    line = cli("theory", "hypercube", "--beta", "0.2,warm").one_error_line()
    assert "--beta" in line and "'warm'" in line


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_help_renders_as_one_tool(cli, name):
    cmd = COMMANDS[name]
    doc = (cmd.help or "").strip()
    assert doc, f"{name} has no description"
    first = doc.split("\n\n")[0]
    assert "\n" not in first, f"{name}: the summary line wraps in `pelkit --help`: {first!r}"
    # Rich keeps a docstring line that starts with "-" as its own line (a list item)
    assert not [ln for ln in doc.splitlines() if ln.strip().startswith("-")], name
    assert "``" not in doc, f"{name}: reST markup in the help"
    res = cli(*name.split(), "--help")
    assert res.exit_code == 0 and "Usage: pelkit " + name in " ".join(res.stdout.split())


def test_every_command_is_written_with_cli_command():
    from pelkit.cli.app import app

    def callbacks(typer_app, prefix):  # noqa: ANN001, ANN202
        for info in typer_app.registered_commands:
            yield " ".join([*prefix, info.name or info.callback.__name__]), info.callback
        for group in typer_app.registered_groups:
            yield from callbacks(group.typer_instance, [*prefix, group.name])

    found = dict(callbacks(app, []))
    assert set(found) == set(COMMANDS)
    plain = [name for name, cb in found.items() if not getattr(cb, "pelkit_cli_command", False)]
    assert not plain, f"not on @cli_command: {plain}"


def test_study_commands_keep_their_exits(cli, tmp_path, monkeypatch):
    """`study run` on @cli_command: an incomplete campaign is still its summary and exit 1, bad
    input one line and exit 2."""
    import pelkit.cli.study as study
    from pelkit.parallel import CampaignFailed

    def failing(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise CampaignFailed({"equilibrate/T0.8": "ValueError: boom"})

    monkeypatch.setitem(study.RUNNERS, "ka-landscape", failing)
    res = cli("study", "run", "ka-landscape", "--preset", "smoke", "-o", tmp_path / "r", "-q")
    assert res.exit_code == 1
    assert res.stderr.startswith("pelkit: error: campaign incomplete: 1 task(s) failed")
    assert "failed equilibrate/T0.8: ValueError: boom" in res.stderr
    line = cli("study", "analyze", tmp_path).one_error_line()
    assert "not a study run folder" in line
    assert cli("study", "list", "--json").json()  # the registry, as JSON
