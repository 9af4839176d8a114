"""Posting the public site's forms as a browser does: draw the form first (it carries a
one-time token and sets the browser's secret), post it with the token, follow the redirect."""

from __future__ import annotations

import html
import re
from typing import Any

from django.test import Client

TOKEN_RE = re.compile(r'name="form_token" value="([^"]+)"')
RECEIPT_RE = re.compile(r'id="receipt"[^>]*>\s*([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})\s*<')


def tokens(response: Any) -> list[str]:
    return [html.unescape(t) for t in TOKEN_RE.findall(response.content.decode())]


def form_token(client: Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    found = tokens(page)
    assert found, f"no form token on {url}"
    return found[0]


def tip_post(client: Client, ref: str, data: dict[str, Any], *, language: str = "en",
             follow: bool = True, token: str | None = None) -> Any:
    """Send the tip form with a fresh token (or `token`); follow the redirect to the receipt."""
    url = f"/{language}/objects/{ref}/tip/"
    token = token if token is not None else form_token(client, url)
    return client.post(url, {**data, "form_token": token}, follow=follow)


def receipt_of(response: Any) -> str:
    found = RECEIPT_RE.search(response.content.decode())
    assert found, "no receipt on the page"
    return found.group(1)


def mailbox_post(client: Client, receipt: str, *, language: str = "en", tz: str = "",
                 follow: bool = True) -> Any:
    """Open the mailbox with a receipt, as the mailbox's own form does."""
    token = form_token(client, f"/{language}/mailbox/")
    return client.post(f"/{language}/mailbox/", {"receipt": receipt, "form_token": token,
                                                  "tz": tz}, follow=follow)


def reply_post(client: Client, mailbox_page: Any, text: str, *, tip: int | None = None,
               follow: bool = True) -> Any:
    """Send the answer form of an open mailbox page (the first one, or the one of tip number
    `tip`), in the page's language."""
    page = mailbox_page.content.decode()
    forms = re.findall(r'<form method="post" action="/[a-z]{2}/mailbox/reply/".*?</form>',
                       page, re.S)
    assert forms, "no answer form on the page"
    chosen = forms[0]
    if tip is not None:
        chosen = next(f for f in forms if f'name="tip" value="{tip}"' in f)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', chosen))
    fields = {k: html.unescape(v) for k, v in fields.items() if k != "csrfmiddlewaretoken"}
    action = re.search(r'action="([^"]+)"', chosen)
    assert action
    return client.post(action.group(1), {**fields, "text": text}, follow=follow)
