"""`python -m bench import|dashboard|returns|sharing|retention [flags]`: run one benchmark
(docs/performance.md).

Each benchmark is a Django command class run outside manage.py, so it takes the same flags
(and Django's own, such as --settings) and prints the same `name: value` lines as before.
Settings default to the local ones, as manage.py's do.
"""

from __future__ import annotations

import importlib
import os
import sys

BENCHMARKS = {
    "import": "bench.attendance_import",
    "dashboard": "bench.dashboard",
    "returns": "bench.returns",
    "sharing": "bench.sharing",
    "retention": "bench.retention",
}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in BENCHMARKS:
        sys.stderr.write(
            f"usage: python -m bench {{{','.join(BENCHMARKS)}}} [options] "
            "(python -m bench import --help for its options)\n"
        )
        sys.exit(2)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "virtualschool.settings.local")
    import django

    django.setup()
    command = importlib.import_module(BENCHMARKS[argv[0]]).Command()
    command.run_from_argv(["python -m bench", argv[0], *argv[1:]])


if __name__ == "__main__":
    main()
