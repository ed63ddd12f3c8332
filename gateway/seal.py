"""The registration centre's electronic seal (电子签章) on the PDFs it issues: the seal loaded from its key file
(permissions checked), PAdES signatures with a visible seal image and an RFC 3161 timestamp (pyHanko).

A sealed PDF names what it is in its document information (Keywords `kind=...;ref=...`, covered by the signature), so
the verify page (gateway.seal_check) can check the seal and then the registry record the document claims to be.
"""
from __future__ import annotations

import functools
import io
import logging
import math
import stat
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from gateway import seal_pki
from pdfparts import CJK_FONT_PATH

logger = logging.getLogger(__name__)

FIELD = "RegistrationSeal"
SEAL_RED = (200, 16, 30, 255)
SEAL_PX = 480
SIGNATURE_RESERVE = 16 * 1024


class SealError(Exception):
    """The seal cannot be used (a file missing, unreadable or readable by others); one line, no secrets."""


def check_private_file(path: Path) -> Path:
    """A key file must exist and be readable by its owner only (like ssh does)."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except OSError:
        raise SealError(f"seal key file {path} not found") from None
    if not stat.S_ISREG(mode):
        raise SealError(f"seal key file {path} is not a file")
    if mode & 0o077:
        raise SealError(f"seal key file {path} is readable by others (mode {stat.S_IMODE(mode):o}); chmod 600 it")
    return path


@dataclass(frozen=True)
class SealFiles:
    """Where the seal lives: the folder layout of gateway.seal_pki; tsa_url for a real TSA (production)."""

    directory: Path
    tsa_url: str | None = None

    def path(self, name: str) -> Path:
        return Path(self.directory) / name

    @property
    def local_tsa(self) -> bool:
        return self.tsa_url is None and self.path(seal_pki.TSA_KEY).exists()


@functools.lru_cache(maxsize=8)
def seal_image(office: str) -> Image.Image:
    """The round red seal: the office's name along the rim, a star in the middle, 电子签章 below it."""
    img = Image.new("RGBA", (SEAL_PX, SEAL_PX), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    c, r = SEAL_PX / 2, SEAL_PX / 2 - 8
    draw.ellipse((c - r, c - r, c + r, c + r), outline=SEAL_RED, width=14)
    star = [(c + 70 * math.cos(math.pi / 2 + k * math.pi / 5) * (1 if k % 2 == 0 else 0.38),
             c - 70 * math.sin(math.pi / 2 + k * math.pi / 5) * (1 if k % 2 == 0 else 0.38)) for k in range(10)]
    draw.polygon(star, fill=SEAL_RED)
    font = ImageFont.truetype(str(CJK_FONT_PATH), 44)
    label = ImageFont.truetype(str(CJK_FONT_PATH), 40)
    draw.text((c, c + 120), "电子签章", font=label, fill=SEAL_RED, anchor="mm")
    text = office[:18]
    span = min(240.0, 22.0 * len(text))  # degrees of rim the name takes, centred at the top
    for i, char in enumerate(text):
        angle = 90 + span / 2 - (span * (i + 0.5) / len(text))
        glyph = Image.new("RGBA", (60, 60), (255, 255, 255, 0))
        ImageDraw.Draw(glyph).text((30, 30), char, font=font, fill=SEAL_RED, anchor="mm")
        glyph = glyph.rotate(angle - 90, resample=Image.BICUBIC)
        x = c + (r - 52) * math.cos(math.radians(angle)) - 30
        y = c - (r - 52) * math.sin(math.radians(angle)) - 30
        img.alpha_composite(glyph, (int(x), int(y)))
    return img


def _loaded_key(key_info):
    """The key as a cryptography object, loaded (and its RSA consistency checked) once, not at every signature."""
    from cryptography.hazmat.primitives import serialization

    return serialization.load_der_private_key(key_info.dump(), password=None)


class _SealSigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner, with the key loaded once: it loads it again for every signature (~150 ms for RSA)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._key = _loaded_key(self.signing_key)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
        from pyhanko_certvalidator.util import get_pyca_cryptography_hash

        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism != "rsassa_pkcs1v15":
            return super().sign_raw(data, digest_algorithm)
        return self._key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


class _LocalTsa(DummyTimeStamper):
    """pyHanko's test-grade TSA with its key loaded once (the parent loads it for every token)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._key = _loaded_key(self.tsa_key)

    def _sign_tst_info(self, tst_info_data, md_algorithm, dt):
        # The parent's method, with the key already loaded (pyHanko 0.38, dummy_client.py).
        from asn1crypto import cms, core
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
        from pyhanko.sign import general
        from pyhanko_certvalidator.util import get_pyca_cryptography_hash

        digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes([
            general.simple_cms_attribute("content_type", "tst_info"),
            general.simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
            general.simple_cms_attribute("signing_certificate", general.as_signing_certificate(self.tsa_cert)),
            general.simple_cms_attribute("message_digest", digest.finalize()),
        ])
        signature = self._key.sign(signed_attrs.dump(), PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper()))
        return signature, signed_attrs


class Seal:
    """The loaded seal: signs PDFs. Build with Seal.load(files, office)."""

    def __init__(self, signer: signers.SimpleSigner, timestamper: timestamps.TimeStamper, office: str):
        self._signer, self._timestamper, self.office = signer, timestamper, office

    @classmethod
    def load(cls, files: SealFiles, office: str) -> "Seal":
        key_path = check_private_file(files.path(seal_pki.SEAL_KEY))
        try:
            cert = load_cert_from_pemder(str(files.path(seal_pki.SEAL_CERT)))
            ca = load_cert_from_pemder(str(files.path(seal_pki.CA_CERT)))
            key = load_private_key_from_pemder(str(key_path), passphrase=None)
        except (OSError, ValueError) as exc:
            raise SealError(f"the seal in {files.directory} cannot be read ({type(exc).__name__})") from None
        signer = _SealSigner(signing_cert=cert, signing_key=key, cert_registry=SimpleCertificateStore.from_certs([ca]))
        if files.tsa_url:
            # requests (the project's HTTP client already), not pyHanko's aiohttp default: signing runs in a worker
            # thread of a sync endpoint, one blocking call per document.
            timestamper = RequestsHTTPTimeStamper(files.tsa_url, timeout=10)
        elif files.local_tsa:
            # The demo's local RFC 3161 TSA (pyHanko's test-grade one): real tokens, signed by the demo TSA key.
            tsa_key = load_private_key_from_pemder(str(check_private_file(files.path(seal_pki.TSA_KEY))), None)
            timestamper = _LocalTsa(tsa_cert=load_cert_from_pemder(str(files.path(seal_pki.TSA_CERT))),
                                    tsa_key=tsa_key, certs_to_embed=SimpleCertificateStore.from_certs([ca]))
        else:
            raise SealError("no time-stamping authority: give a TSA URL (production) or a demo tsa.key")
        # The seal shows whom the certificate names (its organisation), which is what a verifier will see too.
        organisation = cert.subject.native.get("organization_name")
        return cls(signer, timestamper, organisation if isinstance(organisation, str) and organisation else office)

    def seal_pdf(self, pdf: bytes, *, box: tuple[float, float, float, float], reason: str) -> bytes:
        """pdf with the seal over box (points, on its last page) and a timestamp. The builder has named the
        document in its Keywords (document_keywords), inside the revision the seal covers."""
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        pages = int(writer.root["/Pages"]["/Count"])
        meta = signers.PdfSignatureMetadata(field_name=FIELD, reason=reason, location=self.office,
                                            md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES)
        style = StaticStampStyle(background=PdfImage(seal_image(self.office)), border_width=0,
                                 background_opacity=1.0)
        pdf_signer = signers.PdfSigner(meta, signer=self._signer, timestamper=self._timestamper, stamp_style=style,
                                       new_field_spec=fields.SigFieldSpec(FIELD, box=box, on_page=pages - 1))
        # A fixed reserve for the signature (certificates and the timestamp token fit with room to spare) spares
        # pyHanko a dry-run signature and timestamp to measure it.
        return pdf_signer.sign_pdf(writer, bytes_reserved=SIGNATURE_RESERVE).getvalue()


def document_keywords(kind: str, ref: str) -> str:
    """What a builder puts in its PDF's Keywords so that /verify knows which registry record to check."""
    return f"kind={kind};ref={ref}"
