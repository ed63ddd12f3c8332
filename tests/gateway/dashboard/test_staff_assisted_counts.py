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


def test_an_operator_makes_a_one_time_staff_qr_code_that_a_kiosk_accepts_once(app, client, hall, db, staff):
    import re

    import cv2
    import numpy as np

    from tests.gateway.dashboard.conftest import csrf_of

    seeded(app, db)
    assert "Only an operator" in staff("viewer").get("/dashboard/assist-qr").text
    operator = staff("operator")
    form = operator.get("/dashboard/assist-qr").text
    page = operator.post("/dashboard/assist-qr", data={"csrf": csrf_of(form), "staff_id": "demo-staff-01"}).text
    svg = page[page.index("<svg"):page.index("</svg>") + 6]
    # Read the QR code back from the drawn SVG path, like a scanner would from the phone's screen.
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    image = np.full((size, size), 255, dtype=np.uint8)
    for x, y in re.findall(r"M(\d+),(\d+)H", svg):
        image[int(y), int(x)] = 0
    image = cv2.resize(image, (size * 10, size * 10), interpolation=cv2.INTER_NEAREST)
    code, _points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert code.startswith("ASSIST1:") and code not in page.replace(svg, "")  # only the drawing carries it
    first = client.post(URL, json=body(credential_kind="qr", credential=code), headers=hall)
    assert first.status_code == 201, first.text
    again = client.post(URL, json=body(credential_kind="qr", credential=code), headers=hall)
    assert again.status_code == 403 and again.json()["error"]["code"] == "credential_used"
