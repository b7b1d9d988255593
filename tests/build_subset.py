"""build_job without the publications a test does not read: the project's own job, assets
and checks, fewer steps. What a skipped step publishes is proven by the tests that read it
(the session pipeline's, tests/conftest.py), so a test that only reads the marts does not
pay for the documentation and the site again."""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg

# What reads the snapshot only to publish it further: the delegates' site, the relances, and
# the analysts' documentation (dbt docs, beside the marts).
PUBLICATIONS = ("dashboards_site", "return_reminders", "analysts_documentation")


def run_build_job(instance: dg.DagsterInstance, *, skip: Iterable[str] = PUBLICATIONS) -> None:
    from orchestration.definitions import defs

    job = defs.resolve_job_def("build_job")
    skipped = {dg.AssetKey(k) for k in skip}
    assert skipped <= job.asset_layer.selected_asset_keys, skipped  # names still in the job
    result = job.get_subset(
        asset_selection=job.asset_layer.selected_asset_keys - skipped
    ).execute_in_process(instance=instance, raise_on_error=False)
    failed = [e.step_key for e in result.all_events if e.is_step_failure]
    assert result.success, f"build_job failed at {failed}"
