"""One-phase campaigns (soft-modes, ka-entropy): results stored, failures reported."""

from __future__ import annotations

import pytest

from pelkit.parallel import CampaignFailed, Task
from pelkit.studies.single_phase import run_single_phase


def square(x: float) -> dict:
    if x < 0:
        raise ValueError("negative input")
    return {"y": x * x}


def test_results_stored_and_a_failure_reported_after_the_others(tmp_path):
    tasks = [Task("a", {"x": 2.0}), Task("b", {"x": -1.0}), Task("c", {"x": 3.0})]
    with pytest.raises(CampaignFailed) as err:
        run_single_phase(tmp_path, "points", tasks, square, scheduler="sync")
    assert "negative input" in err.value.summary()
    stored = sorted(p.name for p in (tmp_path / "tasks" / "points").glob("*.npz"))
    assert stored == ["a.npz", "c.npz"]
    done = run_single_phase(tmp_path, "points", tasks[::2], square, scheduler="sync",
                            resume=True)
    assert done == {"points": tmp_path / "tasks" / "points"}
