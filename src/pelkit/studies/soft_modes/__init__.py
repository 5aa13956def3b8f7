"""Soft localized vibrations of a soft-sphere glass (Buchenau, Philos. Mag. B 65, 303 (1992),
Figs 5-6; Laird and Schober, Phys. Rev. Lett. 66, 636 (1991)).

One task per glass (``tasks.glass_task``): liquid equilibrated, quenched to its inherent
structure, all modes of the dense Hessian, the quartic fit along the softest modes.
``analysis.analyze`` pools the glasses per size: density of states (all and extended modes),
participation against frequency, localisation of the lowest modes, and the soft-potential
parameters of the softest modes against the stability line of Buchenau's eq 20.

Entry points used by ``pelkit study``: ``config.load_config(preset, config_file, **overrides)``,
``runner.run_study(cfg, out_dir, scheduler, resume, progress)``, ``analysis.analyze(out_dir,
cfg)``.
"""
