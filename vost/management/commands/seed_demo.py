"""Load the demo: one account per role, a VOST team, an authority, agreements and the
exercise activation `demo` with its roster and log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.services import demo_users_seed
from activations.demo import demo_seed
from mapping.demo import demo_map_seed
from publichelp.demo import demo_publichelp_seed
from verification.demo import demo_workspace_seed
from vost.env import env_secret


class Command(BaseCommand):
    help = "Create the demo accounts and data. Idempotent: run it as often as you like."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Allow seeding with DEBUG off (known passwords: never on a real instance).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "seed_demo creates accounts with a known password; refusing with DEBUG off. "
                "Pass --allow-production for a demo or training instance."
            )
        password = env_secret("VOST_DEMO_PASSWORD") or "vost-demo-2026"
        people = demo_users_seed(password=password)
        activation = demo_seed()
        everyone = {user.username: user for user in User.objects.filter(is_active=True)}
        demo_workspace_seed(activation, everyone)
        demo_map_seed(activation, everyone)
        demo_publichelp_seed(activation, everyone)
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password: {password}):"))
        for person in people:
            self.stdout.write(f"  {person.username:<14} {person.role}")
        self.stdout.write(
            f"Demo activation: /a/{activation.slug}/ ({activation.title})"
        )
        if settings.VOST_2FA_ENFORCED:
            self.stdout.write(
                "Coordinators and administrators set up two-factor authentication"
                " (an authenticator app) at their first login."
            )
