"""The fleet dashboard for staff: sign-in with roles, kiosk health, alerts and commands (include `router`)."""
from gateway.dashboard.router import router

__all__ = ["router"]
