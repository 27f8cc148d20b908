"""Common web pieces every service installs: problem handlers, request ids, metrics, health and logs."""

from deal_shared.web.health import ReadinessCheck, health_router
from deal_shared.web.install import install_common
from deal_shared.web.request_context import current_request_id

__all__ = ["ReadinessCheck", "current_request_id", "health_router", "install_common"]
