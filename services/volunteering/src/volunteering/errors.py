"""Volunteering's domain errors; each class name is the machine code clients see."""

from deal_shared.errors import Conflict, Forbidden, NotFound, ServiceError, Unprocessable


class StaffProfileNotFound(NotFound):
    title = "No staff profile"


class OrganisationNotFound(NotFound):
    title = "Organisation not found"


class OpportunityNotFound(NotFound):
    title = "Opportunity not found"


class BookingNotFound(NotFound):
    title = "Booking not found"


class OutsideBorough(Unprocessable):
    title = "Location outside the borough"


class OpportunityFull(Conflict):
    title = "No places left"


class OpportunityClosed(Conflict):
    title = "Opportunity is not open for booking"


class AlreadyBooked(Conflict):
    title = "Already booked on this opportunity"


class EntitlementExceeded(Conflict):
    title = "Not enough volunteering entitlement left"


class InvalidBookingTime(Unprocessable):
    title = "Booking time is not valid"


class NotEmployed(Unprocessable):
    title = "Not employed on that date"


class BookingStateConflict(Conflict):
    title = "The booking cannot change that way now"


class NotYourBooking(Forbidden):
    title = "Not your booking"


class NotLineManager(Forbidden):
    title = "Not the line manager"


class ReasonRequired(Unprocessable):
    title = "A reason is required"


class ReportItUnavailable(ServiceError):
    status_code = 503
    title = "Report IT is unavailable"


class AbsenceNotFound(NotFound):
    title = "Absence not found"
