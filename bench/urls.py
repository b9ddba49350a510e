import os
from functools import cache

from django.http import HttpResponse
from django.urls import include, path


@cache
def _floor_body():
    with open(os.environ["BENCH_FLOOR_FILE"], "rb") as handle:
        return handle.read()


def floor(request):
    """The framework floor: the same bytes as the slots answer, with no work behind them."""
    return HttpResponse(_floor_body(), content_type="application/json")


urlpatterns = [path("bench/floor.json", floor), path("", include("okomo.urls"))]
