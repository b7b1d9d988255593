"""The cooperation survey: a second source beside the returns (questionnaire contract, export
readers, validation and privacy). Pure Python: no Dagster, no warehouse."""
