"""Security headers on every kind of response, and /healthz."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.public.support import tip_post
from traceobject.catalog.models import ObjectImage

PERMISSIONS = ("camera=()", "microphone=()", "geolocation=()")


def _check_basic(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "no-referrer"
    policy = response.get("Permissions-Policy", "")
    assert all(item in policy for item in PERMISSIONS), policy


def _check_csp(response) -> None:
    csp = response.get("Content-Security-Policy", "")
    assert csp, "no Content-Security-Policy"
    directives = {d.strip().split()[0]: d.strip().split()[1:] for d in csp.split(";") if d.strip()}
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives.get("frame-ancestors") == ["'none'"]
    assert directives.get("default-src") == ["'self'"]
    assert directives.get("script-src") == ["'self'"]
    assert directives.get("object-src") == ["'none'"]
    # no third-party origin anywhere
    assert "http:" not in csp and "https:" not in csp and "*" not in csp


def _media_url(obj) -> str:
    image = ObjectImage.objects.get(object=obj)
    return f"/media/{image.folder}/{image.widths[0]}.jpg"


def _responses(client: Client, published):
    yield "html page", client.get("/en/"), 200
    yield "object page", client.get(f"/en/objects/{published.ref}/"), 200
    yield "tip form", client.get(f"/en/objects/{published.ref}/tip/"), 200
    yield "tip post", tip_post(client, published.ref, {"text": "a blue bag"}, follow=False), 303
    yield "tip received", tip_post(client, published.ref, {"text": "a red bag"}), 200
    yield "api list", client.get("/api/v1/objects"), 200
    yield "api tip", client.post(f"/api/v1/objects/{published.ref}/tips", {"text": "a bag"},
                                 content_type="application/json"), 201
    yield "api error", client.get("/api/v1/objects/TAO-1999-0001"), 404
    yield "api unknown path", client.get("/api/v1/nothing"), 404
    yield "openapi", client.get("/api/v1/openapi.json"), 200
    yield "healthz", client.get("/healthz"), 200
    yield "media", client.get(_media_url(published)), 200
    yield "html 404", client.get("/en/nothing-here/"), 404
    yield "redirect", client.get("/", HTTP_ACCEPT_LANGUAGE="de"), 302


@pytest.mark.django_db
def test_headers_on_every_response(client, published) -> None:
    seen = 0
    for name, response, status in _responses(client, published):
        assert response.status_code == status, name
        try:
            _check_basic(response)
            _check_csp(response)
            if status != 302:  # a redirect shows nothing that could be framed
                assert response["X-Frame-Options"] == "DENY"
        except (AssertionError, KeyError) as error:
            raise AssertionError(f"{name}: {error}") from error
        seen += 1
    assert seen == 14


def test_static_file_basic_headers(client) -> None:
    response = client.get("/static/public/site.css")
    assert response.status_code == 200
    _check_basic(response)


def test_static_file_csp(client) -> None:
    response = client.get("/static/public/site.css")
    assert response.status_code == 200
    _check_csp(response)


@pytest.mark.django_db
def test_healthz(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert client.post("/healthz").status_code == 405
