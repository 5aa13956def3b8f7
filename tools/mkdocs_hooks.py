"""MkDocs hooks for pelkit's documentation site (``make docs``).

Generated pages, added to the site at build time (nothing is written into ``docs/``):

* ``api/<module>.md``: one page per public module of ``src/pelkit`` (no leading underscore),
  rendered by mkdocstrings from the docstrings;
* ``cli.md``: every command of the ``pelkit`` Typer app with its arguments and options;
* ``gallery.md``: the study figures found in ``runs/*/figures`` (a run folder of
  ``pelkit study run``), or how to make them.

Every hand-written page in ``docs/*.md`` is picked up by MkDocs itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "pelkit"


def _modules() -> list[str]:
    names = []
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        if any(p.startswith("_") and p != "__init__" for p in parts):
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def _api_pages() -> dict[str, str]:
    pages = {}
    modules = _modules()
    index = ["# API reference", "", "Generated from the docstrings of every public module.", ""]
    for name in modules:
        uri = f"api/{name}.md"
        pages[uri] = f"::: {name}\n"
        depth = name.count(".")
        index.append(f"{'    ' * max(depth - 1, 0)}- [{name}]({name}.md)")
    pages["api/index.md"] = "\n".join(index) + "\n"
    return pages


def _param_line(param: Any) -> str:
    if param.param_type_name == "argument":
        name = (param.metavar or param.name or "").upper()
        return f"| `{name}` | argument | {getattr(param, 'help', '') or ''} |"
    names = ", ".join(f"`{opt}`" for opt in [*param.opts, *param.secondary_opts])
    default = ""
    if not getattr(param, "is_flag", False) and param.default not in (None, (), ""):
        default = f" (default: `{param.default}`)"
    text = (param.help or "").replace("|", "\\|").replace("\n", " ")
    return f"| {names} | option | {text}{default} |"


def _command_sections(group: Any, prefix: str, level: int, out: list[str]) -> None:
    for name in sorted(group.commands):
        cmd = group.commands[name]
        full = f"{prefix} {name}"
        out += [f"{'#' * level} `{full}`", ""]
        if cmd.help:
            out += [cmd.help.strip().replace("\b", ""), ""]
        if hasattr(cmd, "commands"):
            _command_sections(cmd, full, level + 1, out)
            continue
        params = [p for p in cmd.params if p.name != "help"]
        if params:
            out += ["| name | kind | meaning |", "| --- | --- | --- |"]
            out += [_param_line(p) for p in params]
            out.append("")


def _cli_page() -> str:
    import typer.main

    from pelkit.cli.app import app

    group = typer.main.get_command(app)
    out = [
        "# Command-line reference",
        "",
        "Generated from the `pelkit` Typer application; `pelkit COMMAND --help` prints the "
        "same. Bad input gives one line `pelkit: error: ...` on stderr and exit status 2.",
        "",
    ]
    _command_sections(group, "pelkit", 2, out)
    return "\n".join(out) + "\n"


def _gallery(site_dir: Path) -> tuple[str, list[tuple[str, Path]]]:
    figures = sorted((ROOT / "runs").glob("*/figures/*.png")) if (ROOT / "runs").is_dir() else []
    lines = [
        "# Gallery of study figures",
        "",
        "The figures a study run writes into `RUN/figures/` (`pelkit study run NAME --preset "
        "smoke|laptop|paper --out RUN`). This page shows those of the run folders under `runs/` "
        "when the site was built.",
        "",
    ]
    copies = []
    if not figures:
        lines += [
            "No run folder was present when this site was built. `make run` writes "
            "`runs/ka-laptop/figures/`; build the site again (`make docs`) to show them here.",
        ]
    for fig in figures:
        run = fig.parent.parent.name
        uri = f"gallery/{run}/{fig.name}"
        copies.append((uri, fig))
        lines += [f"## {run}: {fig.stem.replace('_', ' ')}", "", f"![{fig.stem}]({uri})", ""]
    return "\n".join(lines) + "\n", copies


def on_files(files: Files, config: Any) -> Files:
    """Add the generated API, CLI and gallery pages to the site."""
    for uri, content in _api_pages().items():
        files.append(File.generated(config, uri, content=content))
    files.append(File.generated(config, "cli.md", content=_cli_page()))
    gallery, copies = _gallery(Path(config["site_dir"]))
    files.append(File.generated(config, "gallery.md", content=gallery))
    for uri, source in copies:
        files.append(File.generated(config, uri, abs_src_path=str(source)))
    return files


def on_post_build(config: Any) -> None:
    """Nothing is left behind in docs/: the generated pages live only in the site."""
    stray = Path(config["docs_dir"]) / "api"
    if stray.is_dir() and not any(stray.iterdir()):
        shutil.rmtree(stray)
