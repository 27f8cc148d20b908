"""Photos stored in S3-compatible object storage: a real S3 API server in its own process, spoken to over HTTP."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlmodel import Session

from deal_shared.auth import AuthSettings
from deal_shared.db import make_engine
from report_it.categories import seed_categories
from report_it.config import Settings, StorageBackend
from report_it.db import migrate
from report_it.main import create_app
from report_it.storage import S3Storage
from tests.support.server import free_port, serve

boto3 = pytest.importorskip("boto3", reason="S3 storage needs boto3 (installed by make test)")


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    executable = shutil.which("moto_server") or str(Path(__file__).parents[3] / ".venv/bin/moto_server")
    port = free_port()
    process = subprocess.Popen(
        [executable, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(endpoint, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the S3 server did not start") from None
                time.sleep(0.1)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def s3_settings(s3_endpoint: str, dev_key: Path, database_factory) -> Settings:
    bucket = f"report-it-photos-{uuid.uuid4().hex[:8]}"
    settings = Settings(
        database_url=database_factory("report_it"),
        environment="test",
        storage_backend=StorageBackend.s3,
        s3_endpoint_url=s3_endpoint,
        s3_bucket=bucket,
        s3_access_key_id="test-key",
        s3_secret_access_key="test-secret",
        auth=AuthSettings(dev_mode=True, dev_key_path=dev_key),
    )
    S3Storage(settings).client.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": settings.s3_region}
    )
    return settings


def test_put_and_get_round_trip(s3_settings: Settings) -> None:
    storage = S3Storage(s3_settings)
    storage.put("a/b.jpg", b"jpeg bytes", content_type="image/jpeg")
    assert storage.get("a/b.jpg") == b"jpeg bytes"
    head = storage.client.head_object(Bucket=s3_settings.s3_bucket, Key="a/b.jpg")
    assert head["ContentType"] == "image/jpeg"
    assert storage.get("missing.jpg") is None


def test_a_reported_photo_is_stored_in_the_bucket_and_served(s3_settings: Settings) -> None:
    migrate(s3_settings.database_url)
    engine = make_engine(s3_settings.database_url)
    with Session(engine) as session:
        seed_categories(session)
        session.commit()
    engine.dispose()

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 90, 200)).save(out, "PNG")
    report = {"category": "litter", "location": {"lat": 53.545, "long": -2.632}, "description": "Litter on the verge"}
    with serve(create_app(s3_settings)) as base, httpx.Client(base_url=base, timeout=30) as api:
        created = api.post(
            "/v1/reports",
            files=[
                ("report", (None, json.dumps(report), "application/json")),
                ("photos", ("verge.png", out.getvalue(), "image/png")),
            ],
        )
        assert created.status_code == 201, created.text
        served = api.get(created.json()["photos"][0]["url"])
    assert served.status_code == 200 and served.content[:3] == b"\xff\xd8\xff"

    listing = S3Storage(s3_settings).client.list_objects_v2(Bucket=s3_settings.s3_bucket)
    keys = [item["Key"] for item in listing["Contents"]]
    assert any(key.endswith(".jpg") and key != "a/b.jpg" for key in keys)
