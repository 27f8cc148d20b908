"""Sending one e-mail over SMTP (STARTTLS and login when configured)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.policy import default
from email.utils import make_msgid

from report_it.config import Settings

# Headers may run to RFC 5322's 998 characters: a long unsubscribe URL must stay one plain token, not be encoded.
_POLICY = default.clone(max_line_length=998)


def unsubscribe_url(settings: Settings, subscription_id: str) -> str:
    base = settings.public_base_url.rstrip("/") or "http://127.0.0.1:8001"
    return f"{base}/v1/subscriptions/{subscription_id}/unsubscribe"


def send_email(
    settings: Settings, *, to: str, subject: str, body: str, message_id: str, subscription_id: str | None = None
) -> None:
    message = EmailMessage(policy=_POLICY)
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    # Stable per outbox row: a retry after a lost acknowledgement is recognisably the same message.
    message["Message-ID"] = make_msgid(idstring=message_id, domain="report-it.wigan.gov.uk")
    if subscription_id:
        # RFC 8058 one-click unsubscribe: mail clients POST to the link; the subscription id is its secret.
        link = unsubscribe_url(settings, subscription_id)
        message["List-Unsubscribe"] = f"<{link}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        body += f"\n\nTo stop these e-mails, send a POST request to {link} (your mail program's unsubscribe does)."
    message.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        smtp.send_message(message)
