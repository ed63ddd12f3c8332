"""The check of a sealed PDF someone hands the public /verify page: valid, altered after sealing, sealed with another
certificate than the registration centre's, sealed with a revoked one (the CA's CRL), unsigned or unreadable; and
which registry record the sealed revision says the document is (gateway.seal.document_keywords).
"""
from __future__ import annotations

import enum
import io
import logging
from dataclasses import dataclass
from pathlib import Path

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from gateway import seal_pki
from gateway.seal import FIELD, SealError

logger = logging.getLogger(__name__)


class Verdict(enum.Enum):
    VALID = "valid"
    ALTERED = "altered"            # the bytes changed after sealing, or something was added after the seal
    FOREIGN = "foreign"            # sealed, but not with a seal certificate of this registration centre's CA
    REVOKED = "revoked"            # the centre's seal certificate, since revoked (on the CA's CRL)
    UNSIGNED = "unsigned"          # a PDF with no seal at all
    UNREADABLE = "unreadable"      # not a PDF this page can read


@dataclass(frozen=True)
class SealCheck:
    verdict: Verdict
    kind: str | None = None
    ref: str | None = None
    signer: str | None = None
    timestamped_at: object = None  # datetime of the TSA's token, when there is a valid one

    @property
    def valid(self) -> bool:
        return self.verdict is Verdict.VALID


@dataclass(frozen=True)
class SealTrust:
    """What /verify trusts: the centre's CA certificate and its current CRL (read from the seal folder each time)."""

    directory: Path

    def context(self) -> ValidationContext:
        try:
            ca = load_cert_from_pemder(str(Path(self.directory) / seal_pki.CA_CERT))
            crl = (Path(self.directory) / seal_pki.CA_CRL).read_bytes()
        except OSError as exc:
            raise SealError(f"the seal CA in {self.directory} cannot be read ({type(exc).__name__})") from None
        return ValidationContext(trust_roots=[ca], crls=[crl], allow_fetching=False, revocation_mode="hard-fail")


_SEAL_USAGE = KeyUsageConstraints(key_usage={"non_repudiation"})


def _document_claim(reader: PdfFileReader, revision: int) -> tuple[str | None, str | None]:
    """kind and ref as the sealed revision has them: an update added after the seal cannot change the claim."""
    try:
        sealed = reader.get_historical_resolver(revision)
        # Resolved through the historical view itself: the trailer's reference would otherwise resolve to the newest.
        keywords = str(sealed.get_object(sealed.trailer_view.raw_get("/Info").reference)["/Keywords"])
    except (KeyError, TypeError, AttributeError):
        return None, None
    parts = dict(p.split("=", 1) for p in keywords.split(";") if "=" in p)
    return parts.get("kind"), parts.get("ref")


def check_seal(pdf: bytes, trust: SealTrust) -> SealCheck:
    """What a PDF's seal says: valid, altered, foreign, revoked, unsigned or unreadable (never raises for bad input)."""
    context = trust.context()
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # any parse failure of an uploaded file is the same answer to the person
        logger.info("uploaded PDF unreadable: %s", type(exc).__name__)
        return SealCheck(Verdict.UNREADABLE)
    if not signatures:
        return SealCheck(Verdict.UNSIGNED)
    seal = next((s for s in signatures if s.field_name == FIELD), signatures[0])
    try:
        kind, ref = _document_claim(reader, seal.signed_revision)
    except Exception as exc:  # a damaged cross-reference table: the file is not what was sealed
        logger.info("sealed revision unreadable: %s", type(exc).__name__)
        return SealCheck(Verdict.ALTERED)
    try:
        status = validate_pdf_signature(seal, context, key_usage_settings=_SEAL_USAGE)
    except (SignatureValidationError, ValueError, KeyError) as exc:
        logger.info("seal validation failed: %s", type(exc).__name__)
        return SealCheck(Verdict.ALTERED, kind, ref)
    signer = status.signing_cert.subject.human_friendly if status.signing_cert is not None else None
    if not (status.intact and status.valid) or len(signatures) > 1:
        return SealCheck(Verdict.ALTERED, kind, ref, signer)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        level = status.modification_level
        if level is None or level > ModificationLevel.LTA_UPDATES:
            return SealCheck(Verdict.ALTERED, kind, ref, signer)
    if status.revoked:
        return SealCheck(Verdict.REVOKED, kind, ref, signer)
    if not status.trusted:
        return SealCheck(Verdict.FOREIGN, kind, ref, signer)
    stamped = status.timestamp_validity
    at = stamped.timestamp if stamped is not None and stamped.intact and stamped.valid else None
    return SealCheck(Verdict.VALID, kind, ref, signer, at)
