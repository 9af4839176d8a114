"""Country pages: the estimate of an object or a case, its map, clues, tags and notes;
the shop and brand names linked to countries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from traceobject.accounts.roles import INVESTIGATOR, role_required
from traceobject.catalog.models import TracedObject
from traceobject.clues import investigators, selectors
from traceobject.clues.brands import brand_link_add, brand_link_remove
from traceobject.clues.models import BrandLink, ClueRecord
from traceobject.core.errors import NotFound, ServiceError
from traceobject.evidence.models import Case
from traceobject.internal.forms_clues import BrandForm, ClueNoteForm, TagForm


@dataclass(frozen=True)
class _Subject:
    obj: TracedObject | None = None
    case: Case | None = None

    @property
    def kind(self) -> str:
        return "object" if self.obj is not None else "case"

    @property
    def ref(self) -> str:
        return self.obj.ref if self.obj is not None else self.case.ref  # type: ignore[union-attr]

    def url(self, name: str = "", *args: Any) -> str:
        return reverse(f"internal:{self.kind}-country{name}", args=[self.ref, *args])

    def view(self) -> selectors.EstimateView:
        if self.obj is not None:
            return selectors.object_estimate_view(self.obj)
        assert self.case is not None
        return selectors.case_estimate_view(self.case)


def _object(ref: str) -> _Subject:
    return _Subject(obj=get_object_or_404(TracedObject, ref=ref))


def _case(ref: str) -> _Subject:
    return _Subject(case=get_object_or_404(Case, ref=ref))


def _link(name: str, pk: int | None) -> str:
    if pk is None:
        return ""
    try:
        return reverse(f"internal:{name}", args=[pk])
    except NoReverseMatch:  # an area whose pages are not there
        return ""


def _page(request: HttpRequest, subject: _Subject, *, tag_form: TagForm | None = None,
          note_form: ClueNoteForm | None = None, error: str = "", status: int = 200
          ) -> HttpResponse:
    view = subject.view()
    clues = [(c, _link("crop", c.crop_id) or _link("evidence", c.image_id)
              or _link("tip", c.tip_id)) for c in view.clues]
    try:
        back = reverse(f"internal:{subject.kind}", args=[subject.ref])
    except NoReverseMatch:  # no page for the object (yet)
        back = ""
    return render(request, "internal/clues/estimate.html", {
        "subject": subject, "view": view, "clues": clues, "back": back,
        "tag_form": tag_form or TagForm(), "note_form": note_form or ClueNoteForm(),
        "error": error,
    }, status=status)


# --------------------------------------------------------------------------- objects


@never_cache
@role_required(INVESTIGATOR)
def object_country(request: HttpRequest, ref: str) -> HttpResponse:
    return _page(request, _object(ref))


@never_cache
@require_POST
@role_required(INVESTIGATOR)
def object_country_tag(request: HttpRequest, ref: str) -> HttpResponse:
    return _tag(request, _object(ref))


@never_cache
@require_POST
@role_required(INVESTIGATOR)
def object_country_note(request: HttpRequest, ref: str) -> HttpResponse:
    return _note(request, _object(ref))


@never_cache
@require_POST
@role_required(INVESTIGATOR)
def object_country_refresh(request: HttpRequest, ref: str) -> HttpResponse:
    return _refresh(request, _object(ref))


@never_cache
@require_POST
@role_required(INVESTIGATOR)
def object_clue_delete(request: HttpRequest, ref: str, pk: int) -> HttpResponse:
    return _delete(request, _object(ref), pk)


# --------------------------------------------------------------------------- cases


@never_cache
@role_required(INVESTIGATOR)
def case_country(request: HttpRequest, ref: str) -> HttpResponse:
    return _page(request, _case(ref))


@never_cache
@require_POST
@role_required(INVESTIGATOR)
def case_country_tag(request: HttpRequest, ref: str) -> HttpResponse:
    return _tag(request, _case(ref))


@never_cache
@require_POST
@role_required(INVESTIGATOR)
def case_country_note(request: HttpRequest, ref: str) -> HttpResponse:
    return _note(request, _case(ref))


@never_cache
@require_POST
@role_required(INVESTIGATOR)
def case_country_refresh(request: HttpRequest, ref: str) -> HttpResponse:
    return _refresh(request, _case(ref))


@never_cache
@require_POST
@role_required(INVESTIGATOR)
def case_clue_delete(request: HttpRequest, ref: str, pk: int) -> HttpResponse:
    return _delete(request, _case(ref), pk)


# --------------------------------------------------------------------------- shared


def _tag(request: HttpRequest, subject: _Subject) -> HttpResponse:
    form = TagForm(request.POST)
    if form.is_valid():
        try:
            investigators.clue_tag_add(user=request.user, tag=form.cleaned_data["tag"],
                                       value=form.cleaned_data["value"], obj=subject.obj,
                                       case=subject.case)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect(subject.url() + "#clues")
    return _page(request, subject, tag_form=form, status=400)


def _note(request: HttpRequest, subject: _Subject) -> HttpResponse:
    form = ClueNoteForm(request.POST)
    if form.is_valid():
        try:
            investigators.clue_note_add(
                user=request.user, country=form.cleaned_data["country"],
                stance=form.cleaned_data["stance"], because=form.cleaned_data["because"],
                obj=subject.obj, case=subject.case)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect(subject.url() + "#clues")
    return _page(request, subject, note_form=form, status=400)


def _refresh(request: HttpRequest, subject: _Subject) -> HttpResponse:
    investigators.estimate_recompute(user=request.user, obj=subject.obj, case=subject.case)
    return redirect(subject.url())


def _delete(request: HttpRequest, subject: _Subject, pk: int) -> HttpResponse:
    clue = ClueRecord.objects.filter(pk=pk).select_related("tip").first()
    if clue is None or not selectors.clue_belongs_to(clue, obj=subject.obj, case=subject.case):
        raise Http404
    investigators.clue_delete(clue=clue, user=request.user)
    return redirect(subject.url() + "#clues")


# --------------------------------------------------------------------------- brand links


def _brands_page(request: HttpRequest, *, form: BrandForm | None = None,
                 status: int = 200) -> HttpResponse:
    return render(request, "internal/clues/brands.html", {
        "links": selectors.brand_links_list(), "form": form or BrandForm(),
    }, status=status)


@never_cache
@role_required(INVESTIGATOR)
def brands(request: HttpRequest) -> HttpResponse:
    return _brands_page(request)


@never_cache
@require_POST
@role_required(INVESTIGATOR)
def brand_add(request: HttpRequest) -> HttpResponse:
    form = BrandForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            brand_link_add(user=request.user, name=form.cleaned_data["name"],
                           country=form.cleaned_data["country"], note=form.cleaned_data["note"])
        except ServiceError as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            return redirect("internal:brands")
    return _brands_page(request, form=form, status=status)


@never_cache
@require_POST
@role_required(INVESTIGATOR)
def brand_remove(request: HttpRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(BrandLink, pk=pk)
    try:
        brand_link_remove(user=request.user, link=link)
    except NotFound:  # removed by someone else a moment ago
        raise Http404 from None
    return redirect("internal:brands")
