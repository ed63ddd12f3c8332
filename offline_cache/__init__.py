"""Durable local state of the kiosk in SQLite: case cache, outbox, locker state, audit log, encryption."""
