"""Pickup-locker lock boards: both board families behind one controller, simulators, and the compartment model."""
from peripherals.locker.bank import Compartment, CompartmentState, LockerBank
from peripherals.locker.controller import LockController, controller_from_config, make_protocol
from peripherals.locker.errors import AddressError, BoardSilent, FrameError, LockerError, PortUnavailable
from peripherals.locker.model import BoardReading, DoorReported, Frame, LockChanged, LockState, OpenResult
from peripherals.locker.protocol import Polarity
from peripherals.locker.simulator import EightASimulator, KerongSimulator, LockBoardSimulator, make_simulator

__all__ = ["AddressError", "BoardReading", "BoardSilent", "Compartment", "CompartmentState", "DoorReported",
           "EightASimulator", "Frame", "FrameError", "KerongSimulator", "LockBoardSimulator", "LockChanged",
           "LockController", "LockState", "LockerBank", "LockerError", "OpenResult", "Polarity", "PortUnavailable",
           "controller_from_config", "make_protocol", "make_simulator"]
