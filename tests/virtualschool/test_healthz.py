import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from virtualschool import health


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client, settings):
    # The suite's real Redis, at REDIS_URL (make test starts one if none answers there);
    # unauthenticated, like a load balancer.
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL="")
def test_healthz_without_a_broker_says_tasks_run_in_process(client):
    assert client.get(reverse("healthz")).json()["broker"] == health.NOT_CONFIGURED


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_healthz_reports_an_unreachable_broker(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["broker"] == health.UNAVAILABLE


@pytest.mark.django_db(transaction=True)
def test_healthz_is_503_when_the_database_is_down(client):
    """Point the connection at a port nothing listens on: a real failed connection."""
    settings_dict = connection.settings_dict
    saved = (settings_dict["HOST"], settings_dict["PORT"])
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", "1"
    try:
        response = client.get(reverse("healthz"))
    finally:
        connection.close()
        settings_dict["HOST"], settings_dict["PORT"] = saved
    assert response.status_code == 503
    assert response.json()["database"] == health.UNAVAILABLE


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=["virtualschool.example.gov.uk"], SECURE_SSL_REDIRECT=True)
def test_healthz_answers_a_load_balancer_calling_by_ip_over_http(client):
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    # Any other page still refuses an unknown host.
    assert client.get("/sign-in/", HTTP_HOST="10.0.0.7:8000").status_code == 400
