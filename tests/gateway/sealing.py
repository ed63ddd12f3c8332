"""Test helpers for sealed documents: a seal PKI per test folder, poppler's pdfsig with an NSS database that trusts
the demo CA, the three ways a sealed file goes wrong, and pdftotext."""
from __future__ import annotations

import http.server
import io
import shutil
import subprocess
import threading
from pathlib import Path

from pyhanko.pdf_utils.generic import pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from gateway import seal_pki

OFFICE = "不动产登记中心（演示）"
CRL_URL = "http://127.0.0.1:9/seal/ca.crl"  # never fetched: verifiers get the CRL handed in


def make_pki(directory: Path, office: str = OFFICE, ca_name: str = "不动产登记电子签章演示CA") -> Path:
    return seal_pki.create_seal_pki(directory, office, CRL_URL, ca_name=ca_name)


def copy_pki(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def nss_trusting(directory: Path, ca_pem: Path) -> Path:
    """An NSS database (what pdfsig checks certificates with) that trusts ca_pem for signing."""
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"], check=True,
                   capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{directory}", "-n", "seal-ca", "-t", "CT,C,C", "-i", str(ca_pem)],
                   check=True, capture_output=True)
    return directory


def nss_with_crl(directory: Path, crl: Path) -> Path:
    """Imports a CRL (DER) into the NSS database, so pdfsig checks the seal certificate against it."""
    subprocess.run(["crlutil", "-I", "-d", f"sql:{directory}", "-i", str(crl), "-B"], check=True, capture_output=True)
    return directory


def pdfsig(pdf: bytes, tmp: Path, nssdir: Path | None = None) -> str:
    path = tmp / f"pdfsig-{len(list(tmp.glob('pdfsig-*')))}.pdf"
    path.write_bytes(pdf)
    command = ["pdfsig"] + (["-nssdir", f"sql:{nssdir}"] if nssdir else []) + [str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60).stdout


def pdftotext(pdf: bytes, tmp: Path) -> str:
    path = tmp / f"text-{len(list(tmp.glob('text-*')))}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout


def flip_signed_byte(pdf: bytes) -> bytes:
    """Changes one character inside the signed bytes (the producer string of the document information)."""
    marker = b"ReportLab PDF Library"
    at = pdf.index(marker)
    return pdf[:at] + b"ReportLab PDF Librarx" + pdf[at + len(marker):]


def append_overlay(pdf: bytes) -> bytes:
    """An update appended after the seal that draws over the last page (what a forger with a PDF editor does)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    from pyhanko.pdf_utils.generic import StreamObject

    page_ref = writer.find_page_for_modification(-1)[0]
    overlay = writer.add_object(StreamObject(stream_data=b"BT /F1 24 Tf 100 400 Td (999999) Tj ET"))
    page = page_ref.get_object()
    contents = page["/Contents"]
    from pyhanko.pdf_utils.generic import ArrayObject

    page["/Contents"] = ArrayObject(list(contents) if isinstance(contents, ArrayObject) else [page.raw_get("/Contents")])
    page["/Contents"].append(overlay)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class LoopbackTsa:
    """An RFC 3161 time-stamping authority over HTTP on 127.0.0.1 (port chosen by the OS): pyHanko's test-grade TSA
    behind http.server, signing with the seal folder's TSA key. What production's --seal-tsa-url talks to."""

    def __init__(self, pki: Path):
        from asn1crypto import tsp
        from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        stamper = DummyTimeStamper(
            tsa_cert=load_cert_from_pemder(str(pki / seal_pki.TSA_CERT)),
            tsa_key=load_private_key_from_pemder(str(pki / seal_pki.TSA_KEY), None),
            certs_to_embed=SimpleCertificateStore.from_certs([load_cert_from_pemder(str(pki / seal_pki.CA_CERT))]))
        self.requests = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Content-Type") != "application/timestamp-query":
                    self.send_error(415)
                    return
                reply = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                outer.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/tsa"
        self._thread = threading.Thread(target=self._server.serve_forever, name="loopback-tsa", daemon=True)

    def __enter__(self) -> "LoopbackTsa":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def append_new_claim(pdf: bytes, ref: str) -> bytes:
    """An update appended after the seal that points the document's Keywords at another record."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    info = writer.trailer["/Info"]
    info["/Keywords"] = pdf_string(f"kind=property_record;ref={ref}")
    writer.update_container(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
