"""The gateway server the kiosks talk to: kiosk API, external-system adapters, payment page, fleet dashboard."""
