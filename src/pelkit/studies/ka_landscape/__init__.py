"""Local diffusivity and landscape of Kob-Andersen (seeds 004 and 000; SCIENCE.md section 5).

Phase A (per temperature and replica): build, equilibrate in NVT until the A-particle MSD passes
a target and e_IS shows no drift; record a pilot MSD. Phase B: production of length
~2 t_MSD=1 (t_MSD=1 from the replica-averaged pilot MSD of that temperature), quenching every
t_MSD=1/q to record e_IS(t), storing unwrapped positions for the MSD and computing the INM
spectrum (f_u, f_dw) on sampled instantaneous configurations. ``analysis`` then works only from
the stored task results.
"""
