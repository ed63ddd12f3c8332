"""Cost of the electronic seal per document: building the unsigned PDF (the floor) against building and sealing it
(PAdES signature with an RSA-2048 key, the visible seal image, an RFC 3161 timestamp from the local demo TSA).

Run: .venv/bin/python bench/bench_seal.py [--rounds N]

Both sides build the same document from the same record in the same run, so the ratio is the seal's own cost.
The local TSA signs in process: against a real TSA add one network round trip per document.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway import proof_documents, seal_pki  # noqa: E402
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
    "acceptance_receipt": lambda: proof_documents.acceptance_receipt_pdf({
        "case_id": "BDC2026010001", "title": "存量房转移登记", "applicant_name": "欧阳明",
        "id_number_masked": "1101**********1235", "property_address": "北京市朝阳区幸福路8号2单元301室",
        "received_on": "2026-11-23", "time_limit_working_days": 10, "due_on": "2026-12-07", "office": OFFICE,
        "issued_at": "2026-11-23T10:30:00+08:00", "verify_url": "https://gw.example/verify"}),
}


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
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        pki = seal_pki.create_seal_pki(Path(tmp) / "seal", OFFICE, "http://127.0.0.1:9/seal/ca.crl")
        seal = Seal.load(SealFiles(pki), OFFICE)
        trust = SealTrust(pki)
        print(f"{'document':<20} {'unsigned ms':>12} {'sealed ms':>10} {'ratio':>6} {'verify ms':>10} {'bytes +':>8}")
        for name, build in RECORDS.items():
            sealed = seal.seal_pdf(build(), box=proof_documents.SEAL_BOX, reason="bench")  # warm caches
            assert check_seal(sealed, trust).verdict is Verdict.VALID
            floor = _median_ms(build, args.rounds)
            total = _median_ms(lambda: seal.seal_pdf(build(), box=proof_documents.SEAL_BOX, reason="bench"),
                               args.rounds)
            verify = _median_ms(lambda: check_seal(sealed, trust), max(3, args.rounds // 3))
            print(f"{name:<20} {floor:>12.1f} {total:>10.1f} {total / floor:>5.1f}x {verify:>10.1f} "
                  f"{len(sealed) - len(build()):>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
