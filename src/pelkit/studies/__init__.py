"""Paper-scale pipelines. Each study has presets (smoke, laptop, paper), a TOML-overridable
config, resumable Dask tasks, an ``analyze`` step working only from stored task results, figures
and a report. ``STUDIES`` maps the CLI names to their packages."""

STUDIES = {
    "ka-landscape": "pelkit.studies.ka_landscape",
    "tls-qlm": "pelkit.studies.tls_qlm",
    "soft-modes": "pelkit.studies.soft_modes",
    "ka-entropy": "pelkit.studies.ka_entropy",
}
