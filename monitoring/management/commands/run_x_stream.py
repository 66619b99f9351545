"""`manage.py run_x_stream`: the X filtered-stream worker (one per bearer token)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from monitoring.connectors import x_stream
from vost.env import env_secret


def make_rules_client(token: str) -> Any:
    from monitoring.connectors.x import rules_client

    return rules_client(token)


def make_stream(
    token: str, *, router: x_stream.StreamRouter, stop: threading.Event
) -> x_stream.Stream:
    from monitoring.connectors.x import XStream

    stream: x_stream.Stream = XStream(token, on_line=router.on_data, stop=stop)
    return stream


class Command(BaseCommand):
    help = (
        "Run X's filtered stream for every enabled X source with "
        '{"stream": true} using the given token: keep the stream rules in step '
        "with the sources, ingest posts in small batches, reconnect with backoff. "
        "Stops cleanly on SIGTERM or Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--credentials-env",
            default="X_BEARER_TOKEN",
            help="Environment variable holding the bearer token (sources naming "
            "another variable are left to another worker). Default: X_BEARER_TOKEN.",
        )
        parser.add_argument(
            "--resync-seconds",
            type=float,
            default=x_stream.RESYNC_SECONDS,
            help="How often to re-read the sources and fix the rules (default 60).",
        )
        parser.add_argument("--batch-size", type=int, default=x_stream.BATCH_SIZE)
        parser.add_argument("--flush-seconds", type=float, default=x_stream.MAX_DELAY)

    def handle(self, *args: Any, **options: Any) -> None:
        env_name: str = options["credentials_env"]
        token = env_secret(env_name)
        if not token:
            raise CommandError(f"{env_name} is not set: no bearer token for X")
        stop = threading.Event()

        def _stop(signum: int, _frame: Any) -> None:
            self.stdout.write(f"signal {signum}: stopping after the current batch")
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        router = x_stream.StreamRouter(
            batch_size=options["batch_size"], max_delay=options["flush_seconds"]
        )
        supervisor = x_stream.StreamSupervisor(
            credentials_env=env_name,
            rules_client=make_rules_client(token),
            stream_factory=lambda: make_stream(token, router=router, stop=stop),
            router=router,
            resync_seconds=options["resync_seconds"],
        )
        self.stdout.write(f"X stream worker started (token from {env_name})")
        supervisor.run(stop)
        stats = router.stats
        self.stdout.write(
            f"stopped: {stats['posts']} posts read, {stats['inserted']} inserted, "
            f"{stats['rejected']} rejected, {supervisor.connections} connections"
        )
