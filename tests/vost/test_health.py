import pytest
from django.urls import reverse


def test_healthz_answers_without_touching_anything(
    client, db, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_503_without_a_worker(client, db, settings):
    # given no Celery worker is running (and a short wait)
    settings.READYZ_WORKER_TIMEOUT = 0.3
    # when
    response = client.get(reverse("readyz"))
    # then
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["components"]["database"]["ok"] is True
    assert body["components"]["database"]["detail"].startswith("postgis ")
    assert body["components"]["redis"]["ok"] is True
    assert body["components"]["worker"]["ok"] is False
    assert "no Celery worker answered" in body["components"]["worker"]["detail"]


def test_readyz_reports_redis_down(client, db, settings):
    # given Redis is unreachable (a closed local port)
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    settings.READYZ_WORKER_TIMEOUT = 0.3
    # when
    response = client.get(reverse("readyz"))
    # then
    assert response.status_code == 503
    assert response.json()["components"]["redis"]["ok"] is False


@pytest.mark.celery_worker
def test_readyz_is_200_with_database_redis_and_a_real_worker(client, celery_worker):
    # when
    response = client.get(reverse("readyz"))
    # then
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert {name for name, part in body["components"].items() if part["ok"]} == {
        "database",
        "redis",
        "worker",
    }
