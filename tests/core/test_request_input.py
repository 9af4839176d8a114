"""RequestInputMiddleware: a path or query string holding NUL or a lone surrogate is 400 on
the whole site (the error page, or the one error shape under /api/); other text passes."""

from __future__ import annotations

import pytest
from django.core.exceptions import BadRequest
from django.http import HttpResponse
from django.test import RequestFactory

from traceobject.core.inputs import is_storable
from traceobject.core.middleware import RequestInputMiddleware


def test_is_storable() -> None:
    assert is_storable("Kraków 東京 🙂 \t\n")
    for text in ("\x00", "a\x00b", "\ud800", "x\udfff", "\udbff\udc00"):
        assert not is_storable(text), repr(text)


@pytest.mark.parametrize("path, query", [
    ("/en/objects/X\x00/", ""), ("/internal/cases/X\ud800/", ""), ("/api/v1/objects", "q=%00"),
    ("/", "a=b&c=%00"), ("/", "x=\x00"), ("/en/", "category=%00packaging"),
])
def test_the_middleware_refuses_nul_and_lone_surrogates(path, query) -> None:
    request = RequestFactory().get("/")
    request.path = path
    request.META["QUERY_STRING"] = query
    middleware = RequestInputMiddleware(lambda r: HttpResponse("view"))
    with pytest.raises(BadRequest):
        middleware(request)


@pytest.mark.parametrize("query", ["", "q=Krak%C3%B3w", "q=%ED%A0%80", "q=%FF%FE", "q=%2500"])
def test_the_middleware_lets_other_text_through(query) -> None:
    request = RequestFactory().get("/en/objects/TAO-2026-0001/")
    request.META["QUERY_STRING"] = query
    assert RequestInputMiddleware(lambda r: HttpResponse("view"))(request).content == b"view"


@pytest.mark.parametrize("url", ["/en/?category=%00", "/en/objects/TAO%00/", "/%00",
                                 "/en/?page=1%00", "/media/a%00.jpg", "/healthz?x=%00"])
def test_public_urls_with_nul_are_a_400_page(client, db, url):
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == 400, (url, response.status_code)
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Security-Policy" in response  # the error page has the site's headers


@pytest.mark.parametrize("url", ["/api/v1/objects?campaign=%00", "/api/v1/objects/TAO%00",
                                 "/api/v1/mailbox?x=%00", "/api/internal/v1/tips?q=%00"])
def test_api_urls_with_nul_are_400_in_the_one_error_shape(client, db, url):
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == 400, (url, response.status_code)
    assert response.json()["error"]["code"] == "bad_request"
