"""`manage.py own_company`: print our own company (자사) profile; `--from-env` first writes the
non-empty OWN_COMPANY_* settings onto it (docs/invoices.md#own-company)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from invoices.services.own_company import apply_settings, profile_lines


class Command(BaseCommand):
    help = "자사 정보를 출력합니다. --from-env: OWN_COMPANY_* 환경 변수 값을 먼저 반영합니다."

    def add_arguments(self, parser):
        parser.add_argument(
            "--from-env",
            action="store_true",
            help="비어 있지 않은 OWN_COMPANY_* 설정을 자사 정보에 씁니다.",
        )

    def handle(self, *args, **options):
        if options["from_env"]:
            try:
                _company, changed = apply_settings()
            except DomainError as exc:
                raise CommandError(f"OWN_COMPANY_BRN: {exc.message}") from exc
            self.stdout.write(
                f"자사 정보 갱신: {', '.join(changed)}" if changed else "자사 정보: 변경 없음"
            )
        width = max(len(label) for label, _ in profile_lines())
        for label, value in profile_lines():
            self.stdout.write(f"{label.ljust(width)}  {value or '-'}")
