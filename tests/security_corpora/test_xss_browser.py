"""The XSS corpus in Chromium: the main pages, and the map popups that
static/js/opmap.js builds from JSON, with payloads in every field, for a coordinator
and a liaison. No dialog may open, no payload may leave an element, attribute or
javascript: link in the live DOM, and the Content Security Policy must report no
violation (a violation means markup tried to run inline)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from activations.models import Activation, ActivationMember
from tests.browser.support import log_in
from tests.factories import make_member
from tests.security_corpora import xss_support as xs
from tests.security_corpora.test_xss import declared_skip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = ActivationMember.Role

# Elements, attributes and URLs that a payload (tagged xq<n>r<n>q) created in the DOM.
FIND_INJECTIONS = """() => {
  const tag = /xq\\d+r\\d+q/;
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    const name = el.tagName.toLowerCase();
    if (["script", "iframe", "object", "embed", "style", "base", "link"].includes(name)) {
      const own = (el.textContent || "") + " " + Array.from(el.attributes).map(a => a.value).join(" ");
      if (name === "script" && el.type === "application/json") { continue; }
      if (tag.test(own)) { found.push(el.outerHTML.slice(0, 200)); continue; }
    }
    for (const a of el.attributes) {
      const n = a.name.toLowerCase();
      const v = a.value.replace(/[\\x00-\\x20]/g, "").toLowerCase();
      if (tag.test(n)
          || ((n.startsWith("on") || n.startsWith("hx-")) && tag.test(a.value))
          || (["href", "src", "action", "formaction", "data"].includes(n)
              && /^(javascript:|vbscript:|data:text\\/html)/.test(v) && tag.test(a.value))) {
        found.push(name + " " + a.name + "=" + a.value.slice(0, 120));
      }
    }
  }
  return found;
}"""


def _poisoned_world() -> Activation:
    call_command("seed_demo", allow_production=True, stdout=io.StringIO())
    xs.poison_database(declared_skip())
    return Activation.objects.get(slug="demo")


def _watch(page):
    events = {"dialogs": [], "csp": []}

    def on_dialog(dialog):
        events["dialogs"].append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on(
        "console",
        lambda msg: (
            events["csp"].append(msg.text)
            if "Content Security Policy" in msg.text
            or "Content-Security-Policy" in msg.text
            else None
        ),
    )
    return events


def _visit(page, url: str, events, problems: list[str]) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    for found in page.evaluate(FIND_INJECTIONS):
        problems.append(f"{url}: {found}")


def _open_map_popups(page, url: str, events, problems: list[str], screenshot, name):
    page.context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page.goto(url)
    expect(page.locator("#opmap[data-state=ready]")).to_be_visible(timeout=30_000)
    page.wait_for_load_state("networkidle")
    markers = page.locator("[data-item]")
    for index in range(min(markers.count(), 8)):
        markers.nth(index).click(force=True)
        page.wait_for_load_state("networkidle")
        expect(page.locator(".leaflet-popup-content").last).to_be_visible()
        for found in page.evaluate(FIND_INJECTIONS):
            problems.append(f"{url} popup {index}: {found}")
        # a popup's own links must never be script
        for href in page.locator(".leaflet-popup-content a").evaluate_all(
            "els => els.map(a => a.getAttribute('href') || '')"
        ):
            assert (
                not href.replace("\t", "")
                .lower()
                .lstrip()
                .startswith(("javascript:", "data:", "vbscript:"))
            ), href
    screenshot(name)


def test_main_pages_and_map_popups_run_no_payload(page, screenshot):
    activation = _poisoned_world()
    slug = activation.slug
    coordinator = make_member(activation, Role.COORDINATOR, username="xss-coord").user
    liaison = make_member(activation, Role.LIAISON, username="xss-liaison").user
    events = _watch(page)
    problems: list[str] = []

    log_in(page, coordinator.username)
    for url in (
        reverse("home"),
        reverse("activations:activation-detail", args=[slug]),
        reverse("monitoring:triage", args=[slug]),
        reverse("monitoring:post-list", args=[slug]),
        reverse("verification:case-list", args=[slug]),
        reverse("verification:rumour-list", args=[slug]),
        reverse("mapping:incident-list", args=[slug]),
        reverse("publichelp:home", args=[slug]),
        reverse("accounts:notifications"),
    ):
        _visit(page, url, events, problems)
    screenshot("xss-coordinator-posts")
    _open_map_popups(
        page,
        reverse("mapping:map", args=[slug]),
        events,
        problems,
        screenshot,
        "xss-coordinator-map",
    )

    log_in(page, liaison.username, fresh=True)
    _visit(page, reverse("portal:activation", args=[slug]), events, problems)
    _open_map_popups(
        page,
        reverse("mapping:map", args=[slug]),
        events,
        problems,
        screenshot,
        "xss-liaison-map",
    )

    assert events["dialogs"] == [], events["dialogs"]
    assert events["csp"] == [], events["csp"]
    assert problems == [], problems
