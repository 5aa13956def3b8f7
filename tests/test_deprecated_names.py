"""Names renamed to say what they compute: the old names work for one release, with a warning."""

import importlib

import pytest

RENAMED = [
    ("pelkit.analysis.diffusion", "seed004_local_diffusion", "two_pass_local_diffusion"),
    ("pelkit.analysis.relations", "D_INF_SEED004", "D_INF_KA_PUBLISHED"),
    ("pelkit.theory.soft_potential", "eq20_residual", "soft_mode_stability_residual"),
    ("pelkit.theory.soft_potential", "SEED_GLASSES", "BUCHENAU_GLASSES"),
    ("pelkit.studies.ka_entropy.analysis", "SEED004", "KA_PUBLISHED_LANDSCAPE"),
    ("pelkit.studies.ka_landscape.report", "seed_model_at", "paper_model_at"),
]


@pytest.mark.parametrize(("module", "old", "new"), RENAMED)
def test_old_name_warns_and_is_the_new_object(module, old, new):
    mod = importlib.import_module(module)
    with pytest.warns(DeprecationWarning, match=new):
        obj = getattr(mod, old)
    assert obj is getattr(mod, new)
    if hasattr(mod, "__all__"):
        assert new in mod.__all__ and old not in mod.__all__


def test_unknown_name_still_raises_attribute_error():
    mod = importlib.import_module("pelkit.analysis.relations")
    with pytest.raises(AttributeError):
        mod.no_such_name  # noqa: B018
