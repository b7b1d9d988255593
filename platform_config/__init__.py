"""The platform's configuration and plumbing, below `returns/`, `dashboards/`, `assets/` and
`orchestration/`: the settings read from QUARTIERS_* environment variables, the Dagster
resources that carry them, the dbt CLI, and the helper process of large batches (`workers`)."""
