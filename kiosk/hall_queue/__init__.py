"""Queue tickets and appointment check-in at the kiosk, for what it cannot do itself; no ID card needed."""

BUSINESSES = ("transfer", "mortgage", "certificate", "enquiry")
