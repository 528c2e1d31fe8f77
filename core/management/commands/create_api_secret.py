from django.core.management.base import BaseCommand

from core.models import ApiSecret


class Command(BaseCommand):
    help = "Create an API secret. The secret is printed once, alone on the last line of stdout."

    def add_arguments(self, parser):
        parser.add_argument("name", help="what the secret is for, e.g. 'shop backend'")

    def handle(self, *args, name: str, **options):
        obj, raw = ApiSecret.issue(name=name)
        self.stdout.write(
            f"API secret '{obj.name}' created (prefix {obj.prefix}). Shown only once:"
        )
        self.stdout.write(raw)
