"""The outbox: recorded with the change, carried out once, retried while it can heal."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from outbox import services
from outbox.handlers import GiveUp, TryLater, handler
from outbox.models import Effect

pytestmark = pytest.mark.django_db

CALLS = []
OUTCOMES = {}  # subject_id -> exception class to raise, or None
GAVE_UP = []


@handler("test.effect", give_up=lambda effect, reason: GAVE_UP.append((effect.pk, reason)))
def _test_effect(effect):
    CALLS.append(effect.subject_id)
    outcome = OUTCOMES.get(effect.subject_id)
    if outcome is not None:
        raise outcome("the thing is down")


@pytest.fixture(autouse=True)
def _fresh():
    CALLS.clear()
    OUTCOMES.clear()
    GAVE_UP.clear()


def test_an_effect_exists_only_if_its_change_was_committed():
    def change_that_fails():
        with transaction.atomic():
            services.record("test.effect", 1)
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()

    assert not Effect.objects.exists()


def test_an_effect_is_carried_out_once_however_often_it_is_delivered(run_effects):
    effect = services.record("test.effect", 7, colour="blue")
    now = timezone.now()

    assert services.perform(effect.pk, now=now) == "done"
    assert services.perform(effect.pk, now=now) is None  # a second delivery
    assert run_effects(later=now + timedelta(hours=1)) == 0

    assert CALLS == [7]
    effect.refresh_from_db()
    assert (effect.status, effect.attempts, effect.args) == ("done", 1, {"colour": "blue"})


def test_an_effect_held_by_a_live_worker_is_not_taken_twice():
    effect = services.record("test.effect", 7)
    now = timezone.now()
    Effect.objects.filter(pk=effect.pk).update(locked_until=now + timedelta(minutes=1))

    assert services.perform(effect.pk, now=now) is None
    # The worker died: after its lease another takes the effect.
    assert services.perform(effect.pk, now=now + timedelta(minutes=2)) == "done"
    assert CALLS == [7]


def test_a_passing_outage_is_retried_with_backoff_until_it_heals():
    effect = services.record("test.effect", 3)
    OUTCOMES[3] = TryLater
    now = timezone.now()

    assert services.perform(effect.pk, now=now) == "pending"
    effect.refresh_from_db()
    assert effect.next_attempt_at == now + timedelta(seconds=10)
    assert effect.last_error == "the thing is down"
    assert effect.queued_at is None  # the repair pass will hand it over when due
    assert services.requeue_due(now=now + timedelta(seconds=5)) == 0

    assert services.perform(effect.pk, now=now + timedelta(seconds=10)) == "pending"
    effect.refresh_from_db()
    assert effect.next_attempt_at == now + timedelta(seconds=30)  # 10 s later, then 20 s

    OUTCOMES.clear()
    assert services.perform(effect.pk, now=now + timedelta(seconds=30)) == "done"
    assert CALLS == [3, 3, 3]


def test_an_unforeseen_error_keeps_the_effect_for_a_retry():
    effect = services.record("test.effect", 4)
    OUTCOMES[4] = KeyError

    assert services.perform(effect.pk, now=timezone.now()) == "pending"
    effect.refresh_from_db()
    assert "KeyError" in effect.last_error


def test_an_effect_that_can_never_succeed_fails_at_once_and_says_so():
    effect = services.record("test.effect", 5)
    OUTCOMES[5] = GiveUp

    assert services.perform(effect.pk, now=timezone.now()) == "failed"
    assert [(effect.pk, "the thing is down")] == GAVE_UP


def test_retries_end_after_the_last_attempt_and_say_so():
    effect = services.record("test.effect", 6)
    OUTCOMES[6] = TryLater
    now = timezone.now()

    for _ in range(services.MAX_ATTEMPTS):
        now += timedelta(hours=1)
        outcome = services.perform(effect.pk, now=now)

    assert outcome == "failed"
    assert len(CALLS) == services.MAX_ATTEMPTS
    assert [(effect.pk, "the thing is down")] == GAVE_UP
    assert services.perform(effect.pk, now=now + timedelta(days=1)) is None


def test_the_repair_pass_hands_over_what_was_never_queued_or_sat_too_long(redis_down):
    never = services.record("test.effect", 8)
    lost = services.record("test.effect", 9)
    fresh = services.record("test.effect", 10)
    now = timezone.now()
    Effect.objects.filter(pk=never.pk).update(queued_at=None)
    Effect.objects.filter(pk=lost.pk).update(queued_at=now - services.REQUEUE_AFTER)

    # The broker is down here: queueing fails quietly and leaves the effects to the next pass.
    assert services.requeue_due(now=now) == 2

    assert set(
        Effect.objects.filter(queued_at__isnull=True).values_list("subject_id", flat=True)
    ) == {8, 9}
    assert Effect.objects.get(pk=fresh.pk).queued_at is not None
