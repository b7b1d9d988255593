"""Deterministic, fictitious demo data for the platform: see `demodata.generator.generate_demo`."""
