"""Footprints' domain errors; each class name is the machine code clients see (one exception, by contract)."""

from deal_shared.errors import Conflict, Forbidden, NotFound, Unprocessable


class OutsideBorough(Unprocessable):
    title = "Location outside the borough"

    @property
    def code(self) -> str:
        # The cross-service contract names this code in snake case.
        return "outside_borough"


class FootprintNotFound(NotFound):
    title = "Unknown footprint"


class WardNotFound(NotFound):
    title = "Unknown ward"


class TeamNotFound(NotFound):
    title = "Unknown team"


class WorkerNotFound(NotFound):
    title = "Unknown worker"


class CaseNotFound(NotFound):
    title = "Unknown case"


class AbsenceNotFound(NotFound):
    title = "Unknown absence"


class RunNotFound(NotFound):
    title = "Unknown rebalance run"


class NotYourTeam(Forbidden):
    title = "Not your team"


class WorkerExists(Conflict):
    title = "Worker already exists"


class CaseClosed(Conflict):
    title = "Case is closed"


class WorkerCannotTakeCase(Unprocessable):
    title = "Worker cannot take this case"


class InvalidAbsence(Unprocessable):
    title = "Absence dates are not valid"


class NoBoundaries(Unprocessable):
    title = "No ward boundaries loaded"


class RebalanceInProgress(Conflict):
    title = "A rebalance is already running"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": "5"}
