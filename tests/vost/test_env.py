import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from vost.env import env_bool, env_choice, env_int, env_list, env_secret


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        (" on ", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("off", False),
        ("", False),
    ],
)
def test_env_bool_accepts_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("VOST_T", raw)
    assert env_bool("VOST_T", not expected) is expected


def test_env_bool_rejects_junk_naming_the_variable(monkeypatch):
    monkeypatch.setenv("VOST_T", "ture")
    with pytest.raises(ImproperlyConfigured, match="VOST_T='ture' is not a boolean"):
        env_bool("VOST_T", False)


def test_env_bool_default_when_unset(monkeypatch):
    monkeypatch.delenv("VOST_T", raising=False)
    assert env_bool("VOST_T", True) is True


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_env_int_round_trips(value):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VOST_T", str(value))
        assert env_int("VOST_T", 0) == value


@pytest.mark.parametrize("raw", ["8o", "1.5", "ten", "0x10"])
def test_env_int_rejects_non_integers(monkeypatch, raw):
    monkeypatch.setenv("VOST_T", raw)
    with pytest.raises(ImproperlyConfigured, match=r"VOST_T=.* is not an integer"):
        env_int("VOST_T", 1)


def test_env_int_enforces_bounds(monkeypatch):
    monkeypatch.setenv("VOST_T", "70000")
    with pytest.raises(ImproperlyConfigured, match="above the maximum 65535"):
        env_int("VOST_T", 1, maximum=65535)
    monkeypatch.setenv("VOST_T", "-1")
    with pytest.raises(ImproperlyConfigured, match="below the minimum 0"):
        env_int("VOST_T", 1, minimum=0)


def test_env_list_drops_blanks(monkeypatch):
    monkeypatch.setenv("VOST_T", " a.example, ,b.example,")
    assert env_list("VOST_T") == ["a.example", "b.example"]


def test_env_choice_is_case_insensitive_and_strict(monkeypatch):
    monkeypatch.setenv("VOST_T", "JSON")
    assert env_choice("VOST_T", "text", frozenset({"text", "json"})) == "json"
    monkeypatch.setenv("VOST_T", "xml")
    with pytest.raises(ImproperlyConfigured, match="not one of: json, text"):
        env_choice("VOST_T", "text", frozenset({"text", "json"}))


def test_env_secret_reads_the_file_variant(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cr3t\n")
    monkeypatch.setenv("VOST_T", "from-env")
    monkeypatch.setenv("VOST_T_FILE", str(secret))
    assert env_secret("VOST_T") == "s3cr3t"


def test_env_secret_names_an_unreadable_file(monkeypatch, tmp_path):
    monkeypatch.setenv("VOST_T_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot read VOST_T_FILE="):
        env_secret("VOST_T")
