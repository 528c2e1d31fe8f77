import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

pytestmark = pytest.mark.django_db


def test_setup_schedules_is_idempotent_and_runs_after_midnight_kst():
    call_command("setup_schedules")
    call_command("setup_schedules")
    names = set(Schedule.objects.values_list("name", flat=True))
    assert {
        "settle-transfers",
        "settle-transfers-after-midnight",
        "promote-due-policy-versions",
        "promote-due-partner-versions",
    } <= names
    assert Schedule.objects.count() == len(names)
    daily = Schedule.objects.get(name="settle-transfers-after-midnight")
    local = timezone.localtime(daily.next_run)
    assert (local.hour, local.minute) == (0, 5)
    assert daily.next_run > timezone.now()
    assert daily.func == "settlements.tasks.advance_and_gather"
