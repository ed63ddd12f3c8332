"""Device classes of the kiosk: one package per class, each with interface, drivers, protocol and simulator."""
