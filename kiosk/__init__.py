"""The kiosk's application core: session state machine, service flows, identity, platform client, CLI. No Kivy."""
__version__ = "0.1.0"
