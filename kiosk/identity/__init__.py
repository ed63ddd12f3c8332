"""Identity verification: liveness and live face evidence on the kiosk, the decision at the gateway, for the runtime."""
from kiosk.identity.decision import GatewayDecision, decision_from_config
from kiosk.identity.quality import Guidance
from kiosk.identity.verifier import (DEFAULT_THRESHOLD, FaceEvidence, FaceVerification, VerificationOutcome,
                                     face_verifier_from_config, kiosk_face_verifier, make_face_verifier)

__all__ = ["DEFAULT_THRESHOLD", "FaceEvidence", "FaceVerification", "GatewayDecision", "Guidance",
           "VerificationOutcome", "decision_from_config", "face_verifier_from_config", "kiosk_face_verifier",
           "make_face_verifier"]
