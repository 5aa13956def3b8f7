"""Configurational entropy of the Kob-Andersen liquid by thermodynamic integration (the s_c(e)
curve that Kob-Andersen landscape studies overlay on their Gaussian fit; Sciortino, Kob and
Tartaglia, Phys. Rev. Lett. 83, 3214 (1999); Sastry, Nature 409, 164 (2001)).

One task per state point (``tasks.state_task``): NVT runs along a high-T isotherm from the ideal
gas to rho = 1.2 and along the rho = 1.2 isochore down to t_min, with inherent structures and
their normal modes on the isochore. ``analysis.analyze`` integrates s(T), subtracts the harmonic
(and anharmonic) vibrational entropy, maps s_c(T) onto s_c(<e_IS>(T)), fits the Gaussian
landscape and extracts the Kauzmann temperatures.

Entry points used by ``pelkit study``: ``config.load_config(preset, config_file, **overrides)``,
``runner.run_study(cfg, out_dir, scheduler, resume, progress)``, ``analysis.analyze(out_dir,
cfg)``.
"""
