"""Pages, fragments and assets travel compressed, as the browser accepts; photos (already
compressed) and tiny answers do not."""

from __future__ import annotations

import gzip

import brotli
import pytest
from backports import zstd

from tests.fixtures.photos import jpeg_bytes, upload
from webapp.extensions import db
from webapp.patrols import rounds

DECODE = {"gzip": gzip.decompress, "br": brotli.decompress, "zstd": zstd.decompress}


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("gzip", "gzip"),
        ("gzip, deflate, br", "br"),
        ("gzip, deflate, br, zstd", "zstd"),  # what Chromium sends
    ],
)
def test_the_login_page_is_compressed_as_the_browser_accepts(client, accept, chosen):
    plain = client.get("/login")
    packed = client.get("/login", headers={"Accept-Encoding": accept})
    assert packed.headers["Content-Encoding"] == chosen
    assert "Accept-Encoding" in packed.headers["Vary"]
    html = DECODE[chosen](packed.get_data()).decode()
    assert "<form" in html and html.count("csrf_token") == plain.get_data(as_text=True).count(
        "csrf_token"
    )
    assert len(packed.get_data()) < len(plain.get_data()) / 2


def test_assets_are_compressed(client):
    page = client.get("/login").get_data(as_text=True)
    css = next(part.split('"')[0] for part in page.split('href="')[1:] if ".css" in part)
    plain = client.get(css)
    packed = client.get(css, headers={"Accept-Encoding": "gzip, br"})
    assert packed.status_code == 200 and packed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(packed.get_data()) == plain.get_data()


def test_an_htmx_fragment_is_compressed(login_as, patrol):
    client = login_as("assistant")
    url = f"/patrols/rounds/{patrol.round_open.id}/items/{patrol.item2.id}"
    packed = client.htmx("post", url, data={"outcome": "ok"}, headers={"Accept-Encoding": "gzip"})
    assert packed.status_code == 200 and packed.headers["Content-Encoding"] == "gzip"
    assert f'id="item-{patrol.item2.id}"' in gzip.decompress(packed.get_data()).decode()


def test_photos_and_tiny_answers_are_sent_as_they_are(login_as, patrol, world):
    client = login_as("assistant")
    result = rounds.add_photos(
        world.assistant, patrol.round_open, patrol.item2.id, [upload(jpeg_bytes())]
    )
    photo_id = rounds.photos.photos_for(rounds.RESULT, [result.id])[result.id][0].photo_id
    db.session.commit()
    photo = client.get(f"/photos/{photo_id}", headers={"Accept-Encoding": "gzip, br"})
    assert photo.status_code == 200 and "Content-Encoding" not in photo.headers
    health = client.get("/healthz", headers={"Accept-Encoding": "gzip, br"})
    assert health.status_code == 200 and "Content-Encoding" not in health.headers
