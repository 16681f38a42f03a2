"""Which webhooks may act: the instance, token and owner a body names, against the configuration."""

from __future__ import annotations

import pytest

from app.domain.authenticity import ANY_INSTANCE, Authenticity, Instance, WebhookOrigin

TOKEN = "tok-loja-0123456789"
LOJA = Instance("loja", TOKEN, "5541999990000")
FILIAL = Instance("filial", "tok-filial-9876543210")
SEVERAL = Authenticity((LOJA, FILIAL))


def origin(instance: str = "loja", token: str = TOKEN, owner: str = "5541999990000") -> WebhookOrigin:
    return WebhookOrigin(instance, owner, token, message=True)


def test_nothing_configured_means_every_body_is_authentic() -> None:
    open_door = Authenticity()
    assert not open_door.enabled
    assert open_door.check(origin(token="anything")).authentic
    assert open_door.check(None).authentic


def test_the_right_token_owner_and_instance_are_authentic() -> None:
    verdict = SEVERAL.check(origin())
    assert verdict.authentic and verdict.instance == "loja"
    assert SEVERAL.check(origin("filial", FILIAL.token, owner="5511000000000")).authentic  # no owner pinned


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (origin(token="wrong-token"), "wrong token for instance 'loja'"),
        (origin(token=""), "no token for instance 'loja'"),
        (origin(token=TOKEN + "x"), "wrong token"),
        (origin(token=TOKEN[:-1]), "wrong token"),
        (origin(token=FILIAL.token), "wrong token"),  # another instance's token
        (origin("filial", TOKEN), "wrong token for instance 'filial'"),
        (origin("outra"), "unknown instance 'outra'"),
        (origin(""), "unknown instance"),
        (origin(owner="5541888880000"), "names owner"),
        (origin(owner=""), "no owner"),
        (origin(token="tök\ud800"), "wrong token"),  # non-ASCII and unencodable: no crash
        (None, "cannot be read"),
    ],
)
def test_forged_or_unknown_bodies_are_rejected_naming_the_instance_never_the_token(
    body: WebhookOrigin | None, fragment: str
) -> None:
    verdict = SEVERAL.check(body)
    assert not verdict.authentic
    assert fragment in verdict.reason
    assert TOKEN not in verdict.reason and FILIAL.token not in verdict.reason
    assert "5541888880000" not in verdict.reason  # owners are phone numbers: masked


def test_an_event_that_is_not_a_message_may_come_without_an_owner() -> None:
    connecting = WebhookOrigin("loja", "", TOKEN, message=False)
    assert SEVERAL.check(connecting).authentic


def test_one_token_without_an_instance_name_speaks_for_any_instance_name() -> None:
    single = Authenticity((Instance(ANY_INSTANCE, TOKEN),))
    assert single.check(origin("whatever")).authentic
    assert not single.check(origin("whatever", token="nope")).authentic


def test_a_long_or_hostile_instance_name_is_clipped_in_the_reason() -> None:
    verdict = SEVERAL.check(origin("x\n" * 10_000))
    assert not verdict.authentic
    assert verdict.reason.isprintable() and len(verdict.reason) < 200


def test_the_token_is_not_in_the_repr_of_an_origin_or_an_instance() -> None:
    assert TOKEN not in repr(origin()) and TOKEN not in repr(LOJA) and TOKEN not in repr(SEVERAL)
