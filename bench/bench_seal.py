"""Cost of the electronic seal per document: building the unsigned PDF (the floor) against building and sealing it
(PAdES signature with an RSA-2048 key, the visible seal image, an RFC 3161 timestamp from the local demo TSA).

Run: .venv/bin/python bench/bench_seal.py [--rounds N] [--only TYPE ...]  (every sealed document type by default)

Both sides build the same document from the same record in the same run, in alternation, so the ratio is the seal's
own cost over the floor (ratio 1.0 would be a free seal).
The local TSA signs in process: against a real TSA add one network round trip per document.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway import e_certificates, proof_documents, seal_pki  # noqa: E402
from gateway.national_formats import make_e_certificate_id  # noqa: E402
from gateway.seal import Seal, SealFiles  # noqa: E402
from gateway.seal_check import SealTrust, Verdict, check_seal  # noqa: E402

OFFICE = "不动产登记中心（演示）"
RECORDS = {
    "property_record": lambda: proof_documents.property_proof_pdf("property_record", {
        "proof_id": "PF0001", "verification_code": "V7K2-9QXM-4TB8", "verify_url": "https://gw.example/verify/V7K2",
        "issued_at": "2026-11-23T10:30:00+08:00", "office": OFFICE, "holder_name": "欧阳明",
        "id_number_masked": "1101**********1235", "purpose": "school", "properties": [
            {"certificate_no": f"京（2026）朝阳区不动产权第001000{i}号", "unit_no": f"110105001001GB0000{i}F00010{i}01",
             "address": "北京市朝阳区幸福路8号2单元301室", "share": "单独所有", "right_type": "国有建设用地使用权/房屋所有权",
             "usage": "住宅", "area_m2": "89.50", "registered_on": "2026-01-05", "term_start": "2000-01-01",
             "term_end": "2070-01-01", "restrictions": [{"kind": "mortgage", "holder": "中国建设银行 示范支行",
                                                         "amount_fen": 150_000_000, "ends_on": "2046-01-05"}]}
            for i in range(1, 4)]}),
    "no_property": lambda: proof_documents.property_proof_pdf("no_property", {
        "proof_id": "PF0002", "verification_code": "N3P8-2WQX-7KD4", "verify_url": "https://gw.example/verify/N3P8",
        "issued_at": "2026-11-23T10:30:00+08:00", "office": OFFICE, "holder_name": "Kit Harington",
        "id_number_masked": "GBR1**********13", "purpose": "household", "properties": []}),
    "mortgage_certificate": lambda: proof_documents.mortgage_proof_pdf({
        "proof_id": "PF0003", "verification_code": "M5R2-8XKQ-3TW9", "verify_url": "https://gw.example/verify/M5R2",
        "issued_at": "2026-11-23T10:30:00+08:00", "office": OFFICE, "holder_name": "白德华",
        "id_number_masked": "3101**********2341", "certificate_no": "沪（2026）浦东新区不动产证明第0000001号",
        "mortgagee": "中国建设银行 示范支行", "address": "上海市浦东新区世纪大道100号",
        "property_certificate_no": "沪（2021）浦东新区不动产权第0054321号", "area_m2": "118.40",
        "loan_amount_fen": 120_000_000, "term_months": 240, "recorded_on": "2026-11-20", "case_id": "BDC2026049001"}),
    "e_certificate": lambda: e_certificates.e_certificate_pdf(e_certificates.CaseRecord(
        case_id="BDC2026010006", kind="first_registration", title="首次登记",
        certificate_no="京（2026）朝阳区不动产权第0010006号", holder_name="欧阳明", id_number="110105196108041235",
        property_address="北京市朝阳区翠湖小区9幢502室", area_m2="156.20", price_fen=0,
        received_on=dt.date(2026, 11, 2), registered_on=dt.date(2026, 11, 9), office=OFFICE),
        now=dt.datetime(2026, 11, 23, 2, 30, tzinfo=dt.timezone.utc),
        identifier=str(make_e_certificate_id("11100000MB0143028E001", "12441900MB2C12345X", "BDC2026010006"))),
    "acceptance_receipt": lambda: proof_documents.acceptance_receipt_pdf({
        "case_id": "BDC2026010001", "title": "存量房转移登记", "applicant_name": "欧阳明",
        "id_number_masked": "1101**********1235", "property_address": "北京市朝阳区幸福路8号2单元301室",
        "received_on": "2026-11-23", "time_limit_working_days": 10, "due_on": "2026-12-07", "office": OFFICE,
        "issued_at": "2026-11-23T10:30:00+08:00", "verify_url": "https://gw.example/verify"}),
}


def _paired_medians_ms(floor, measured, rounds: int) -> tuple[float, float]:
    """Median times of floor() and measured(), run in alternation so a change in the machine's load falls on both."""
    floor_times, measured_times = [], []
    for _ in range(rounds):
        for fn, times in ((floor, floor_times), (measured, measured_times)):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(floor_times), statistics.median(measured_times)


def _median_ms(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--only", nargs="*", choices=sorted(RECORDS), help="document types to measure (default: all)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        pki = seal_pki.create_seal_pki(Path(tmp) / "seal", OFFICE, "http://127.0.0.1:9/seal/ca.crl")
        seal = Seal.load(SealFiles(pki), OFFICE)
        trust = SealTrust(pki)
        print(f"{'document':<20} {'unsigned ms':>12} {'sealed ms':>10} {'ratio':>6} {'verify ms':>10} {'bytes +':>8}")
        for name in args.only or RECORDS:
            build = RECORDS[name]
            sealed = seal.seal_pdf(build(), box=proof_documents.SEAL_BOX, reason="bench")  # warm caches
            assert check_seal(sealed, trust).verdict is Verdict.VALID
            floor, total = _paired_medians_ms(
                build, lambda: seal.seal_pdf(build(), box=proof_documents.SEAL_BOX, reason="bench"), args.rounds)
            verify = _median_ms(lambda: check_seal(sealed, trust), max(3, args.rounds // 3))
            print(f"{name:<20} {floor:>12.1f} {total:>10.1f} {total / floor:>5.1f}x {verify:>10.1f} "
                  f"{len(sealed) - len(build()):>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
