"""Listen to deletion events: a Mastodon instance's stream, or an X compliance
or Jetstream file, and queue the erasures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from privacy import deletions
from privacy.stream import mastodon_listen_forever, queue_deletions
from vost.env import env_secret


class Command(BaseCommand):
    help = (
        "Honour platform deletions: --mastodon URL listens to an instance's "
        "stream; --x-compliance FILE or --jetstream FILE reads recorded events."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--mastodon", help="instance URL, e.g. https://mastodon.social"
        )
        parser.add_argument(
            "--token-env", default="", help="variable holding the instance token"
        )
        parser.add_argument("--x-compliance", type=Path, help="X compliance JSONL")
        parser.add_argument("--jetstream", type=Path, help="Jetstream events JSONL")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["x_compliance"]:
            lines = options["x_compliance"].read_text("utf-8").splitlines()
            count = queue_deletions(deletions.x_compliance(lines))
            self.stdout.write(f"{count} X deletion(s) queued")
            return
        if options["jetstream"]:
            found = [
                d
                for line in options["jetstream"].read_text("utf-8").splitlines()
                if (d := deletions.bluesky_jetstream(line)) is not None
            ]
            self.stdout.write(f"{queue_deletions(found)} Bluesky deletion(s) queued")
            return
        if options["mastodon"]:
            token = env_secret(options["token_env"]) if options["token_env"] else None
            mastodon_listen_forever(instance=options["mastodon"], token=token)
            return
        raise CommandError("give --mastodon, --x-compliance or --jetstream")
