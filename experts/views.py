from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import i18n
from django.views.decorators.http import require_GET

from bookings import slot_cache
from okomo import errors

from .forms import ProfileForm, SignInForm
from .models import ExpertPhoto, User
from .photos import photo_url_of


def _remember_language(response, language):
    translation.activate(language)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    return response


def set_language(request):
    """Django's set_language (cookie, then back to `next`); a signed-in expert's choice is also
    kept in the profile, so the next sign-in opens in it. Customers keep the cookie only."""
    response = i18n.set_language(request)
    language = request.POST.get("language")
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and language in User.Language.values
        and language != request.user.language
    ):
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response


def home(request):
    if request.user.is_authenticated:
        return redirect("calendars:settings")
    return render(request, "experts/home.html")


class SignInView(auth_views.LoginView):
    """Sign-in that switches the portal to the expert's own language."""

    form_class = SignInForm
    template_name = "experts/sign_in.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        return _remember_language(response, form.get_user().language)


def sign_in_locked_out(request, original_response=None, credentials=None):
    """The sign-in page for a locked-out email address and client address (django-axes)."""
    minutes = max(1, round(get_cool_off(request).total_seconds() / 60))
    sentence = ngettext(
        "Too many failed sign-ins with this email address from your network. "
        "For your safety, please wait %(minutes)d minute and try again.",
        "Too many failed sign-ins with this email address from your network. "
        "For your safety, please wait %(minutes)d minutes and try again.",
        minutes,
    ) % {"minutes": minutes}
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = SignInForm(request, initial={"username": username})
    context = {"form": form, "locked_out": sentence, "next": request.POST.get("next", "")}
    return render(request, "experts/sign_in.html", context, status=429)


def _booking_url(request, slug):
    """The absolute address of a booking page ("https://…/book/jana/")."""
    return request.build_absolute_uri(reverse("bookings:page", args=[slug]))


@login_required
def profile(request):
    # Before binding: the form writes the typed (maybe invalid) values into request.user.
    saved = request.user
    context = {
        "photo_url": photo_url_of(saved),
        "booking_url": _booking_url(request, saved.slug) if saved.slug else "",
        # What a typed name becomes, for static/js/profile.js: "https://…/book/" + name + "/".
        "booking_url_prefix": _booking_url(request, "name").removesuffix("name/"),
    }
    form = ProfileForm(request.POST or None, request.FILES or None, instance=saved)
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():  # the profile and its photo together
                form.save()
            slot_cache.changed(request.user.pk)  # the time zone places the weekly hours
            response = redirect("experts:profile")
            _remember_language(response, request.user.language)
            messages.success(request, _("Your profile was saved."))
            return response
        messages.error(request, _("Your profile was not saved: please correct the marked fields."))
        return render(request, "experts/profile.html", {**context, "form": form}, status=400)
    return render(request, "experts/profile.html", {**context, "form": form})


@require_GET
def photo(request, slug):
    """The expert's photo (see experts/photos.py). Its URL carries ?v=<version>: that URL never
    changes content, so browsers keep it a year; a new upload gets a new URL."""
    found = (
        ExpertPhoto.objects.filter(expert__slug=slug, expert__is_active=True)
        .values_list("jpeg", "expert__photo_version")
        .first()
    )
    if found is None:
        return errors.page_not_found(request)
    jpeg, version = found
    etag = f'"{version}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(bytes(jpeg), content_type="image/jpeg")
    response["ETag"] = etag
    if request.GET.get("v") == version:
        patch_cache_control(response, public=True, max_age=365 * 24 * 3600, immutable=True)
    else:  # an old or missing version: ask again soon
        patch_cache_control(response, public=True, max_age=300)
    return response
