"""Adapters for the external systems the gateway stands in front of; each has an interface and a simulated version."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from gateway.adapters.bank import BankSubmissions, SimulatedBank
from gateway.adapters.fees import FeeItem, RegistrationSystem, SimulatedRegistration, SimulatedTax, TaxSystem
from gateway.adapters.payment import PaymentProvider, SimulatedUnifiedCollection
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


def simulated_adapters(settings) -> Adapters:
    return Adapters(registration=SimulatedRegistration(), tax=SimulatedTax(),
                    payment=SimulatedUnifiedCollection(settings.public_base_url, settings.payment_notify_secret),
                    sms=SimulatedSms(), population=SimulatedPopulationRegistry(settings.faces_dir),
                    bank=SimulatedBank())
