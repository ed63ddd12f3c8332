"""Staff-assisted verification at the kiosk: a hall's staff member vouches for an applicant the face check failed."""
