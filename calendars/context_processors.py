from .models import CalendarConnection


def calendar_connection(request):
    """Expose whether the signed-in expert must reconnect, for the banner on every page."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    needs = CalendarConnection.objects.filter(
        expert=user, status=CalendarConnection.Status.RECONNECT_NEEDED
    ).exists()
    return {"calendar_needs_reconnect": needs}
