"""Adapters for the external systems the gateway stands in front of; each has an interface and a simulated version."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from gateway.adapters.bank import BankSubmissions, SimulatedBank
from gateway.adapters.departments import simulated_departments
from gateway.adapters.fees import FeeItem, RegistrationSystem, SimulatedRegistration, SimulatedTax, TaxSystem
from gateway.adapters.payment import PaymentProvider
from gateway.adapters.population import PopulationRegistry, SimulatedPopulationRegistry
from gateway.adapters.sms import SimulatedSms, SmsSender

logger = logging.getLogger(__name__)

__all__ = ["Adapters", "FeeItem", "simulated_adapters", "BankSubmissions", "RegistrationSystem", "TaxSystem",
           "PaymentProvider", "PopulationRegistry", "SmsSender"]


@dataclass(frozen=True)
class Adapters:
    registration: RegistrationSystem
    tax: TaxSystem
    payment: PaymentProvider
    sms: SmsSender
    population: PopulationRegistry
    bank: BankSubmissions
    # Every channel the site accepts, in the kiosk's order (gateway.payment_config); empty: {payment.channel: payment}.
    payment_channels: dict = field(default_factory=dict)
    payment_region_code: str = "110105"
    # The departments an application is pushed to at once (gateway/parallel_review.py); empty: none connected.
    departments: dict = field(default_factory=dict)

    def channels(self) -> dict:
        if self.payment_channels:
            return self.payment_channels
        return {self.payment.channel: self.payment} if self.payment is not None else {}


def simulated_adapters(settings) -> Adapters:
    """The simulated systems; payment as gateway.payment_config wires it (the simulated provider only in demo)."""
    from gateway.payment_config import payment_setup

    setup = payment_setup(settings)
    channels = dict(setup.providers)
    return Adapters(registration=SimulatedRegistration(), tax=SimulatedTax(),
                    payment=next(iter(channels.values()), None), payment_channels=channels,
                    payment_region_code=setup.region_code,
                    sms=SimulatedSms(), population=SimulatedPopulationRegistry(settings.faces_dir),
                    bank=SimulatedBank(),
                    # Simulated intakes only outside production (no real one yet: production refuses applications).
                    departments={} if settings.production else simulated_departments())
