"""Sending one e-mail over SMTP (STARTTLS and login when configured)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from report_it.config import Settings


def send_email(settings: Settings, *, to: str, subject: str, body: str, message_id: str) -> None:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    # Stable per outbox row: a retry after a lost acknowledgement is recognisably the same message.
    message["Message-ID"] = make_msgid(idstring=message_id, domain="report-it.wigan.gov.uk")
    message.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        smtp.send_message(message)
