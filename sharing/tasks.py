"""Sharing's Celery tasks, for Celery's autodiscovery (virtualschool/celery.py): each lives
beside the service it runs (sharing/extracts.py) and is only named here."""

from sharing.extracts import extract_build_task, purge_extract_files_task

__all__ = ["extract_build_task", "purge_extract_files_task"]
