"""Screenshot the demo as each role sees it, against a running `make run`.

    .venv/bin/python scripts/demo_screenshots.py [http://localhost:8000]

Logs in as each demo account (password from VOST_DEMO_PASSWORD, default
vost-demo-2026), opens the pages that role uses and saves full-page PNGs in
var/screenshots/demo-<user>-<page>.png, for people to look at.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "screenshots"
PAGES = {
    "coordinateur": [
        "/",
        "/a/demo/",
        "/a/demo/roster/",
        "/a/demo/coverage/?hours=72",
        "/a/demo/log/",
        "/a/demo/members/",
        "/agreements/",
        "/partners/",
    ],
    "benevole": [
        "/",
        "/a/demo/",
        "/a/demo/triage/",
        "/a/demo/cases/",
        "/me/shifts/",
        "/me/volunteer/",
    ],
    "chef-equipe": ["/a/demo/triage/", "/a/demo/cases/1/", "/a/demo/rumours/1/"],
    "volunteer": ["/", "/a/demo/roster/"],
    "liaison": [
        "/",
        "/a/demo/",
        "/a/demo/escalations/",
        "/a/demo/rumours/1/",
        "/accounts/notifications/",
        "/agreements/",
    ],
    "observateur": ["/a/demo/log/"],
}


def main() -> int:
    base = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8000"
    password = os.environ.get("VOST_DEMO_PASSWORD", "vost-demo-2026")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        for username, paths in PAGES.items():
            context = browser.new_context(
                base_url=base, viewport={"width": 1280, "height": 800}
            )
            page = context.new_page()
            page.goto("/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", password)
            page.click("button[type=submit].btn-primary")
            page.wait_for_load_state("networkidle")
            for path in paths:
                response = page.goto(path)
                page.wait_for_timeout(400)
                name = path.strip("/").replace("/", "-").split("?")[0] or "dashboard"
                target = OUT / f"demo-{username}-{name}.png"
                page.screenshot(path=str(target), full_page=True)
                print(
                    f"{response.status if response else '---'} {username:<13} {path:<28} {target.name}"
                )
            context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
