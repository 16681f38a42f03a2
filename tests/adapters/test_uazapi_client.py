"""The Uazapi gateway against the fake Uazapi: what goes over the wire, retries, errors, logs."""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest
from dependency_injector import providers

from app.adapters.memory.clock import VirtualClock
from app.adapters.memory.gateway import RecordingGateway
from app.adapters.uazapi.client import UazapiError, UazapiGateway
from app.container import build_container
from app.domain.messages import MediaRef
from app.entrypoints.simulator.webhooks import WebhookFactory
from app.settings import Settings
from tests.fakes.uazapi_server import FakeUazapi
from tests.servers.uazapi import UAZAPI_TEST_TOKEN, make_uazapi_gateway

PHONE = "5541988887777"
JID = f"{PHONE}@s.whatsapp.net"
CHAT = f"main/{JID}"
GROUP = "120363123456789012@g.us"


def gateway_with_sleeps(fake: FakeUazapi, **overrides: Any) -> tuple[UazapiGateway, list[float]]:
    """A gateway whose backoff sleeps are recorded instead of slept."""
    sleeps: list[float] = []
    return make_uazapi_gateway(fake, sleep=sleeps.append, **overrides), sleeps


# --- what is sent ---------------------------------------------------------------------------


def test_send_text_posts_the_number_and_text_with_the_token(uazapi: FakeUazapi) -> None:
    gateway, _ = gateway_with_sleeps(uazapi)
    message_id = gateway.send_text(CHAT, "Olá! *Pão* quentinho às 17h.")
    gateway.send_text(f"main/{GROUP}", "Para o grupo")
    first, second = uazapi.calls("/send/text")
    assert first.json == {"number": PHONE, "text": "Olá! *Pão* quentinho às 17h.", "track_source": "conversa"}
    assert second.json == {"number": GROUP, "text": "Para o grupo", "track_source": "conversa"}
    assert first.headers["token"] == UAZAPI_TEST_TOKEN
    assert message_id.startswith("3EB0") and len(message_id) > 10  # the WhatsApp id, not the internal one


def test_typing_is_a_composing_presence_for_the_duration(uazapi: FakeUazapi) -> None:
    gateway, _ = gateway_with_sleeps(uazapi)
    gateway.send_typing(CHAT, 1_500)
    gateway.send_typing(CHAT, 900_000)
    first, second = uazapi.calls("/message/presence")
    assert first.json == {"number": PHONE, "presence": "composing", "delay": 1_500}
    assert second.json["delay"] == 300_000  # Uazapi's maximum
    assert first.headers["token"] == UAZAPI_TEST_TOKEN


def test_mark_read_posts_bare_ids_and_skips_an_empty_list(uazapi: FakeUazapi) -> None:
    gateway, _ = gateway_with_sleeps(uazapi)
    gateway.mark_read(CHAT, [])
    assert uazapi.calls() == []
    gateway.mark_read(CHAT, ["ABC123", f"{PHONE}:DEF456"])
    (call,) = uazapi.calls("/message/markread")
    assert call.json == {"id": ["ABC123", "DEF456"]}
    assert call.headers["token"] == UAZAPI_TEST_TOKEN


def test_mark_read_of_unknown_messages_does_not_fail_the_answer(uazapi: FakeUazapi) -> None:
    gateway, _ = gateway_with_sleeps(uazapi)
    uazapi.fail_next("/message/markread", 404)
    gateway.mark_read(CHAT, ["GONE01"])
    uazapi.fail_next("/message/markread", 401)
    with pytest.raises(UazapiError, match="refused the token"):
        gateway.mark_read(CHAT, ["ABC123"])


def test_a_handoff_opens_the_chat_s_ticket_and_adds_the_configured_label(uazapi: FakeUazapi) -> None:
    gateway, _ = gateway_with_sleeps(uazapi)
    gateway.flag_handoff(CHAT)
    (ticket,) = uazapi.calls("/chat/editLead")
    assert ticket.json == {"id": JID, "lead_isTicketOpen": True} and ticket.status == 200
    assert ticket.headers["token"] == UAZAPI_TEST_TOKEN and uazapi.calls("/chat/labels") == []
    labelled, _ = gateway_with_sleeps(uazapi, handoff_label="10")
    labelled.flag_handoff(CHAT)
    (label,) = uazapi.calls("/chat/labels")
    assert label.json == {"number": PHONE, "add_labelid": "10"} and label.status == 200


def test_a_handoff_flag_uazapi_refuses_does_not_fail_the_answer(uazapi: FakeUazapi) -> None:
    gateway, _ = gateway_with_sleeps(uazapi, handoff_label="99")  # a label the instance does not have
    uazapi.fail_next("/chat/editLead", 404)
    gateway.flag_handoff(CHAT)  # logged, not raised
    assert [c.status for c in uazapi.calls("/chat/editLead")] == [404]
    assert [c.status for c in uazapi.calls("/chat/labels")] == [400]
    uazapi.fail_next("/chat/editLead", 500, times=4)  # the first try and 3 retries
    with pytest.raises(UazapiError):  # Uazapi down: the batch is retried, the flag with it
        gateway.flag_handoff(CHAT)


@pytest.mark.parametrize("transcribe", [False, True])
def test_download_decodes_base64_and_passes_transcribe(uazapi: FakeUazapi, transcribe: bool) -> None:
    data = bytes(range(256)) * 3
    uazapi.add_media("AUDIO01", data, "audio/ogg; codecs=opus", "quero dois pães")
    gateway, _ = gateway_with_sleeps(uazapi)
    media = gateway.download_media(
        MediaRef(message_id="AUDIO01", mimetype="audio/ogg"), transcribe=transcribe
    )
    assert media.data == data
    assert media.mimetype == "audio/ogg; codecs=opus"
    assert media.transcription == ("quero dois pães" if transcribe else "")
    (call,) = uazapi.calls("/message/download")
    assert call.json == {
        "id": "AUDIO01",
        "return_base64": True,
        "return_link": False,
        "transcribe": transcribe,
    }


def test_unknown_media_is_a_lookup_error_without_retry(uazapi: FakeUazapi) -> None:
    gateway, sleeps = gateway_with_sleeps(uazapi)
    with pytest.raises(LookupError, match="NOPE0000"):
        gateway.download_media(MediaRef(message_id="NOPE0000"))
    assert len(uazapi.calls("/message/download")) == 1 and sleeps == []


# --- tracking: each part once ---------------------------------------------------------------


def test_a_tracked_send_carries_its_track_id_and_is_found_by_it(uazapi: FakeUazapi) -> None:
    gateway, _ = gateway_with_sleeps(uazapi)
    assert not gateway.find_sent(CHAT, "abc-1")  # Uazapi answers 404 "chat not found": not sent
    message_id = gateway.send_text(CHAT, "Parte 1", track_id="abc-1")
    (send,) = uazapi.calls("/send/text")
    assert send.json == {"number": PHONE, "text": "Parte 1", "track_source": "conversa", "track_id": "abc-1"}
    assert gateway.find_sent(CHAT, "abc-1") and not gateway.find_sent(CHAT, "abc-2")
    lookup = uazapi.calls("/message/find")[-1]
    assert lookup.json == {"chatid": JID, "track_source": "conversa", "track_id": "abc-2", "limit": 10}
    assert lookup.headers["token"] == UAZAPI_TEST_TOKEN and lookup.status == 200
    assert [m["messageid"] for m in uazapi.sent(PHONE)] == [message_id]


def test_a_failed_or_foreign_message_does_not_count_as_sent(uazapi: FakeUazapi) -> None:
    gateway, _ = gateway_with_sleeps(uazapi)
    gateway.send_text(CHAT, "Parte 1", track_id="abc-1")
    with uazapi._lock:
        uazapi.messages[0]["status"] = "Failed"
        uazapi.messages.append({**uazapi.messages[0], "status": "Sent", "track_source": "chatwoot"})
    assert not gateway.find_sent(CHAT, "abc-1")


def test_a_send_that_timed_out_after_delivery_is_found_not_resent(uazapi: FakeUazapi) -> None:
    gateway, sleeps = gateway_with_sleeps(uazapi, timeout_s=0.3)
    uazapi.slow_next("/send/text", 1.5, delivered=True)  # sent, but the answer comes too late
    message_id = gateway.send_text(CHAT, "Parte 1", track_id="abc-1")
    assert len(uazapi.calls("/send/text")) == 1 and len(uazapi.sent(PHONE)) == 1
    assert message_id == uazapi.sent(PHONE)[0]["messageid"]
    assert len(uazapi.calls("/message/find")) == 1 and len(sleeps) == 1


@pytest.mark.parametrize("trouble", ["reset", "500"])
def test_a_send_failed_before_delivery_is_looked_up_then_resent(uazapi: FakeUazapi, trouble: str) -> None:
    gateway, _ = gateway_with_sleeps(uazapi)
    gateway.send_text(CHAT, "Antes", track_id="abc-1")
    if trouble == "reset":
        uazapi.reset_next("/send/text")
    else:
        uazapi.fail_next("/send/text", 500)
    gateway.send_text(CHAT, "Parte 2", track_id="abc-2")
    paths = [c.path for c in uazapi.calls() if c.path != "/message/presence"]
    assert paths == ["/send/text", "/send/text", "/message/find", "/send/text"]
    assert [m["text"] for m in uazapi.sent(PHONE)] == ["Antes", "Parte 2"]


def test_a_rate_limited_send_is_retried_without_a_lookup(uazapi: FakeUazapi) -> None:
    gateway, _ = gateway_with_sleeps(uazapi)
    uazapi.fail_next("/send/text", 429)
    gateway.send_text(CHAT, "Parte 1", track_id="abc-1")
    assert uazapi.calls("/message/find") == [] and len(uazapi.sent(PHONE)) == 1


def test_an_untracked_send_is_retried_blindly_as_before(uazapi: FakeUazapi) -> None:
    gateway, _ = gateway_with_sleeps(uazapi)
    uazapi.fail_next("/send/text", 500)
    gateway.send_text(CHAT, "Você não receberá mais mensagens.")
    assert uazapi.calls("/message/find") == [] and len(uazapi.sent(PHONE)) == 1


def test_a_send_whose_lookup_fails_is_not_resent_blindly(uazapi: FakeUazapi) -> None:
    gateway, _ = gateway_with_sleeps(uazapi, timeout_s=0.3, max_retries=3)
    uazapi.slow_next("/send/text", 1.5, delivered=True)
    uazapi.fail_next("/message/find", 503, times=10)
    with pytest.raises(UazapiError) as caught:
        gateway.send_text(CHAT, "Parte 1", track_id="abc-1")
    assert "could not tell whether it was delivered" in caught.value.reason
    assert "503" in caught.value.reason and UAZAPI_TEST_TOKEN not in str(caught.value)
    assert len(uazapi.calls("/send/text")) == 1 and len(uazapi.sent(PHONE)) == 1  # no second send
    assert len(uazapi.calls("/message/find")) == 1  # inside a send, one try: the lease is ticking


@pytest.mark.parametrize("status", [500, 401, 400])
def test_a_lookup_that_cannot_answer_raises(uazapi: FakeUazapi, status: int) -> None:
    gateway, _ = gateway_with_sleeps(uazapi, max_retries=1)
    uazapi.fail_next("/message/find", status, times=2)
    with pytest.raises(UazapiError) as caught:
        gateway.find_sent(CHAT, "abc-1")
    assert caught.value.status == status


def test_find_follows_the_api_description(uazapi: FakeUazapi) -> None:
    """The fake's /message/find: filters, newest first, pagination, 404 for an unknown chat."""
    gateway, _ = gateway_with_sleeps(uazapi)
    for i in range(3):
        gateway.send_text(CHAT, f"Parte {i + 1}", track_id=f"abc-{i + 1}")
    gateway.send_text(f"main/{GROUP}", "Grupo", track_id="abc-1")
    client = gateway._client()
    page = client.post("/message/find", json={"chatid": JID, "track_source": "conversa", "limit": 2}).json()
    assert [m["text"] for m in page["messages"]] == ["Parte 3", "Parte 2"]
    assert (page["returnedMessages"], page["limit"], page["offset"]) == (2, 2, 0)
    assert page["hasMore"] and page["nextOffset"] == 2
    rest = client.post("/message/find", json={"chatid": JID, "offset": 2}).json()
    assert [m["text"] for m in rest["messages"]] == ["Parte 1"] and not rest["hasMore"]
    by_track = client.post("/message/find", json={"track_source": "conversa", "track_id": "abc-1"}).json()
    assert {m["chatid"] for m in by_track["messages"]} == {JID, GROUP}
    by_id = client.post("/message/find", json={"id": by_track["messages"][0]["id"]}).json()
    assert by_id["returnedMessages"] == 1
    unknown = client.post("/message/find", json={"chatid": "5511000000000@s.whatsapp.net"})
    assert unknown.status_code == 404 and unknown.json() == {"error": "Chat not found"}
    assert client.post("/message/find", json={"limit": 0}).status_code == 400


# --- retries --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 503, 429])
def test_retries_429_and_5xx_then_succeeds(uazapi: FakeUazapi, status: int) -> None:
    gateway, sleeps = gateway_with_sleeps(uazapi, max_retries=3)
    uazapi.fail_next("/send/text", status, times=2)
    assert gateway.send_text(CHAT, "oi")
    assert [c.status for c in uazapi.calls("/send/text")] == [status, status, 200]
    assert len(sleeps) == 2


def test_retries_a_dropped_connection_then_succeeds(uazapi: FakeUazapi) -> None:
    gateway, sleeps = gateway_with_sleeps(uazapi)
    uazapi.reset_next("/message/presence")
    gateway.send_typing(CHAT, 1_000)
    assert [c.status for c in uazapi.calls("/message/presence")] == [0, 200]
    assert len(sleeps) == 1


def test_retries_a_timeout_then_succeeds(uazapi: FakeUazapi) -> None:
    gateway, sleeps = gateway_with_sleeps(uazapi, timeout_s=0.2)
    uazapi.slow_next("/send/text", 2.0)
    assert gateway.send_text(CHAT, "oi")
    assert len(uazapi.calls("/send/text")) == 2 and len(sleeps) == 1


def test_backoff_is_exponential_with_full_jitter_and_capped(uazapi: FakeUazapi) -> None:
    gateway, sleeps = gateway_with_sleeps(
        uazapi, max_retries=4, backoff_base_s=1.0, backoff_max_s=3.0, random=lambda: 0.5
    )
    uazapi.fail_next("/send/text", 502, times=4)
    gateway.send_text(CHAT, "oi")
    assert sleeps == [0.5, 1.0, 1.5, 1.5]  # 0.5 × min(3, 1·2^n)


def test_retry_after_is_honoured_and_capped(uazapi: FakeUazapi) -> None:
    gateway, sleeps = gateway_with_sleeps(uazapi, backoff_max_s=5.0, random=lambda: 0.0)
    uazapi.fail_next("/send/text", 429, retry_after=2)
    uazapi.fail_next("/send/text", 503, retry_after=60)
    gateway.send_text(CHAT, "oi")
    assert sleeps == [2.0, 5.0]


@pytest.mark.parametrize("status", [400, 401, 404])
def test_no_retry_on_other_client_errors(uazapi: FakeUazapi, status: int) -> None:
    gateway, sleeps = gateway_with_sleeps(uazapi)
    uazapi.fail_next("/send/text", status, times=5)
    with pytest.raises(UazapiError) as caught:
        gateway.send_text(CHAT, "oi")
    assert caught.value.status == status
    assert len(uazapi.calls("/send/text")) == 1 and sleeps == []


def test_a_wrong_token_is_reported_as_refused_without_showing_it(
    uazapi: FakeUazapi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-secret-token-123"
    gateway, sleeps = gateway_with_sleeps(uazapi, token=wrong)
    with pytest.raises(UazapiError) as caught:
        gateway.send_text(CHAT, "oi")
    assert "refused the token" in caught.value.reason and "401" in caught.value.reason
    assert wrong not in str(caught.value) and wrong not in caplog.text
    assert uazapi.calls("/send/text")[0].headers["token"] == wrong and sleeps == []


def test_error_reasons_hide_an_echoed_token_and_mask_phones(uazapi: FakeUazapi) -> None:
    gateway, _ = gateway_with_sleeps(uazapi)
    uazapi.fail_next("/send/text", 400, error=f"token {UAZAPI_TEST_TOKEN} cannot send to\n{PHONE}")
    with pytest.raises(UazapiError) as caught:
        gateway.send_text(CHAT, "oi")
    reason = str(caught.value)
    assert "HTTP 400" in reason and "5541*****7777" in reason and "\n" not in reason
    assert UAZAPI_TEST_TOKEN not in reason and PHONE not in reason


def test_gives_up_after_max_retries_with_one_line_and_no_secrets(
    uazapi: FakeUazapi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    gateway, sleeps = gateway_with_sleeps(uazapi, max_retries=2)
    uazapi.fail_next("/send/text", 500, times=10)
    with pytest.raises(UazapiError) as caught:
        gateway.send_text(CHAT, "oi")
    reason = caught.value.reason
    assert "/send/text" in reason and "3 attempt" in reason and "500" in reason
    assert "\n" not in str(caught.value) and UAZAPI_TEST_TOKEN not in str(caught.value)
    assert len(uazapi.calls("/send/text")) == 3 and len(sleeps) == 2
    assert "retry" in caplog.text and UAZAPI_TEST_TOKEN not in caplog.text
    assert PHONE not in caplog.text and "5541*****7777" in caplog.text


def test_an_unreachable_server_fails_after_retries() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: connections are refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps: list[float] = []
    gateway = UazapiGateway(
        f"http://127.0.0.1:{port}", UAZAPI_TEST_TOKEN, 0.5, 1, 0.001, 0.01, sleep=sleeps.append
    )
    with pytest.raises(UazapiError, match="2 attempt") as caught:
        gateway.send_typing(CHAT, 800)
    assert "ConnectError" in caught.value.reason and len(sleeps) == 1


# --- the process use case over the real gateway ------------------------------------------


def _answer_once(question: str, gateway: Any, **settings: Any) -> Any:
    """A container like tests/usecases/conftest.py builds, with ``gateway``; the question is ripe."""
    container = build_container(Settings(state="memory", dead_letters="memory", **settings))
    clock = VirtualClock()
    container.clock.override(providers.Object(clock))
    container.gateway.override(providers.Object(gateway))
    container.receive()(WebhookFactory(JID).message(question, clock.now_ms()))
    clock.sleep_ms(6_000)
    return container, clock


def test_process_resumes_after_uazapi_gave_up_on_part_two(uazapi: FakeUazapi) -> None:
    question, settings = "Quais as formas de pagamento?", {"reply_max_chars": 80}
    reference = RecordingGateway()
    expected_container, _ = _answer_once(question, reference, **settings)
    expected_container.process()(f"simulador/{JID}", 0)
    parts = reference.texts()
    assert len(parts) >= 3

    gateway, _ = gateway_with_sleeps(uazapi, max_retries=2)
    container, _ = _answer_once(question, gateway, **settings)
    chat = f"simulador/{JID}"
    uazapi.fail_next("/send/text", 500, times=10, after=1)  # part 2 fails, retries and all
    with pytest.raises(UazapiError):
        container.process()(chat, 0)
    assert [c.status for c in uazapi.calls("/send/text")] == [200, 500, 500, 500]

    uazapi.recover()
    result = container.process()(chat, 0)
    assert result.status == "answered"
    answered = [c for c in uazapi.calls() if c.status == 200 and c.path != "/message/markread"]
    delivered = [c.json["text"] for c in answered if c.path == "/send/text"]
    assert delivered == parts  # every part once, in order
    for index, call in enumerate(answered):
        if call.path == "/send/text":
            before = answered[index - 1]
            assert index > 0 and before.path == "/message/presence"
            assert before.json["number"] == call.json["number"] == PHONE
    assert uazapi.calls("/message/markread")  # read receipts went out too
