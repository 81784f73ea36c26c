"""Errors raised by the pricing rules."""


class PricingInputError(ValueError):
    """A pricing input is invalid; ``field`` names it (dotted for nested inputs)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem
