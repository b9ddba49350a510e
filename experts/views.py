from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bookings import slot_cache

from .forms import ProfileForm, SignInForm


def _remember_language(response, language):
    translation.activate(language)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
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


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        slot_cache.changed(request.user.pk)  # the time zone places the weekly hours
        response = redirect("experts:profile")
        _remember_language(response, request.user.language)
        messages.success(request, _("Your profile was saved."))
        return response
    return render(request, "experts/profile.html", {"form": form})
