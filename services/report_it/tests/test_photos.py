"""Photos: location metadata stripped, orientation applied, unsafe files refused."""

from __future__ import annotations

import io
import json

import httpx
from PIL import Image

WIGAN = {"lat": 53.545, "long": -2.632}
GPS_IFD = 0x8825


def jpeg_with_gps(width: int = 64, height: int = 32, orientation: int = 6) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = orientation  # rotate 90° clockwise on display
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (53.0, 32.0, 42.0), 3: "W", 4: (2.0, 37.0, 55.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def submit(api: httpx.Client, *photos: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    report = {"category": "litter", "location": WIGAN, "description": "Litter with photo"}
    files = [("report", (None, json.dumps(report), "application/json"))]
    files += [("photos", (f"p{i}.jpg", data, "image/jpeg")) for i, data in enumerate(photos)]
    return api.post("/v1/reports", files=files, headers=headers)


def test_photos_are_cleaned_of_gps_and_oriented(api: httpx.Client) -> None:
    original = jpeg_with_gps()
    assert b"PhoneMaker" in original
    created = submit(api, original)
    assert created.status_code == 201, created.text
    photo = created.json()["photos"][0]
    stored = api.get(photo["url"])
    assert stored.status_code == 200 and stored.headers["content-type"] == "image/jpeg"
    assert b"PhoneMaker" not in stored.content and b"Exif" not in stored.content
    with Image.open(io.BytesIO(stored.content)) as image:
        assert len(image.getexif()) == 0
        assert image.size == (32, 64)  # the orientation tag was applied, then dropped
    assert api.get(photo["thumbnail_url"]).status_code == 200


def test_non_images_are_refused(api: httpx.Client) -> None:
    response = submit(api, b"%PDF-1.4 pretending to be a photo")
    assert response.status_code == 415 and response.json()["code"] == "UnsupportedPhoto"


def test_decompression_bombs_are_refused(api: httpx.Client) -> None:
    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, "PNG")  # tiny file, 144 megapixels
    response = submit(api, out.getvalue())
    assert response.status_code == 413 and response.json()["code"] == "PhotoTooLarge"


def test_at_most_six_photos(api: httpx.Client) -> None:
    response = submit(api, *[jpeg_with_gps(8 + i, 8) for i in range(7)])
    assert response.status_code == 422 and response.json()["code"] == "TooManyPhotos"


def test_damaged_images_are_refused_not_stored(api: httpx.Client) -> None:
    damaged = jpeg_with_gps()[:200]
    response = submit(api, damaged)
    assert response.status_code == 422 and response.json()["code"] == "PhotoUnreadable"


def test_iphone_heic_photos_are_accepted_and_cleaned(api: httpx.Client) -> None:
    image = Image.new("RGB", (64, 32), (20, 160, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (53.0, 32.0, 42.0), 3: "W", 4: (2.0, 37.0, 55.0)})
    out = io.BytesIO()
    image.save(out, "HEIF", exif=exif.tobytes())
    heic = out.getvalue()
    assert heic[4:12] == b"ftypheic" and b"PhoneMaker" in heic

    created = submit(api, heic)
    assert created.status_code == 201, created.text
    stored = api.get(created.json()["photos"][0]["url"])
    assert stored.content[:3] == b"\xff\xd8\xff"  # re-encoded as JPEG
    assert b"PhoneMaker" not in stored.content and b"Exif" not in stored.content


def test_photo_links_do_not_follow_a_host_header_naming_another_site(api: httpx.Client) -> None:
    # No public URL is configured in these tests: links are built from the request, but only from this machine's
    # own names, never from whatever Host a caller sends.
    ours = api.base_url.host
    for forged in ("evil.example", "evil.example:443", "[2001:db8::1]:8001"):
        created = submit(api, jpeg_with_gps(), headers={"Host": forged})
        assert created.status_code == 201, created.text
        url = httpx.URL(created.json()["photos"][0]["url"])
        assert url.host == ours, (forged, str(url))
        assert "evil" not in created.text
        listed = api.get(f"/v1/reports/{created.json()['id']}", headers={"Host": forged})
        assert all(httpx.URL(p["url"]).host == ours for p in listed.json()["photos"])
    local = api.get(f"/v1/reports/{created.json()['id']}", headers={"Host": f"localhost:{api.base_url.port}"})
    assert httpx.URL(local.json()["photos"][0]["url"]).host == "localhost"
