import logging

import pytest
from django.urls import reverse

from vost.logging import RequestIdFilter


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.addFilter(RequestIdFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def captured():
    handler = _Capture()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_request_id_from_a_proxy_is_echoed_and_logged(client, db, captured):
    # when a request fails while carrying a well-formed id
    response = client.get("/no-such-page/", headers={"X-Request-ID": "abc-12345678"})
    # then
    assert response.status_code == 404
    assert response["X-Request-ID"] == "abc-12345678"
    assert [r.request_id for r in captured.records] == ["abc-12345678"]


def test_malformed_request_id_is_replaced(client, db):
    # when the header carries junk (log injection attempt)
    response = client.get(
        reverse("healthz"), headers={"X-Request-ID": "bad id\nINFO forged"}
    )
    # then a fresh 32-hex id is used
    assert response["X-Request-ID"] != "bad id\nINFO forged"
    assert len(response["X-Request-ID"]) == 32


def test_each_request_gets_its_own_id(client, db):
    first = client.get(reverse("healthz"))["X-Request-ID"]
    second = client.get(reverse("healthz"))["X-Request-ID"]
    assert first != second
