"""Benchmark harnesses: development tools, not part of the service.

Outside the apps on purpose (STYLE.md 6b): not a management command of the production image,
not installed by pyproject.toml (its packages list names the apps only), not copied into the
Docker image (Dockerfile, .dockerignore). Run from the repository with `python -m bench`, as
`make bench-import` and `make bench-dashboard` do; docs/performance.md records the figures.
"""
