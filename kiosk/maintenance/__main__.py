"""`python -m kiosk.maintenance hash-secret`: reads a PIN, QR code or card number from stdin, prints its hash."""
import sys

from kiosk.maintenance.staff import main

if __name__ == "__main__":
    sys.exit(main())
