"""Documents the kiosk prints: receipt templates, proofs as PDF, certificate content, and the blank-stock ledger."""
