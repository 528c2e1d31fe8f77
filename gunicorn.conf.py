"""gunicorn's settings, read by itself when started from the repository root
(`gunicorn settlement_site.wsgi`; `-c` names another file).

Logging only: every gunicorn log line, the access log included, goes through
settlement_site.logging's MaskSecretsFilter, so an account number in a URL (the account-holder
lookup) or a secret never reaches a log file (README "Security"). The levels stay those of
--log-level.
"""

_MASKED = {"filters": ["mask_secrets"], "formatter": "generic"}

logconfig_dict = {
    "filters": {"mask_secrets": {"()": "settlement_site.logging.MaskSecretsFilter"}},
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
