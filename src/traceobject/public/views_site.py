"""Public pages about the site itself and its reach: who runs it (about, privacy notice), the
emergency number, the Atom feed and the gallery that media partners embed."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from traceobject.catalog import selectors
from traceobject.core.emergency import (
    COOKIE,
    COOKIE_MAX_AGE,
    emergency_choices,
    emergency_country,
    emergency_for,
)
from traceobject.core.pagecache import cached_public_page
from traceobject.sync.selectors import cores_retention_days

EMBED_SIZE = 12


def _language() -> str:
    return get_language() or settings.LANGUAGE_CODE


def site_base_url(request: HttpRequest) -> str:
    """The public site's address without a trailing slash: TRACEOBJECT_PUBLIC_BASE_URL, or the
    address this request came to."""
    return (settings.PUBLIC_BASE_URL or request.build_absolute_uri("/")).rstrip("/")


def embed_snippet(request: HttpRequest) -> str:
    """The HTML a media partner pastes into a page to show the gallery."""
    src = site_base_url(request) + reverse("public:embed")
    title = _("Trace an Object: do you recognise these objects?")
    return (f'<iframe src="{escape(src)}" title="{escape(title)}" width="100%" height="720" '
            'style="border:0;max-width:60rem" loading="lazy"></iframe>')


@require_safe
@cached_public_page
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "public/about.html", {
        "snippet": embed_snippet(request), "embed_origins": settings.EMBED_ORIGINS,
        "feed_url": site_base_url(request) + reverse("public:feed"),
    })


def privacy_facts() -> dict[str, Any]:
    """What the privacy notice states, read from the settings in force (see README). On an
    edge the retention periods are its cores' (they purge; the sync tells the edge), until a
    core has told them: then this process's settings."""
    tip_limit, tip_window = settings.RATE_LIMITS["tip"]
    receipt_limit, receipt_window = settings.RATE_LIMITS["receipt"]
    cores = cores_retention_days() if settings.EDGE else {}
    return {
        "retention_days": cores.get("days", settings.TRACEOBJECT_RETENTION_DAYS),
        "spam_retention_days": cores.get("spam_days", settings.TRACEOBJECT_SPAM_RETENTION_DAYS),
        "export_retention_days": cores.get("export_days",
                                           settings.TRACEOBJECT_EXPORT_RETENTION_DAYS),
        "address_minutes": max(tip_window, receipt_window) // 60,
        "media_shared_max_age_minutes": max(1, settings.MEDIA_SHARED_MAX_AGE // 60),
        "emergency_cookie_days": COOKIE_MAX_AGE // 86400,
        "legal_basis": settings.OPERATOR["legal_basis"],
        "legal_basis_law": settings.OPERATOR["legal_basis_law"],
    }


@require_safe
@cached_public_page
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "public/privacy.html", {"facts": privacy_facts()})


def _safe_next(request: HttpRequest, value: str) -> str | None:
    """Only a path on this site, inside the current language's pages."""
    prefix = f"/{_language()}/"
    if (value.startswith(prefix) and not value.startswith("//") and "\\" not in value
            and url_has_allowed_host_and_scheme(value, allowed_hosts=None)):
        return value
    return None


@never_cache
@require_safe
def emergency(request: HttpRequest) -> HttpResponse:
    """The emergency number for a country. `?country=XX` keeps the choice in a cookie that
    holds nothing but the country code (and `next` goes back to the page it was made on).
    Another site cannot make the choice: a request the browser marks cross-site
    (Sec-Fetch-Site) shows the number but keeps nothing."""
    language = _language()
    asked = str(request.GET.get("country", ""))
    picked = emergency_country(asked)
    chosen = picked or emergency_country(request.COOKIES.get(COOKIE))
    info = emergency_for(language=language, chosen=chosen)
    same_site = request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")
    target = _safe_next(request, str(request.GET.get("next", "")))
    if picked and same_site and target:
        response: HttpResponse = HttpResponseRedirect(target, status=303)
    else:
        unknown = bool(asked) and picked is None
        response = render(request, "public/emergency.html", {
            "info": info, "choices": emergency_choices(language), "unknown": unknown,
        }, status=400 if unknown else 200)
    if picked and same_site:
        response.set_cookie(COOKIE, picked, max_age=COOKIE_MAX_AGE,
                            samesite="Lax", httponly=True,
                            secure=settings.LANGUAGE_COOKIE_SECURE)
    return response


class _Feed(Atom1Feed):
    """Atom with a language on the feed and an icon; entries carry the picture in their
    summary (HTML, absolute addresses)."""

    def root_attributes(self) -> dict[str, str]:
        attrs = super().root_attributes()
        attrs["xml:lang"] = self.feed["language"]
        return attrs

    def add_root_elements(self, handler: Any) -> None:
        super().add_root_elements(handler)
        if self.feed.get("icon"):
            handler.addQuickElement("icon", self.feed["icon"])


@require_safe
@cached_public_page
def feed(request: HttpRequest) -> HttpResponse:
    """Atom feed of the newest published and identified objects in the page's language."""
    language = _language()
    base = site_base_url(request)
    entries = selectors.object_feed(language=language)
    atom = _Feed(
        title=_("Trace an Object"), link=base + reverse("public:gallery"),
        description=_("Newly published and identified objects"),
        language=language, feed_url=base + request.path,
        author_name=settings.OPERATOR["name"], feed_guid=base + request.path,
    )
    for entry in entries:
        obj = entry.object
        link = base + reverse("public:object", args=[obj.ref])
        if entry.event == "identified":
            title = _("Identified: %(title)s") % {"title": obj.title}
        else:
            title = obj.title
        summary = ""
        if obj.images:
            image = obj.images[0].fallback(1024)
            alt = _("%(title)s, picture %(n)s") % {"title": obj.title, "n": 1}
            summary += (f'<p><img src="{escape(base + image.jpeg)}" width="{image.width}" '
                        f'alt="{escape(alt)}"></p>')
        text = obj.thank_you if entry.event == "identified" and obj.thank_you else obj.description
        if text:
            summary += f"<p>{escape(text)}</p>"
        if entry.event == "published" and not obj.is_identified:
            summary += f'<p><a href="{escape(link)}">{escape(_("I recognise this object"))}</a></p>'
        atom.add_item(title=title, link=link, description=summary,
                      unique_id=f"{link}#{entry.event}", updateddate=entry.at,
                      pubdate=entry.at, categories=[obj.category_label])
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    atom.write(response, "utf-8")
    return response


@require_safe
@xframe_options_exempt
@cached_public_page
def embed(request: HttpRequest) -> HttpResponse:
    """The gallery for media partners' pages: framed only by TRACEOBJECT_EMBED_ORIGINS, no
    cookie, no script; every link opens the full site in a new tab."""
    page = selectors.object_list(language=_language(), per_page=EMBED_SIZE)
    response = render(request, "public/embed.html", {
        "page": page, "base": site_base_url(request),
    })
    response._csp_replace = {  # type: ignore[attr-defined]
        "frame-ancestors": list(settings.EMBED_ORIGINS) or ["'none'"],
    }
    return response


def share_links(*, url: str, title: str) -> list[dict[str, str]]:
    """Plain links to the big networks' share pages (nothing is loaded from them)."""
    text = f"{title} {url}"
    return [
        {"name": "Facebook", "url": "https://www.facebook.com/sharer/sharer.php?"
         + urlencode({"u": url})},
        {"name": "X", "url": "https://x.com/intent/post?" + urlencode({"text": title, "url": url})},
        {"name": "WhatsApp", "url": "https://wa.me/?" + urlencode({"text": text})},
        {"name": "Telegram", "url": "https://t.me/share/url?"
         + urlencode({"url": url, "text": title})},
        {"name": "LinkedIn", "url": "https://www.linkedin.com/sharing/share-offsite/?"
         + urlencode({"url": url})},
        {"name": "Reddit", "url": "https://www.reddit.com/submit?"
         + urlencode({"url": url, "title": title})},
        {"name": _("E-mail"), "url": "mailto:?" + urlencode({"subject": title, "body": url},
                                                             quote_via=quote)},
    ]


def share_card(request: HttpRequest, obj: selectors.ObjectView) -> dict[str, Any]:
    """What an object page tells the networks a link is shared to (Open Graph, Twitter card):
    absolute addresses, texts in the page's language."""
    base = site_base_url(request)
    url = base + reverse("public:object", args=[obj.ref])
    description = " ".join(obj.description.split())
    if len(description) > 200:
        description = description[:199].rsplit(" ", 1)[0] + "…"
    if not description:
        description = _("Do you recognise this object? Your tip can help find a child.")
    card: dict[str, Any] = {
        "url": url, "title": obj.title, "description": description,
        "locale": _og_locale(_language()), "links": share_links(url=url, title=obj.title),
    }
    if obj.images:
        image = obj.images[0].fallback(1200)
        card["image"] = {
            "url": base + image.jpeg, "width": image.width,
            "height": round(obj.images[0].height * image.width / max(1, obj.images[0].width)),
            "alt": _("%(title)s, picture %(n)s") % {"title": obj.title, "n": 1},
        }
    return card


def _og_locale(language: str) -> str:
    from traceobject.core.emergency import LANGUAGE_COUNTRY

    country = LANGUAGE_COUNTRY.get(language, "")
    return f"{language}_{country}" if country else language
