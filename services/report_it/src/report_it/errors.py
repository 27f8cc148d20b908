"""Report IT's domain errors; each class name is the machine code clients see."""

from deal_shared.errors import Conflict, NotFound, ServiceError, Unprocessable, ValidationFailed
from deal_shared.idempotency import IdempotencyKeyInvalid, IdempotencyKeyReused  # noqa: F401 (one contract, named here too)


class CategoryNotFound(NotFound):
    title = "Unknown category"


class CategoryExists(Conflict):
    title = "Category already exists"


class CategoryStaffOnly(ServiceError):
    status_code = 403
    title = "Staff-only category"


class ReportNotFound(NotFound):
    title = "Report not found"


class PhotoNotFound(NotFound):
    title = "Photo not found"


class OutsideBorough(Unprocessable):
    title = "Location outside the borough"


class InvalidAnswers(ValidationFailed):
    title = "Answers do not fit the category's questions"


class InvalidCursor(ValidationFailed):
    title = "Cursor is not valid"


class TooManyPhotos(Unprocessable):
    title = "Too many photos"


class PhotoTooLarge(ServiceError):
    status_code = 413
    title = "Photo too large"


class UnsupportedPhoto(ServiceError):
    status_code = 415
    title = "Unsupported photo type"


class PhotoUnreadable(Unprocessable):
    title = "Photo could not be processed"


class IllegalTransition(Conflict):
    title = "That status change is not allowed"


class ReopenWindowClosed(Conflict):
    title = "Too late to reopen"


class NotFixedYet(Conflict):
    title = "The report is not marked fixed"


class InvalidDuplicate(Unprocessable):
    title = "Not a valid duplicate"


class TemplateNotFound(NotFound):
    title = "Response template not found"


class WebhookNotFound(NotFound):
    title = "Webhook not found"


class NothingToUpdate(Unprocessable):
    title = "The update changes nothing"


class ConfirmationLinkNotFound(NotFound):
    title = "Confirmation link not recognised"


class ConfirmationLinkExpired(ServiceError):
    status_code = 410
    title = "Confirmation link expired"


class SubscriptionAlreadyConfirmed(Conflict):
    title = "Subscription already confirmed"


class NotAwaitingTriage(Conflict):
    title = "The report is not waiting for triage"


class TemplateNotClosing(Unprocessable):
    title = "The template does not close a report"


class PreconditionRequired(ServiceError):
    status_code = 428
    title = "If-Match required"


class RoutingRuleNotFound(NotFound):
    title = "Routing rule not found"


class RoutingRuleRestricted(Unprocessable):
    title = "Safeguarding concerns are not routed by rules"


class InvalidOutcomeQuery(ValidationFailed):
    title = "Outcome query is not valid"


class PossibleRepeat(Conflict):
    title = "This looks like a report you have just made"
