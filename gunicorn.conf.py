"""gunicorn's settings, read by itself when started from the repository root
(`gunicorn settlement_site.wsgi`; `-c` names another file).

Logging only: every gunicorn log line, the access log included, goes through
settlement_site.logging's MaskSecretsFilter, so an account number in a URL (the account-holder
lookup) or a secret never reaches a log file (README "Security"). The levels stay those of
--log-level. LOG_FORMAT=json writes them as JSON objects, one a line, like Django's own
(settlement_site.logging.JsonFormatter, docs/deploy.md#logs).
"""

import os

_FORMATTER = "json" if os.environ.get("LOG_FORMAT") == "json" else "generic"
_MASKED = {"filters": ["mask_secrets"], "formatter": _FORMATTER}

logconfig_dict = {
    "filters": {"mask_secrets": {"()": "settlement_site.logging.MaskSecretsFilter"}},
    # gunicorn replaces its defaults' top-level keys with ours: its "generic" is restated
    "formatters": {
        "generic": {
            "format": "%(asctime)s [%(process)d] [%(levelname)s] %(message)s",
            "datefmt": "[%Y-%m-%d %H:%M:%S %z]",
            "class": "logging.Formatter",
        },
        "json": {"()": "settlement_site.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {**_MASKED, "class": "logging.StreamHandler", "stream": "ext://sys.stdout"},
        "error_console": {
            **_MASKED,
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
        },
    },
    "loggers": {
        # not propagated: Django's LOGGING gives the root logger a handler of its own
        "gunicorn.error": {"handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "propagate": False},
    },
}
