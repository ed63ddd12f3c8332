"""The kiosk side of fleet operations: heartbeats with device health, fleet commands carried out and acknowledged."""
from kiosk.fleet.agent import FleetAgent, device_report
from kiosk.fleet.commands import KINDS, CommandHandlers, CommandResult, execute, mask_logs
from kiosk.fleet.doors import DoorWatch

__all__ = ["FleetAgent", "device_report", "KINDS", "CommandHandlers", "CommandResult", "execute", "mask_logs",
           "DoorWatch"]
