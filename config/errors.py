"""The one error a bad configuration raises: file, key and problem in a single line."""


class ConfigError(Exception):
    """A configuration that cannot be used; str() is the one line shown to the technician."""

    def __init__(self, source: str, key: str, problem: str):
        self.source = source
        self.key = key
        self.problem = problem
        super().__init__(f"config error in {source}: {key}: {problem}" if key else f"config error in {source}: {problem}")
