"""The dashboard's count of staff-assisted checks per staff member and reason (/dashboard/help)."""
from __future__ import annotations

from tests.gateway.test_staff_assisted import URL, body, seeded


def test_the_dashboard_counts_checks_per_staff_member(app, client, hall, db, staff):
    seeded(app, db)
    for reason in ("elderly", "elderly", "camera_failure"):
        assert client.post(URL, json=body(reason=reason), headers=hall).status_code == 201
    page = staff("viewer").get("/dashboard/help").text
    row = page[page.index('data-staff="demo-staff-01"'):]
    row = row[:row.index("</tr>")]
    assert '<td class="total">3</td>' in row and "<td>2</td>" in row and "<td>1</td>" in row
