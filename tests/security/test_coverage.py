"""Every URL has a declared policy; the checker itself is proven to catch a gap."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.urls import include, path

from tests.security.policies import ARGUMENTS, POLICIES
from tests.security.urlmap import all_urls, stale, uncovered
from vost.permissions import is_public

URLS = all_urls()


@pytest.mark.parametrize("url", URLS, ids=[u.name for u in URLS])
def test_every_url_has_a_policy(url):
    problems = uncovered([url], POLICIES)
    assert not problems, problems[0]


def test_no_policy_names_a_url_that_is_gone():
    assert not stale(URLS, POLICIES), (
        "policies for URLs that no longer exist (remove them from "
        f"tests/security/policies.py): {stale(URLS, POLICIES)}"
    )


@pytest.mark.parametrize(
    "url", [u for u in URLS if u.name in POLICIES], ids=lambda u: u.name
)
def test_public_in_the_policy_is_public_in_the_code(url):
    """`public=True` in a policy and @public on the view say the same thing."""
    assert POLICIES[url.name].public == is_public(url.callback), (
        f"{url.name}: the view is {'' if is_public(url.callback) else 'not '}marked "
        "@public (vost.permissions) but its policy says otherwise"
    )


@pytest.mark.parametrize(
    "url", [u for u in URLS if u.name in POLICIES], ids=lambda u: u.name
)
def test_every_url_argument_can_be_filled(url):
    policy = POLICIES[url.name]
    for argument in url.arguments:
        assert (
            argument == "slug" or argument in policy.objects or (argument in ARGUMENTS)
        ), (
            f"{url.name}: no object for URL argument {argument!r}: say which in the "
            "policy's `objects` (tests/security/policies.py)"
        )


def _view(request):
    return HttpResponse("new")


def test_the_checker_names_an_uncovered_url_and_where_to_declare_it():
    """A URL added without a policy is reported, by name, with where to declare it."""
    extra = [
        path(
            "extra/",
            include(
                (
                    [path("<slug:slug>/thing/<int:thing_id>/", _view, name="thing")],
                    "new",
                ),
            ),
        )
    ]
    urls = all_urls(extra)
    assert [u.name for u in urls] == ["new:thing"]
    assert urls[0].arguments == ("slug", "thing_id")
    problems = uncovered(URLS + urls, POLICIES)
    assert problems == [
        "new:thing (extra/<slug:slug>/thing/<int:thing_id>/, view "
        "tests.security.test_coverage._view) has no access policy: declare who may "
        "use it in tests/security/policies.py (POLICIES)"
    ]
    # and the whole map as it is now minus one policy: that one is named
    some = URLS[5].name
    fewer = {name: policy for name, policy in POLICIES.items() if name != some}
    newly = set(uncovered(URLS, fewer)) - set(uncovered(URLS, POLICIES))
    assert [p.split(" ")[0] for p in newly] == [some]
