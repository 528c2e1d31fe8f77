from django.core.management.base import BaseCommand

from core.models import ApiSecret


class Command(BaseCommand):
    help = "Create an API secret. The secret is printed once, alone on the last line of stdout."

    def add_arguments(self, parser):
        parser.add_argument("name", help="what the secret is for, e.g. 'shop backend'")
        parser.add_argument(
            "--read-only",
            action="store_true",
            help="GET requests only: any other method answers 403 FORBIDDEN",
        )

    def handle(self, *args, name: str, read_only: bool = False, **options):
        obj, raw = ApiSecret.issue(name=name, read_only=read_only)
        kind = "read-only API secret" if obj.read_only else "API secret"
        self.stdout.write(f"{kind} '{obj.name}' created (prefix {obj.prefix}). Shown only once:")
        self.stdout.write(raw)
