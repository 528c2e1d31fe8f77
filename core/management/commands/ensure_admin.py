import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the admin superuser once and print its login."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/")

    def handle(self, *args, username: str, url: str, **options):
        User = get_user_model()
        password_file = settings.VAR_DIR / "admin_password"
        user = User.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(username=username, email="", password=password)
            password_file.write_text(password)
            password_file.chmod(0o600)
        elif password_file.exists() and user.check_password(password_file.read_text().strip()):
            password = password_file.read_text().strip()
        else:
            password = "(unchanged; reset with: .venv/bin/python manage.py changepassword admin)"
        self.stdout.write("")
        self.stdout.write("  관리자 로그인 / admin login")
        self.stdout.write(f"  URL:      {url}")
        self.stdout.write(f"  username: {username}")
        self.stdout.write(f"  password: {password}")
        self.stdout.write("")
