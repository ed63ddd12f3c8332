"""Identity verification: face match against the reference portrait, liveness and guidance, for the runtime."""
from kiosk.identity.quality import Guidance
from kiosk.identity.reference import PortraitSource, portrait_source_from_config
from kiosk.identity.verifier import (DEFAULT_THRESHOLD, FaceVerification, VerificationOutcome,
                                     face_verifier_from_config, kiosk_face_verifier, make_face_verifier)

__all__ = ["DEFAULT_THRESHOLD", "FaceVerification", "Guidance", "PortraitSource", "VerificationOutcome",
           "face_verifier_from_config", "kiosk_face_verifier", "make_face_verifier", "portrait_source_from_config"]
