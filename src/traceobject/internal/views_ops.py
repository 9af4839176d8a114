"""Operations pages: the audit log (auditors, administrators) and exports (investigators;
administrators see and download every export)."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from traceobject.accounts.roles import ADMINISTRATOR, AUDITOR, INVESTIGATOR, has_role, role_required
from traceobject.audit.selectors import (
    audit_entry_check,
    audit_event_get,
    audit_export_bound,
    audit_last_verification,
    audit_page,
)
from traceobject.audit.services import audit_export_record, audit_verify_record
from traceobject.core.errors import NotFound, ServiceError
from traceobject.exports.models import Export
from traceobject.exports.selectors import (
    export_status,
    export_target_resolve,
    export_targets,
    export_visible,
    exports_visible_to,
)
from traceobject.exports.services import export_download, export_start
from traceobject.internal.audit_selectors import audit_export_csv, audit_export_json, audit_rows
from traceobject.internal.forms_ops import AuditFilterForm, ExportStartForm

# --- Edges (sync) ---


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@role_required(ADMINISTRATOR, INVESTIGATOR)
def edges(request: HttpRequest) -> HttpResponse:
    """Each edge's state: last contact, backlog, errors; "Sync now" asks the worker."""
    from django.contrib import messages
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from traceobject.sync.selectors import edge_states
    from traceobject.sync.services import edges_sync_request

    if request.method == "POST":
        edges_sync_request(user=request.user)
        messages.success(request, _("The worker syncs with every edge now."))
        return redirect("internal:edges")
    return render(request, "internal/ops/edges.html", {
        "edges": edge_states(now=timezone.now()), "role": settings.ROLE,
        "interval": settings.SYNC_INTERVAL, "peers_file": settings.SYNC_PEERS_FILE,
    })


# --- Audit log ---


@never_cache
@require_safe
@role_required(AUDITOR, ADMINISTRATOR)
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    context: dict[str, object] = {"form": form, "verification": audit_last_verification()}
    if not form.is_valid():
        context["events"] = []
        return render(request, "internal/ops/audit_list.html", context, status=400)
    page = audit_page(filters=form.filters(), before=form.cleaned_data.get("before"))
    params = request.GET.copy()
    params.pop("before", None)
    newest = params.urlencode()
    older = None
    if page.older_than is not None:
        params["before"] = str(page.older_than)
        older = params.urlencode()
    context.update(rows=audit_rows(events=page.events), older=older, newest=newest,
                   paged="before" in request.GET, export_query=newest)
    return render(request, "internal/ops/audit_list.html", context)


AUDIT_EXPORT_TYPES = {"csv": "text/csv; charset=utf-8",
                      "json": "application/json; charset=utf-8"}


@never_cache
@require_GET  # not HEAD: every export is audited
@role_required(AUDITOR, ADMINISTRATOR)
def audit_export(request: HttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The log under the page's filters as CSV or JSON, streamed; the export is recorded
    (who, which filter, how many entries) before the first byte leaves."""
    if fmt not in AUDIT_EXPORT_TYPES:
        raise Http404
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "internal/ops/audit_list.html", {
            "form": form, "verification": audit_last_verification(), "rows": []}, status=400)
    filters, count = audit_export_bound(filters=form.filters())
    event = audit_export_record(user=request.user, fmt=fmt, filters=filters.described(),
                                rows=count)
    if fmt == "csv":
        body = audit_export_csv(filters=filters)
    else:
        body = audit_export_json(filters=filters, user=request.user, rows=count, now=event.at)
    response = StreamingHttpResponse(body, content_type=AUDIT_EXPORT_TYPES[fmt])
    name = f"audit-log-{event.at:%Y%m%d-%H%M%S}-{event.seq}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@require_safe
@role_required(AUDITOR, ADMINISTRATOR)
def audit_detail(request: HttpRequest, seq: int) -> HttpResponse:
    try:
        event = audit_event_get(seq=seq)
    except NotFound:
        raise Http404 from None
    return render(request, "internal/ops/audit_detail.html", {
        "event": event, "row": audit_rows(events=[event])[0],
        "check": audit_entry_check(event=event),
        "data_json": json.dumps(event.data, indent=2, ensure_ascii=False, sort_keys=True),
    })


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@role_required(AUDITOR, ADMINISTRATOR)
def audit_verify_page(request: HttpRequest) -> HttpResponse:
    """GET: the last verification. POST: walk the whole chain now (and record it)."""
    if request.method == "POST":
        try:
            audit_verify_record(user=request.user)
        except ServiceError as error:
            return render(request, "internal/ops/audit_verify.html", {
                "verification": audit_last_verification(), "error": error.message,
            }, status=error.status)
        return redirect("internal:audit-verify")
    return render(request, "internal/ops/audit_verify.html",
                  {"verification": audit_last_verification()})


# --- Exports ---


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@role_required(INVESTIGATOR, ADMINISTRATOR)
def export_list(request: HttpRequest) -> HttpResponse:
    may_start = has_role(request.user, INVESTIGATOR)
    form = None
    status = 200
    if may_start:
        form = ExportStartForm(request.POST if request.method == "POST" else None,
                               targets=export_targets())
    if request.method == "POST":
        if form is None:
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                obj, campaign = export_target_resolve(form.cleaned_data["target"])
                export = export_start(user=request.user, obj=obj, campaign=campaign,
                                      fmt=form.cleaned_data["format"])
            except ServiceError as error:
                form.add_error("target" if "target" in error.fields else None, error.message)
            else:
                return redirect("internal:export", export.pk)
        status = 400
    page = Paginator(exports_visible_to(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "internal/ops/exports.html", {
        "form": form, "page": page, "all_users": has_role(request.user, ADMINISTRATOR),
    }, status=status)


def _visible(request: HttpRequest, pk: int) -> Export:
    try:
        return export_visible(user=request.user, export_id=pk)
    except NotFound:
        raise Http404 from None


@never_cache
@require_safe
@role_required(INVESTIGATOR, ADMINISTRATOR)
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = _visible(request, pk)
    return render(request, "internal/ops/export_detail.html",
                  {"export": export, "status": export_status(export),
                   "retention_days": settings.TRACEOBJECT_EXPORT_RETENTION_DAYS})


@never_cache
@require_safe
@role_required(INVESTIGATOR, ADMINISTRATOR)
def export_status_json(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(export_status(_visible(request, pk)))


@never_cache
@require_GET  # not HEAD: every download is audited
@role_required(INVESTIGATOR, ADMINISTRATOR)
def export_file(request: HttpRequest, pk: int) -> FileResponse:
    try:
        handle, name, content_type = export_download(user=request.user, export_id=pk)
    except NotFound:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=name,
                            content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response
