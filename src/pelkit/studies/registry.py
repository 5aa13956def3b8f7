"""The registry of paper-scale studies: what each reproduces, its presets and their run times.

``pelkit study list|run|analyze`` dispatch through :data:`STUDIES` (no if/elif on names). A new
study adds one :class:`StudyInfo` here with :func:`register_study`; the command-line bodies that
run and analyse it are registered beside it in ``pelkit.cli.study``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class StudyInfo:
    """One study.

    Attributes:
        name: the study's name on the command line (``pelkit study run NAME``).
        description: one line saying what it computes.
        reproduces: the published result it reproduces (authors, journal, year, figure).
        presets: preset name -> expected wall time (and on what hardware), in listing order.
        default_preset: the preset ``study run`` uses without ``--preset``.
    """

    name: str
    description: str
    reproduces: str
    presets: dict[str, str] = field(default_factory=dict)
    default_preset: str = "laptop"

    def as_dict(self) -> dict[str, Any]:
        """Plain dictionary (``study list --json``)."""
        return asdict(self)


STUDIES: dict[str, StudyInfo] = {}


def register_study(info: StudyInfo) -> StudyInfo:
    """Add (or replace) a study in :data:`STUDIES`; returns it."""
    STUDIES[info.name] = info
    return info


def _register_builtin() -> None:
    from pelkit.studies.ka_landscape.config import PRESETS as KA_PRESETS
    from pelkit.studies.ka_landscape.config import RUN_TIMES as KA_RUN_TIMES

    register_study(StudyInfo(
        name="ka-landscape",
        description="Kob-Andersen N = 155: local diffusivity against inherent-structure energy, "
        "with instantaneous normal modes",
        reproduces="'Investigation of the relation between local diffusivity and local "
        "inherent structures in the Kob-Andersen Lennard-Jones model' (1000 trajectories of "
        "N = 155; Figs 1-5: P(e_IS, T), D_i against e_IS,i, collapse, s_c(e), <D><1/D>) on the "
        "model of Kob & Andersen, Phys. Rev. E 51, 4626 (1995)",
        presets={name: KA_RUN_TIMES.get(name, "not measured") for name in KA_PRESETS},
    ))
    register_study(StudyInfo(
        name="tls-qlm",
        description="swap glasses: two-level systems against quasi-localized modes, NEB "
        "double wells, tunnel splittings",
        reproduces="Khomenko, Reichman & Zamponi, 'Relationship between two-level systems and "
        "quasi-localized normal modes in glasses', Phys. Rev. Materials 5, 055602 (2021): "
        "double wells, tunnel splittings and their overlap with quasi-localized modes",
        presets={
            "smoke": "about a minute on 2 cores (measured)",
            "laptop": "about 30 minutes on 2 cores (measured; almost all NEB)",
            "paper": "days of core time: a cluster (estimate)",
        },
    ))
    register_study(StudyInfo(
        name="soft-modes",
        description="soft-sphere glasses: vibrational density of states, participation and "
        "localisation of the lowest modes, quartic fits against the soft-potential stability "
        "line",
        reproduces="Laird & Schober, Phys. Rev. Lett. 66, 636 (1991), as used by Buchenau, "
        "Phil. Mag. B 65, 303 (1992), Figs 5-6 and 8 (lowest modes on ~100 atoms, "
        "participation ~0.2 at N = 500 and ~0.1 at N = 1000)",
        presets={
            "smoke": "under a minute on 2 cores (measured; N = 128 and 256)",
            "laptop": "minutes on 2 cores (measured with 3 of its 6 glasses per size)",
            "paper": "hours on 2 cores, 50 glasses per size (estimate)",
        },
    ))
    register_study(StudyInfo(
        name="ka-entropy",
        description="Kob-Andersen configurational entropy by thermodynamic integration from "
        "the ideal gas minus the harmonic (and anharmonic) vibrational entropy of the inherent "
        "structures; s_c(e_IS) against the Gaussian landscape, Kauzmann temperatures",
        reproduces="Sciortino, Kob & Tartaglia, Phys. Rev. Lett. 83, 3214 (1999); the s_c(e) "
        "curve overlaid in the ka-landscape study's Fig 4",
        presets={
            "smoke": "under a minute on 2 cores (measured; high temperatures only)",
            "laptop": "15-30 minutes on 2 cores (measured: 1000 s on a loaded machine)",
            "paper": "a day of core time, N = 1000 down to T = 0.45 (estimate)",
        },
    ))


_register_builtin()
