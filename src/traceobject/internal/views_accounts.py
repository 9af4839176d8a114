"""Back-office pages of the accounts area: sign-in (password, then TOTP code or enrolment),
sign-out, re-authentication, personal API tokens and user management (administrators)."""

from __future__ import annotations

import time
from datetime import timedelta

import segno
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from traceobject.accounts import selectors, services
from traceobject.accounts.middleware import (
    LANGUAGE_SESSION_KEY,
    SEEN_SESSION_KEY,
    TIME_ZONE_SESSION_KEY,
)
from traceobject.accounts.models import ApiToken
from traceobject.accounts.reauth import reauth_mark, reauth_required, safe_next
from traceobject.accounts.roles import ADMINISTRATOR, ROLES, is_fully_signed_in, role_required
from traceobject.core.errors import RateLimited, ServiceError
from traceobject.core.ratelimit import ratelimit_hit
from traceobject.internal.forms_accounts import (
    ActiveForm,
    CodeForm,
    EvidenceViewForm,
    LanguageForm,
    PasswordSetForm,
    ReauthForm,
    RolesForm,
    SignInForm,
    TimeZoneForm,
    TokenForm,
    UserCreateForm,
    form_errors,
)

PENDING_USER = "traceobject_signin_user"
PENDING_AT = "traceobject_signin_at"
PENDING_NEXT = "traceobject_signin_next"
ENROL_DEVICE = "traceobject_enrol_device"
# Between the password and the code at most this long.
PENDING_SECONDS = 300
BACKEND = "django.contrib.auth.backends.ModelBackend"


# --- Sign-in --------------------------------------------------------------------------------

def _default_next() -> str:
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _pending_start(request: HttpRequest, user: User, next_path: str) -> None:
    request.session[PENDING_USER] = user.pk
    request.session[PENDING_AT] = time.time()
    request.session[PENDING_NEXT] = next_path


def _pending_clear(request: HttpRequest) -> None:
    for key in (PENDING_USER, PENDING_AT, PENDING_NEXT, ENROL_DEVICE):
        request.session.pop(key, None)


def _pending_user(request: HttpRequest) -> User | None:
    """The user who gave the right password in this session a moment ago."""
    pk = request.session.get(PENDING_USER)
    at = request.session.get(PENDING_AT)
    if not isinstance(pk, int) or not isinstance(at, int | float):
        return None
    if not 0 <= time.time() - at <= PENDING_SECONDS:
        _pending_clear(request)
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


def _login_page(request: HttpRequest, form: SignInForm, *, next_path: str, error: str = "",
                status: int = 200) -> HttpResponse:
    return render(request, "internal/login.html",
                  {"form": form, "next": next_path, "error": error}, status=status)


def _rate_limited(response: HttpResponse, error: RateLimited) -> HttpResponse:
    response["Retry-After"] = str(error.retry_after)
    return response


def _complete_signin(request: HttpRequest, user: User, device: TOTPDevice) -> HttpResponse:
    """Both factors given: a new session (Django cycles the key) marked verified."""
    next_path = str(request.session.get(PENDING_NEXT) or _default_next())
    auth_login(request, user, backend=BACKEND)
    otp_login(request, device)
    _pending_clear(request)
    reauth_mark(request)
    request.session[SEEN_SESSION_KEY] = time.time()
    services.signin_succeeded(user=user)
    return HttpResponseRedirect(safe_next(request, next_path, _default_next()))


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "HEAD", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    raw_next = request.POST.get("next") or request.GET.get("next")
    next_path = safe_next(request, raw_next, _default_next())
    if is_fully_signed_in(request.user):
        return HttpResponseRedirect(next_path)
    if request.method != "POST":
        return _login_page(request, SignInForm(), next_path=next_path)
    form = SignInForm(request.POST)
    try:
        ratelimit_hit(request, "signin")
    except RateLimited as exc:
        return _rate_limited(_login_page(request, form, next_path=next_path, error=exc.message,
                                         status=429), exc)
    if not form.is_valid():
        return _login_page(request, form, next_path=next_path, status=400,
                           error=str(services.signin_invalid_error().message))
    try:
        user = services.signin_password(username=form.cleaned_data["username"],
                                        password=form.cleaned_data["password"])
    except ServiceError as exc:
        return _login_page(request, SignInForm(initial={"username": ""}), next_path=next_path,
                           error=exc.message, status=exc.status)
    _pending_start(request, user, next_path)
    if services.user_has_confirmed_device(user=user):
        return redirect("internal:login-code")
    return redirect("internal:login-enrol")


def _code_page(request: HttpRequest, form: CodeForm, *, error: str = "",
               status: int = 200) -> HttpResponse:
    return render(request, "internal/accounts/login_code.html",
                  {"form": form, "error": error}, status=status)


def _expired(request: HttpRequest) -> HttpResponse:
    return _login_page(request, SignInForm(), next_path=_default_next(), status=400,
                       error=str(_("The sign-in took too long. Please start again.")))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return _expired(request) if request.method == "POST" else redirect("internal:login")
    if not services.user_has_confirmed_device(user=user):
        return redirect("internal:login-enrol")
    if request.method != "POST":
        return _code_page(request, CodeForm())
    form = CodeForm(request.POST)
    try:
        ratelimit_hit(request, "signin")
    except RateLimited as exc:
        return _rate_limited(_code_page(request, form, error=exc.message, status=429), exc)
    try:
        device = services.signin_code(user=user, code=request.POST.get("code", "")[:64])
    except ServiceError as exc:
        if exc.code == "locked":
            _pending_clear(request)
            return _login_page(request, SignInForm(), next_path=_default_next(),
                               error=exc.message, status=exc.status)
        return _code_page(request, CodeForm(), error=exc.message, status=exc.status)
    return _complete_signin(request, user, device)


def _enrol_page(request: HttpRequest, device: TOTPDevice, *, error: str = "",
                status: int = 200) -> HttpResponse:
    uri = services.totp_uri(device)
    qr = segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#000", light="#fff")
    return render(request, "internal/accounts/enrol.html", {
        "form": CodeForm(), "qr": qr, "secret": services.totp_secret_base32(device),
        "error": error, "issuer": getattr(settings, "OTP_TOTP_ISSUER", ""),
    }, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def login_enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in (or after a reset): set up the authenticator app, confirm with a code."""
    user = _pending_user(request)
    if user is None:
        return _expired(request) if request.method == "POST" else redirect("internal:login")
    if services.user_has_confirmed_device(user=user):
        return redirect("internal:login-code")
    session_device = request.session.get(ENROL_DEVICE)
    device_id = session_device if isinstance(session_device, int) else None
    if request.method == "POST":
        device = TOTPDevice.objects.filter(pk=device_id or 0, user=user, confirmed=False).first()
        if device is None:
            return redirect("internal:login-enrol")
        try:
            ratelimit_hit(request, "signin")
            device = services.totp_enrolment_confirm(
                user=user, device=device, code=request.POST.get("code", "")[:64])
        except RateLimited as exc:
            return _rate_limited(_enrol_page(request, device, error=exc.message, status=429),
                                 exc)
        except ServiceError as exc:
            if exc.code == "locked":
                _pending_clear(request)
                return _login_page(request, SignInForm(), next_path=_default_next(),
                                   error=exc.message, status=exc.status)
            return _enrol_page(request, device, error=exc.message, status=exc.status)
        return _complete_signin(request, user, device)
    device = services.totp_enrolment_start(user=user, device_id=device_id)
    request.session[ENROL_DEVICE] = device.pk
    return _enrol_page(request, device)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.signout_record(user=request.user)
    auth_logout(request)
    return redirect("internal:login")


# --- Re-authentication ----------------------------------------------------------------------

def _reauth_page(request: HttpRequest, form: ReauthForm, next_path: str, *, error: str = "",
                 status: int = 200) -> HttpResponse:
    return render(request, "internal/accounts/reauth.html",
                  {"form": form, "next": next_path, "error": error}, status=status)


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "HEAD", "POST"])
def reauth(request: HttpRequest) -> HttpResponse:
    """Password and a current code again before a sensitive action, then back."""
    if not is_fully_signed_in(request.user):
        return redirect_to_login(request.get_full_path())
    raw_next = request.POST.get("next") or request.GET.get("next")
    next_path = safe_next(request, raw_next, _default_next())
    if request.method != "POST":
        return _reauth_page(request, ReauthForm(), next_path)
    form = ReauthForm(request.POST)
    try:
        ratelimit_hit(request, "signin")
    except RateLimited as exc:
        return _rate_limited(_reauth_page(request, form, next_path, error=exc.message,
                                          status=429), exc)
    if not form.is_valid():
        return _reauth_page(request, ReauthForm(), next_path, status=400,
                            error=str(services.signin_invalid_error().message))
    user: User = request.user  # type: ignore[assignment]
    try:
        services.reauth_check(user=user, password=form.cleaned_data["password"],
                              code=form.cleaned_data["code"])
    except ServiceError as exc:
        if exc.code == "locked":
            # Someone is guessing at an open session: end it.
            auth_logout(request)
            return _login_page(request, SignInForm(), next_path=next_path,
                               error=exc.message, status=exc.status)
        return _reauth_page(request, ReauthForm(), next_path, error=exc.message,
                            status=exc.status)
    reauth_mark(request)
    return HttpResponseRedirect(next_path)


# --- A person's own settings ----------------------------------------------------------------

def _settings_page(request: HttpRequest, *, form: LanguageForm | None = None,
                   zone_form: TimeZoneForm | None = None,
                   evidence_form: EvidenceViewForm | None = None,
                   status: int = 200) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    browser = translation.get_language_from_request(request)
    if form is None:
        form = LanguageForm(initial={"language": selectors.staff_language(user=user)},
                            browser_language=browser)
    if zone_form is None:
        zone_form = TimeZoneForm(initial={"time_zone": selectors.staff_time_zone(user=user)})
    if evidence_form is None:
        current = selectors.staff_evidence_view(user=user)
        evidence_form = EvidenceViewForm(initial={
            "blur": current.blur, "greyscale": current.greyscale,
            "thumb_size": current.thumb_size})
    return render(request, "internal/accounts/settings.html", {
        "form": form, "zone_form": zone_form, "now": timezone.now(),
        "evidence_form": evidence_form,
        "saved": request.GET.get("saved") == "1" and status == 200,
    }, status=status)


def _saved() -> HttpResponse:
    return HttpResponseRedirect(resolve_url("internal:account-settings") + "?saved=1",
                                status=303)


def _time_zone_save(request: HttpRequest) -> HttpResponse:
    form = TimeZoneForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, zone_form=form, status=400)
    try:
        zone = services.staff_time_zone_set(user=request.user,  # type: ignore[arg-type]
                                            time_zone=form.cleaned_data["time_zone"])
    except ServiceError as exc:
        form_errors(form, exc.fields or {"__all__": exc.message})
        return _settings_page(request, zone_form=form, status=exc.status)
    request.session[TIME_ZONE_SESSION_KEY] = zone
    return _saved()


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@role_required(*ROLES)
def account_settings(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own settings: the back office's language and time zone (two
    forms; a POST with a time_zone field is the second)."""
    if request.method != "POST":
        return _settings_page(request)
    if "time_zone" in request.POST:
        return _time_zone_save(request)
    browser = translation.get_language_from_request(request)
    form = LanguageForm(request.POST, browser_language=browser)
    if not form.is_valid():
        return _settings_page(request, form=form, status=400)
    try:
        language = services.staff_language_set(user=request.user,  # type: ignore[arg-type]
                                               language=form.cleaned_data["language"])
    except ServiceError as exc:
        form_errors(form, exc.fields or {"__all__": exc.message})
        return _settings_page(request, form=form, status=exc.status)
    request.session[LANGUAGE_SESSION_KEY] = language
    return _saved()


@never_cache
@require_POST
@role_required(*ROLES)
def account_evidence_view(request: HttpRequest) -> HttpResponse:
    """The signed-in person's evidence view: blur, greyscale, thumbnail size."""
    form = EvidenceViewForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, evidence_form=form, status=400)
    try:
        services.staff_evidence_view_set(
            user=request.user,  # type: ignore[arg-type]
            blur=form.cleaned_data["blur"], greyscale=form.cleaned_data["greyscale"],
            thumb_size=form.cleaned_data["thumb_size"])
    except ServiceError as exc:
        form_errors(form, exc.fields or {"__all__": exc.message})
        return _settings_page(request, evidence_form=form, status=exc.status)
    return HttpResponseRedirect(resolve_url("internal:account-settings") + "?saved=1",
                                status=303)


# --- API tokens -----------------------------------------------------------------------------

def _tokens_page(request: HttpRequest, *, form: TokenForm | None = None, new_token: str = "",
                 status: int = 200) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    response = render(request, "internal/accounts/tokens.html", {
        "tokens": selectors.api_tokens_of(user=user), "form": form or TokenForm(),
        "new_token": new_token, "now": timezone.now(),
    }, status=status)
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_http_methods(["GET", "HEAD"])
@role_required(*ROLES)
def tokens(request: HttpRequest) -> HttpResponse:
    return _tokens_page(request)


@never_cache
@require_POST
@role_required(*ROLES)
@reauth_required
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _tokens_page(request, form=form, status=400)
    days = form.cleaned_data.get("expires_days")
    expires_at = timezone.now() + timedelta(days=days) if days else None
    try:
        _row, token = services.api_token_create(user=request.user,  # type: ignore[arg-type]
                                                name=form.cleaned_data["name"],
                                                expires_at=expires_at)
    except ServiceError as exc:
        form_errors(form, exc.fields or {"__all__": exc.message})
        return _tokens_page(request, form=form, status=exc.status)
    return _tokens_page(request, new_token=token)


@require_POST
@role_required(*ROLES)
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.filter(pk=pk).first()
    if token is None:
        raise Http404
    try:
        services.api_token_revoke(token=token, user=request.user)  # type: ignore[arg-type]
    except ServiceError as exc:
        raise Http404 from exc
    default = resolve_url("internal:account-tokens")
    return HttpResponseRedirect(safe_next(request, request.POST.get("next"), default))


# --- User management (administrators) -------------------------------------------------------

@never_cache
@require_http_methods(["GET", "HEAD"])
@role_required(ADMINISTRATOR)
def users(request: HttpRequest) -> HttpResponse:
    return render(request, "internal/accounts/users.html", {"rows": selectors.staff_list()})


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "HEAD", "POST"])
@role_required(ADMINISTRATOR)
@reauth_required
def user_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "internal/accounts/user_new.html", {"form": UserCreateForm()})
    form = UserCreateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = services.staff_create(username=data["username"], password=data["password"],
                                         roles=data["roles"], authority=data["authority"],
                                         user=request.user)  # type: ignore[arg-type]
        except ServiceError as exc:
            form_errors(form, exc.fields or {"__all__": exc.message})
            status = exc.status
        else:
            return redirect("internal:user", pk=user.pk)
    else:
        status = 400
    return render(request, "internal/accounts/user_new.html", {"form": form}, status=status)


def _staff_or_404(pk: int) -> selectors.StaffRow:
    row = selectors.staff_get(pk=pk)
    if row is None:
        raise Http404
    return row


def _user_page(request: HttpRequest, row: selectors.StaffRow, *,
               roles_form: RolesForm | None = None,
               password_form: PasswordSetForm | None = None, error: str = "",
               status: int = 200) -> HttpResponse:
    roles_form = roles_form or RolesForm(initial={"roles": row.roles,
                                                  "authority": row.authority})
    return render(request, "internal/accounts/user.html", {
        "row": row, "roles_form": roles_form, "password_form": password_form or PasswordSetForm(),
        "tokens": selectors.api_tokens_of(user=row.user), "error": error,
        "is_self": row.user.pk == request.user.pk, "now": timezone.now(),
    }, status=status)


@never_cache
@require_http_methods(["GET", "HEAD"])
@role_required(ADMINISTRATOR)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _user_page(request, _staff_or_404(pk))


@require_POST
@role_required(ADMINISTRATOR)
@reauth_required
def user_roles(request: HttpRequest, pk: int) -> HttpResponse:
    row = _staff_or_404(pk)
    form = RolesForm(request.POST)
    if not form.is_valid():
        return _user_page(request, row, roles_form=form, status=400)
    try:
        services.user_roles_set(account=row.user, roles=form.cleaned_data["roles"],
                                authority=form.cleaned_data["authority"],
                                user=request.user)  # type: ignore[arg-type]
    except ServiceError as exc:
        form_errors(form, exc.fields or {"__all__": exc.message})
        return _user_page(request, row, roles_form=form, status=exc.status)
    return redirect("internal:user", pk=pk)


@require_POST
@role_required(ADMINISTRATOR)
@reauth_required
def user_second_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    row = _staff_or_404(pk)
    services.user_second_factor_reset(account=row.user,
                                      user=request.user)  # type: ignore[arg-type]
    return redirect("internal:user", pk=pk)


@require_POST
@role_required(ADMINISTRATOR)
@reauth_required
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    row = _staff_or_404(pk)
    services.user_unlock(account=row.user, user=request.user)  # type: ignore[arg-type]
    return redirect("internal:user", pk=pk)


@require_POST
@role_required(ADMINISTRATOR)
@reauth_required
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    row = _staff_or_404(pk)
    form = ActiveForm(request.POST)
    if not form.is_valid():
        return _user_page(request, row, error=str(_("Choose to activate or deactivate.")),
                          status=400)
    try:
        services.user_active_set(account=row.user, active=form.cleaned_data["active"],
                                 user=request.user)  # type: ignore[arg-type]
    except ServiceError as exc:
        return _user_page(request, row, error=exc.message, status=exc.status)
    return redirect("internal:user", pk=pk)


@sensitive_post_parameters("password")
@require_POST
@role_required(ADMINISTRATOR)
@reauth_required
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    row = _staff_or_404(pk)
    form = PasswordSetForm(request.POST)
    if form.is_valid():
        try:
            services.user_password_set(account=row.user,
                                       password=form.cleaned_data["password"],
                                       user=request.user)  # type: ignore[arg-type]
        except ServiceError as exc:
            form_errors(form, exc.fields or {"__all__": exc.message})
            return _user_page(request, row, password_form=form, status=exc.status)
        return redirect("internal:user", pk=pk)
    return _user_page(request, row, password_form=form, status=400)
