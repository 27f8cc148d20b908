"""A real SMTP server in its own process (aiosmtpd, writing to a Maildir) and a way to read what it received."""

from __future__ import annotations

import mailbox
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path


@dataclass
class MailCatcher:
    host: str
    port: int
    maildir: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        self.maildir.parent.mkdir(parents=True, exist_ok=True)
        mailbox.Maildir(self.maildir, create=True)  # tmp, new, cur: readable before the first message
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-c",
                "aiosmtpd.handlers.Mailbox",
                "-l",
                f"{self.host}:{self.port}",
                str(self.maildir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the SMTP server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def messages(self) -> list[Message]:
        return list(mailbox.Maildir(self.maildir, create=True))

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages() if address.lower() in str(m["To"]).lower()]

    def wait_for(self, address: str, count: int, timeout: float = 20.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"{address} received {len(self.to(address))} e-mails, expected {count}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def mail_catcher(maildir: Path, port: int | None = None) -> Iterator[MailCatcher]:
    catcher = MailCatcher(host="127.0.0.1", port=port or free_port(), maildir=maildir)
    catcher.start()
    try:
        yield catcher
    finally:
        catcher.stop()


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    return payload.decode() if isinstance(payload, bytes) else str(message.get_payload())
