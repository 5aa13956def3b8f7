"""One-phase campaigns: every task of a study in one folder, run through the campaign layer.

Used by the studies whose tasks do not depend on each other (``soft-modes``: one task per glass;
``ka-entropy``: one task per state point). Finished results are kept on ``resume``; a task that
fails is reported (:class:`~pelkit.parallel.CampaignFailed`) after the others finished, since the
analysis needs every result.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pelkit.parallel import CampaignRunner, Task

Progress = Callable[[str, int, int], None]


def run_single_phase(
    out_dir: Path,
    phase: str,
    tasks: Sequence[Task],
    func: Callable[..., dict[str, Any]],
    *,
    scheduler: Any = "local",
    workers: int | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    recompute: bool = False,
) -> dict[str, Path]:
    """Run ``func`` on ``tasks`` into ``out_dir/tasks/<phase>``; returns ``{phase: folder}``.

    ``progress(phase, done, total)`` is called as tasks finish; the campaign's wall time (s)
    goes to ``out_dir/tasks/timing.json``. ``resume`` keeps stored results whose fingerprint
    matches (:class:`~pelkit.parallel.Task` ``inputs``); ``recompute`` reruns the mismatched ones
    instead of refusing them.
    """
    out_dir = Path(out_dir)
    runner = CampaignRunner(out_dir / "tasks" / phase, scheduler, workers)
    t0 = time.perf_counter()

    def update(done: int, total: int) -> None:
        if progress is not None:
            progress(phase, done, total)

    runner.run(list(tasks), func, resume=resume, progress=update,
               recompute=recompute).raise_failures()
    (out_dir / "tasks" / "timing.json").write_text(
        json.dumps({"campaign_wall_time_s": time.perf_counter() - t0})
    )
    return {phase: runner.directory}
