"""The Celery application. Tasks are discovered in each app's tasks.py.

DJANGO_SETTINGS_MODULE comes from the environment (the image and docker-compose.yml set it);
importing this module never chooses settings, so `python -m virtualschool.devdb -- pytest`
keeps the settings its caller gave it.
"""

from celery import Celery

app = Celery("virtualschool")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
