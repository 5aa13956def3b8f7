"""Local diffusivity and landscape of Kob-Andersen (docs/physics/ka-landscape.md).

The pipeline of "Investigation of the relation between local diffusivity and local inherent
structures in the Kob-Andersen Lennard-Jones model" (the KA local-diffusivity paper, N = 155),
with the INM relations of Keyes (c. 2000) on the same trajectories.

Phase A (per temperature and replica): build, equilibrate in NVT until the A-particle MSD passes
a target and e_IS shows no drift; record a pilot MSD. Phase B: production of length
~2 t_MSD=1 (t_MSD=1 from the replica-averaged pilot MSD of that temperature), quenching every
t_MSD=1/q to record e_IS(t), storing unwrapped positions for the MSD and computing the INM
spectrum (f_u, f_dw) on sampled instantaneous configurations. ``analysis`` then works only from
the stored task results.
"""
