"""build_job without what a test does not read: the project's own job, assets and checks,
fewer steps. What a skipped step builds or publishes is proven by the tests that read it
(the session pipeline's, tests/conftest.py, and tests/test_dbt_models.py), so a test that
reads a few marts does not pay for every mart, the documentation and the site again."""

from __future__ import annotations

import os
from collections.abc import Iterable

import dagster as dg

# What reads the snapshot only to publish it further: the delegates' site, the relances, and
# the analysts' documentation (dbt docs, beside the marts).
PUBLICATIONS = ("dashboards_site", "return_reminders", "analysts_documentation")
INDIRECT_SELECTION = "DBT_INDIRECT_SELECTION"  # read by dbt and dagster-dbt


def run_build_job(
    instance: dg.DagsterInstance,
    *,
    skip: Iterable[str] = PUBLICATIONS,
    marts: Iterable[str] | None = None,
) -> None:
    """build_job less the assets in `skip`; with `marts`, dbt builds only those marts and the
    models they are built from, with the dbt tests of those models alone (dbt's "cautious"
    indirect selection: a relationship test to a model left out waits for a full build)."""
    from orchestration.dbt_assets import quartiers_dbt
    from orchestration.definitions import defs

    job = defs.resolve_job_def("build_job")
    every = job.asset_layer.selected_asset_keys
    skipped = {dg.AssetKey(k) for k in skip}
    if marts is not None:
        wanted = {dg.AssetKey(["marts", m]) for m in marts}
        assert wanted <= every, wanted - every  # names still in the job
        upstream = dg.AssetSelection.assets(*wanted).upstream()
        skipped |= set(quartiers_dbt.keys) - upstream.resolve(defs.resolve_asset_graph())
    assert skipped <= every, skipped - every
    saved = os.environ.get(INDIRECT_SELECTION)
    if marts is not None:
        os.environ[INDIRECT_SELECTION] = "cautious"
    try:
        result = job.get_subset(asset_selection=every - skipped).execute_in_process(
            instance=instance, raise_on_error=False
        )
    finally:
        if saved is None:
            os.environ.pop(INDIRECT_SELECTION, None)
        else:
            os.environ[INDIRECT_SELECTION] = saved
    failed = [e.step_key for e in result.all_events if e.is_step_failure]
    assert result.success, f"build_job failed at {failed}"
