"""Maintenance mode, headless: staff sign-in, counters, device self-tests, recent errors, and the desk the screens call.

No UI here: the maintenance screens call these objects and render what they return.
"""
from kiosk.maintenance.counters import CountedReceiptPrinter, Counters
from kiosk.maintenance.desk import MaintenanceDesk, mask_code
from kiosk.maintenance.errors import RecentErrors
from kiosk.maintenance.selftests import SelfTestResult, SelfTests, receipt_test_page
from kiosk.maintenance.staff import (CredentialOutcome, MaintenanceLocked, StaffCredential, StaffGate, hash_secret,
                                     main, maintenance_event, verify_secret)
from kiosk.maintenance.signin import StaffSignIn
from kiosk.maintenance.wiring import stock_provider

__all__ = ["CountedReceiptPrinter", "Counters", "RecentErrors", "SelfTestResult", "SelfTests", "receipt_test_page",
           "CredentialOutcome", "MaintenanceLocked", "StaffCredential", "StaffGate", "hash_secret", "main",
           "maintenance_event", "verify_secret", "MaintenanceDesk", "mask_code", "StaffSignIn", "stock_provider"]
