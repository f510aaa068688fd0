"""Reads for the manager dashboards (attendance, exclusions, attainment): every figure is
aggregated in SQL from stored records and summaries, scoped by scope.py."""
