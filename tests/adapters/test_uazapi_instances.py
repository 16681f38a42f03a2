"""Several Uazapi instances: every call carries the token of the instance it is for (issue 8)."""

from __future__ import annotations

import logging

import pytest

from app.adapters.uazapi.client import UazapiError
from app.container import build_container
from app.domain.errors import ConfigurationError
from app.domain.messages import MediaRef
from app.settings import Settings
from tests.fakes.uazapi_server import FakeUazapi
from tests.servers.uazapi import UAZAPI_TEST_TOKEN, make_uazapi_gateway

JID = "5541988887777@s.whatsapp.net"
OTHER_TOKEN = "filial-secret-token-42"


def test_a_reply_goes_out_with_the_token_of_the_instance_the_message_came_in_on(
    uazapi: FakeUazapi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    gateway = make_uazapi_gateway(uazapi, token="", tokens={"loja": UAZAPI_TEST_TOKEN, "filial": OTHER_TOKEN})
    gateway.send_text(f"loja/{JID}", "oi")
    gateway.send_typing(f"loja/{JID}", 800)
    with pytest.raises(UazapiError) as refused:  # the fake knows only the first instance's token
        gateway.send_text(f"filial/{JID}", "oi")
    sent = uazapi.calls("/send/text")
    assert [c.headers["token"] for c in sent] == [UAZAPI_TEST_TOKEN, OTHER_TOKEN]
    assert uazapi.calls("/message/presence")[0].headers["token"] == UAZAPI_TEST_TOKEN
    assert OTHER_TOKEN not in str(refused.value) and OTHER_TOKEN not in caplog.text


def test_an_instance_without_a_token_is_refused_before_any_call(uazapi: FakeUazapi) -> None:
    gateway = make_uazapi_gateway(uazapi, token="", tokens={"loja": UAZAPI_TEST_TOKEN})
    with pytest.raises(UazapiError, match="no Uazapi token is configured for instance 'outra'"):
        gateway.send_text(f"outra/{JID}", "oi")
    assert uazapi.calls("/send/text") == []


def test_the_single_token_serves_any_instance(uazapi: FakeUazapi) -> None:
    gateway = make_uazapi_gateway(uazapi)
    gateway.send_text(f"qualquer/{JID}", "oi")
    gateway.send_text(JID, "sem instância")
    assert {c.headers["token"] for c in uazapi.calls("/send/text")} == {UAZAPI_TEST_TOKEN}


def test_media_is_downloaded_with_its_instances_token(uazapi: FakeUazapi) -> None:
    uazapi.add_media("AUDIO01", b"ogg", "audio/ogg")
    gateway = make_uazapi_gateway(uazapi, token="", tokens={"loja": UAZAPI_TEST_TOKEN, "filial": OTHER_TOKEN})
    assert gateway.download_media(MediaRef("AUDIO01", instance="loja")).data == b"ogg"
    with pytest.raises(UazapiError):
        gateway.download_media(MediaRef("AUDIO01", instance="filial"))
    assert [c.headers["token"] for c in uazapi.calls("/message/download")] == [
        UAZAPI_TEST_TOKEN,
        OTHER_TOKEN,
    ]


def test_the_container_gives_the_gateway_every_instances_token(uazapi: FakeUazapi) -> None:
    instances = f'{{"loja": {{"token": "{UAZAPI_TEST_TOKEN}", "owner": "5541999990000"}}}}'
    settings = Settings(
        gateway="uazapi", uazapi_url=uazapi.url, uazapi_instances=instances, business_name="Padaria"
    )
    gateway = build_container(settings).gateway()
    gateway.send_text(f"loja/{JID}", "oi")
    assert uazapi.calls("/send/text")[0].headers["token"] == UAZAPI_TEST_TOKEN
    with pytest.raises(ConfigurationError, match="CONVERSA_UAZAPI_TOKEN"):
        build_container(Settings(gateway="uazapi", business_name="Padaria")).gateway()
