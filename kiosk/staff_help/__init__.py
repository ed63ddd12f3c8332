"""Help from the hall's staff: the call-staff request (呼叫工作人员) a kiosk raises on any applicant screen."""
