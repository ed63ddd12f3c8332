"""The test and demo kit: the demo stack, the kiosk child process, its UI control channel and the virtual display."""
