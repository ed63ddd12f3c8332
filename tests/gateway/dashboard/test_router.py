"""Dashboard routes against hostile input: integer path parameters beyond any row id."""
from __future__ import annotations

from tests.gateway.dashboard.conftest import csrf_of


def test_an_alert_id_beyond_64_bits_is_a_clear_422_not_a_500(staff):
    operator = staff("operator")
    csrf = csrf_of(operator.get("/dashboard").text)
    for alert_id in ("99999999999999999999", str(2 ** 63), "-1", "0"):
        response = operator.post(f"/dashboard/alerts/{alert_id}/ack", data={"csrf": csrf}, follow_redirects=False)
        assert response.status_code == 422, (alert_id, response.status_code)
    biggest = operator.post(f"/dashboard/alerts/{2 ** 63 - 1}/ack", data={"csrf": csrf}, follow_redirects=False)
    assert biggest.status_code == 404
