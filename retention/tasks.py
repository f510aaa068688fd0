"""Retention's Celery task, for autodiscovery (virtualschool/celery.py): defined beside the
service it runs."""

from retention.services import retention_sweep_task

__all__ = ["retention_sweep_task"]
