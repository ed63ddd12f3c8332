"""The 好差评 rating at the end of every service: five levels, reasons for the low ones, an optional call-back."""

# level: catalog key; 5 is the best (非常满意), 1 the worst (非常不满意)
LEVELS = (5, 4, 3, 2, 1)
LOW_LEVELS = frozenset({1, 2})
LOW_REASONS = ("wait_long", "hard_to_use", "hard_to_read", "machine_fault", "result")
