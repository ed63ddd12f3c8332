"""Test helpers for sealed documents: a seal PKI per test folder, poppler's pdfsig with an NSS database that trusts
the demo CA, the three ways a sealed file goes wrong, and pdftotext."""
from __future__ import annotations

import io
import shutil
import subprocess
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


def append_new_claim(pdf: bytes, ref: str) -> bytes:
    """An update appended after the seal that points the document's Keywords at another record."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    info = writer.trailer["/Info"]
    info["/Keywords"] = pdf_string(f"kind=property_record;ref={ref}")
    writer.update_container(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
