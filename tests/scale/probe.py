"""The scale-out test's probe schedule (tests/scale/test_scale_out.py): a one-minute schedule
whose task only returns the minute it was planned for. django-q2 passes the schedule's
`next_run` as the `intended_date_kwarg`; the task's result row is the record of the run, so
two runs of one planned minute (two clusters firing one schedule) would show as two rows."""


def record_run(planned: str) -> str:
    return planned
