"""Registry portraits kept inside, proofs with their public verification page, and certificate printing write-back."""
from __future__ import annotations

import io

from PIL import Image

from tests.gateway.conftest import KIT, OBAMA
from tests.gateway.test_api_core import assert_error


def test_registry_portraits_stay_inside_the_gateway(client, hall, app):
    # The simulated registry reads the shared faces (JPEG as is, PNG re-encoded) for the gateway's own encoder...
    population = app.state.adapters.population
    for id_number in (OBAMA, "440305198001163458"):  # obama_1.jpg and a PNG re-encoded
        with Image.open(io.BytesIO(population.portrait_jpeg(id_number))) as image:
            assert image.format == "JPEG" and min(image.size) > 50
    assert population.portrait_jpeg("110105199001011232") is None
    # ...and no route hands one out: the old lookup answers the same for a person and for nobody.
    for id_number in (OBAMA, "110105199001011232"):
        assert_error(client.post("/v1/portraits/lookup", headers=hall, json={"id_number": id_number}),
                     404, "not_found")


def test_property_record_proof_and_its_public_page(client, obama):
    response = client.post("/v1/proofs", headers={**obama, "Idempotency-Key": "proof-1"},
                           json={"kind": "property_record"})
    assert response.status_code == 201
    proof = response.json()
    assert proof["holder_name"] == "欧阳明" and proof["id_number_masked"] == "1101**********1235"
    assert proof["properties"] and proof["verify_url"].endswith(proof["verification_code"])
    again = client.post("/v1/proofs", headers={**obama, "Idempotency-Key": "proof-1"}, json={"kind": "property_record"})
    assert again.json() == proof
    page = client.get(f"/verify/{proof['verification_code']}")
    assert page.status_code == 200 and 'data-valid="true"' in page.text
    assert "欧阳明" not in page.text and OBAMA not in page.text and "欧**" in page.text
    assert client.get("/verify/NOSUCHCODE22").status_code == 404


def test_no_property_proof_only_for_someone_without_property(client, obama, token_for, hall):
    assert_error(client.post("/v1/proofs", headers={**obama, "Idempotency-Key": "np-1"}, json={"kind": "no_property"}),
                 409, "properties_exist")
    kit = {**hall, "X-Applicant-Token": token_for(KIT)}
    proof = client.post("/v1/proofs", headers={**kit, "Idempotency-Key": "np-2"}, json={"kind": "no_property"}).json()
    assert proof["properties"] == [] and proof["kind"] == "no_property"
    assert "无登记的不动产" in client.get(f"/verify/{proof['verification_code']}").text
    assert_error(client.post("/v1/proofs", headers={**kit, "Idempotency-Key": "np-3"},
                             json={"kind": "property_record"}), 409, "no_properties")
    assert_error(client.post("/v1/proofs", headers={**kit, "Idempotency-Key": "np-4"}, json={"kind": "deed"}),
                 422, "invalid_request")


def test_certificate_print_and_serial_write_back(client, obama):
    cases = client.get("/v1/cases", headers=obama).json()["cases"]
    ready = next(c for c in cases if c["status"] == "certificate_ready")
    content = client.get(f"/v1/cases/{ready['case_id']}/certificate", headers=obama).json()
    assert content["certificate_no"] and content["holder_name"] == "欧阳明"
    headers = {**obama, "Idempotency-Key": "serial-1"}
    assert_error(client.post(f"/v1/cases/{ready['case_id']}/certificate/serial", headers=headers,
                             json={"serial": "bad serial"}), 422, "invalid_request")
    done = client.post(f"/v1/cases/{ready['case_id']}/certificate/serial", headers=headers, json={"serial": "D110012345"})
    assert done.json() == {"case_id": ready["case_id"], "serial": "D110012345", "status": "collected"}
    assert client.post(f"/v1/cases/{ready['case_id']}/certificate/serial", headers=headers,
                       json={"serial": "D110012345"}).json()["status"] == "collected"
    assert_error(client.get(f"/v1/cases/{ready['case_id']}/certificate", headers=obama), 409, "certificate_not_ready")
    case = client.get(f"/v1/cases/{ready['case_id']}", headers=obama).json()
    assert case["status"] == "collected" and case["timeline"][-1]["done"] is True


def test_no_log_line_carries_an_id_number_or_a_name(client, obama, hall, caplog):
    import logging
    caplog.set_level(logging.DEBUG)
    client.get("/v1/cases", headers=obama)
    client.post("/v1/identity-verifications", headers=hall,
                json={"id_number": OBAMA, "method": "face", "live_encodings": [[0.01] * 128, [0.02] * 128],
                      "liveness": {"passed": True, "turn": True}})
    client.post("/v1/applicant-tokens", headers=hall, json={"id_number": OBAMA[:-1] + "0", "method": "face"})
    client.post("/v1/proofs", headers={**obama, "Idempotency-Key": "log-1"}, json={"kind": "property_record"})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert OBAMA not in text and OBAMA[:-1] not in text and "欧阳明" not in text
