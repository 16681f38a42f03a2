"""The Uazapi instances a deployment serves, as the settings describe them (issue 8)."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from app.settings import Settings

SECRET = "tok-9f8e7d6c5b4a"


def test_no_token_means_no_instance_and_webhooks_unchecked() -> None:
    assert Settings().uazapi_instance_list() == []


def test_one_token_alone_speaks_for_any_instance_name() -> None:
    assert Settings(uazapi_token=SECRET).uazapi_instance_list() == [("*", SECRET, "")]
    pinned = Settings(uazapi_token=SECRET, uazapi_instance="loja", uazapi_owner="5541999990000")
    assert pinned.uazapi_instance_list() == [("loja", SECRET, "5541999990000")]


def test_several_instances_from_json_plus_the_single_token_named() -> None:
    instances = json.dumps({"loja": {"token": "a", "owner": "5541999990000"}, "filial": {"token": "b"}})
    settings = Settings(uazapi_instances=instances, uazapi_token=SECRET, uazapi_instance="matriz")
    assert settings.uazapi_instance_list() == [
        ("loja", "a", "5541999990000"),
        ("filial", "b", ""),
        ("matriz", SECRET, ""),
    ]
    assert SECRET not in repr(settings) and '"a"' not in repr(settings)


def test_instance_and_owner_without_a_token_are_unused_not_an_error() -> None:
    """sweep and ingest run without the token, in the same environment."""
    assert Settings(uazapi_instance="loja", uazapi_owner="5541999990000").uazapi_instance_list() == []


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"uazapi_instances": "{not json"}, "is not JSON"),
        ({"uazapi_instances": "[]"}, "must be an object"),
        ({"uazapi_instances": json.dumps({"loja": {"owner": "55"}})}, "needs a token"),
        (
            {"uazapi_instances": json.dumps({"loja": {"token": SECRET, "owner": "+55 41"}})},
            "not a phone number",
        ),
        ({"uazapi_instances": json.dumps({"a/b": {"token": SECRET}})}, "not an instance name"),
        ({"uazapi_instances": json.dumps({"*": {"token": SECRET}})}, "not an instance name"),
        (
            {"uazapi_instances": json.dumps({"x": {"token": "t"}}), "uazapi_token": SECRET},
            "needs CONVERSA_UAZAPI_INSTANCE",
        ),
        (
            {
                "uazapi_instances": json.dumps({"x": {"token": "t"}}),
                "uazapi_token": SECRET,
                "uazapi_instance": "x",
            },
            "too",
        ),
        ({"uazapi_token": SECRET, "uazapi_instance": "a\nb"}, "not an instance name"),
        ({"uazapi_token": SECRET, "uazapi_owner": "abc"}, "not a phone number"),
    ],
)
def test_a_wrong_instance_setting_fails_saying_why_but_never_the_token(
    settings: dict[str, str], fragment: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(**settings)  # type: ignore[arg-type]
    messages = " ".join(e["msg"] for e in caught.value.errors())
    assert fragment in messages and SECRET not in messages
