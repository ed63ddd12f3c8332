"""Elderly mode, speech volume and per-screen idle timeouts: what makes every screen usable by an older applicant."""
