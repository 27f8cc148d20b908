"""The fly-tipping return's domain errors; each class name is the machine code clients see."""

from deal_shared.errors import Unprocessable, ValidationFailed


class InvalidFlyTippingFields(ValidationFailed):
    title = "Defra fields missing or not in their lists"


class NotFlyTipping(Unprocessable):
    title = "Not a fly-tipping report"


class InvalidQuarter(ValidationFailed):
    title = "Quarter is not valid"
