"""The project's settings for the scale-out test (tests/scale/, `make scale-test`): every
process of the test (pytest, both gunicorns, both clusters) runs with
DJANGO_SETTINGS_MODULE=tests.scale.settings. What differs from production is only what makes
a lost task show up within the test's few minutes instead of after the production waits, and
what lets the test count what happened; the recovery code paths are the production ones.

Knobs the environment already sets (scripts/scale-test.sh): REDIS_URL, Q_WORKERS,
PAYOUT_RECOVERY_AFTER_SECONDS, PAYOUT_BANK_LATENCY_MS, PAYOUT_RUN_BATCH. Those below have no
environment variable in settlement_site/settings.py.
"""

import os
from pathlib import Path

from settlement_site.settings import *  # noqa: F403
from settlement_site.settings import Q_CLUSTER, TEMPLATES, VAR_DIR

# A few hundred payouts built by the background task (production: inline up to 1,000), so the
# bulk request is a task a killed cluster can lose.
INVOICE_BULK_INLINE_MAX = 20
# How long a bulk, a statement, waits before the minute tasks take it as lost (120 s, 600 s).
INVOICE_BULK_RESUME_AFTER_SECONDS = 20
PAYOUT_STATEMENT_RESEND_AFTER_SECONDS = 20
# Every task's result kept (django-q2 keeps the last 250 successes by default): the test counts
# them to show that no task ran twice.
Q_CLUSTER = {**Q_CLUSTER, "save_limit": 0}
# Every e-mail a file (one per connection), so the test counts what each partner received.
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ.get("SCALE_MAIL_DIR", str(VAR_DIR / "mail"))
# A one-line statement PDF (tests/scale/templates/scale/statement.html): ours takes about a
# second of a loaded worker each, and a few hundred of them made the test a PDF bench.
TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], Path(__file__).parent / "templates"]}]
STATEMENT_TEMPLATE = "scale/statement.html"
