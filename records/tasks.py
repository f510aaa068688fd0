"""The record's Celery tasks, for Celery's autodiscovery (virtualschool/celery.py).

Each task is defined beside the service it runs and only named here, so a service that queues
a task never imports this module: records.import_run and records.purge_import_files live in
records/services/imports.py.
"""

from records.services.imports import import_run, purge_import_files

__all__ = ["import_run", "purge_import_files"]
