"""Software updates of the kiosk: signed release bundles, versioned install beside the running one, health check,
rollback."""
