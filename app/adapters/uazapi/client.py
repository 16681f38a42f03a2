"""The Uazapi (uazapiGO v2) HTTP client: the production :class:`MessagingGateway`.

Why it looks the way it does:

- Uazapi answers 429 when rate-limited and 5xx when WhatsApp throttles or the instance
  hiccups; both pass, so those (and dropped connections, timeouts) are retried with
  exponential backoff and full jitter, honouring ``Retry-After``. Other 4xx will not get
  better by asking again and fail at once.
- Every failure is one :class:`UazapiError` with a one-line reason Kestra can show. The
  token travels only in the ``token`` header and is scrubbed from reasons and logs; phone
  numbers are masked in both, as everywhere in Conversa's logs.
- Every ``/send/text`` carries ``track_source`` = ``conversa`` and, for the parts of a reply,
  the part's ``track_id`` (see :mod:`app.domain.tracking`); :meth:`UazapiGateway.find_sent`
  asks ``POST /message/find`` (filtered by chat, ``track_source`` and ``track_id``) whether
  such a message exists. Uazapi has no idempotency key, so a ``/send/text`` whose outcome is
  unknown (timed out, connection lost after the request went out, 5xx) is looked up before it
  is retried, and not retried if Uazapi has it. When that lookup itself fails, the send fails
  with a :class:`UazapiError` instead of being retried blindly: the caller's outbox says
  "attempted", so the next run looks it up again. A refused connection or a 429 never
  reached WhatsApp and is retried directly. A send without a ``track_id`` (the opt-out
  confirmations) is retried blindly, as before.
- ``/message/find`` answering 404 is Uazapi's documented "chat not found": nothing of ours
  is in that chat. A message found with status ``Failed``/``Canceled`` counts as not sent.

httpx is imported at module top: this module is imported only when the uazapi gateway is
selected, so the offline commands never pay for it.
"""

from __future__ import annotations

import base64
import binascii
import logging
import math
import random as _random
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from app.domain.errors import ConversaError
from app.domain.messages import PHONE_SUFFIX, MediaRef, mask_phone, split_chat_key
from app.domain.validation import clip
from app.ports.messaging import DownloadedMedia

log = logging.getLogger("conversa.uazapi")

MAX_PRESENCE_MS = 300_000  # Uazapi caps a presence at 5 minutes
TRACK_SOURCE = "conversa"  # the track_source of every message Conversa sends
_NOT_SENT_STATUSES = frozenset({"failed", "canceled", "cancelled"})
# Transport errors raised before the request could reach Uazapi: nothing can have been done.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_LONG_DIGITS = re.compile(r"\d{8,}")


class UazapiError(ConversaError):
    """Uazapi could not be reached or refused a call; ``status`` is the HTTP status, if any."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status


def _masked(text: str) -> str:
    """Mask anything that looks like a phone number (8+ digits) in free text."""
    return _LONG_DIGITS.sub(lambda m: mask_phone(m.group()), text)


def _bare_id(message_id: str) -> str:
    """``owner:messageid`` → ``messageid``: Uazapi's message calls want the WhatsApp id."""
    return message_id.rpartition(":")[2]


def _number(chat_id: str) -> str:
    """The ``number`` Uazapi documents: digits for a phone JID, the JID itself otherwise.

    Groups (``@g.us``) and ``@lid`` contacts can only be named by their JID.
    """
    jid = split_chat_key(chat_id)[1]
    return jid[: -len(PHONE_SUFFIX)] if jid.endswith(PHONE_SUFFIX) else jid


class UazapiGateway:
    """Sends, types, marks read and downloads through the Uazapi instances of a deployment.

    ``sleep`` and ``random`` are injectable so tests see the backoff without waiting for it.
    Each call carries the token of the instance it is for: ``tokens`` maps instance names to
    tokens, and the instance is the chat key's prefix (``instance/jid``; a media reference
    names its own); ``token`` serves any instance not in ``tokens`` (one-instance deployments).
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        timeout_s: float = 15.0,
        max_retries: int = 3,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = _random.random,
        tokens: Mapping[str, str] | None = None,
        handoff_label: str = "",
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._handoff_label = handoff_label
        self._token = token
        self._tokens = dict(tokens or {})
        self._timeout_s = timeout_s
        self._max_retries = max(max_retries, 0)
        self._backoff_base_s = backoff_base_s
        self._backoff_max_s = backoff_max_s
        self._sleep = sleep
        self._random = random
        self._http: httpx.Client | None = None

    def __repr__(self) -> str:
        return f"UazapiGateway({self._base_url!r})"

    # --- the port -------------------------------------------------------------------------

    def send_text(self, chat_id: str, text: str, track_id: str = "") -> str:
        """Send ``text``; with a ``track_id``, a retry after an unknown outcome looks it up first."""
        payload = {"number": _number(chat_id), "text": text, "track_source": TRACK_SOURCE}
        settle: Callable[[str], dict[str, Any] | None] | None = None
        if track_id:
            payload["track_id"] = track_id

            def settle(failure: str) -> dict[str, Any] | None:
                try:
                    found = self._find(chat_id, track_id, retry=False)
                except UazapiError as error:
                    raise UazapiError(
                        f"uazapi /send/text failed ({failure}) and /message/find could not tell whether "
                        f"it was delivered ({error.reason}); not sending it blindly again",
                        error.status,
                    ) from None
                if found is not None:
                    log.info(
                        "uazapi /send/text to %s: delivered after all (track_id %s); not sending again",
                        mask_phone(chat_id),
                        track_id,
                    )
                return found

        body = self._post("/send/text", payload, chat_id, settle)
        message_id = str(body.get("messageid") or body.get("id") or "")
        if not message_id:  # sent all the same: raising would make the caller send it again
            log.warning("uazapi /send/text to %s returned no message id", mask_phone(chat_id))
        return message_id

    def find_sent(self, chat_id: str, track_id: str) -> bool:
        """Whether Uazapi has a message Conversa sent to ``chat_id`` tagged ``track_id``.

        Raises :class:`UazapiError` when it cannot tell (after the usual retries).
        """
        return self._find(chat_id, track_id) is not None

    def _find(self, chat_id: str, track_id: str, retry: bool = True) -> dict[str, Any] | None:
        """The message tagged ``track_id`` in the chat, as ``/message/find`` returns it, or None.

        Without ``retry`` (inside a send's retries) one attempt only: a send whose every retry
        waits for a retried lookup could outlast the lease it is sent under.
        """
        if not track_id:
            return None
        jid = split_chat_key(chat_id)[1]
        request = {"chatid": jid, "track_source": TRACK_SOURCE, "track_id": track_id, "limit": 10}
        try:
            body = self._post("/message/find", request, chat_id, retries=None if retry else 0)
        except UazapiError as error:
            if error.status == 404:  # "chat not found": nothing was delivered there
                return None
            raise
        messages = body.get("messages")
        if not isinstance(messages, list):
            raise UazapiError("uazapi /message/find answered without a message list")
        for message in messages:  # the filters again, in case a server ignores some of them
            if (
                isinstance(message, dict)
                and message.get("track_id") == track_id
                and message.get("track_source") == TRACK_SOURCE
                and str(message.get("status") or "").lower() not in _NOT_SENT_STATUSES
            ):
                return message
        return None

    def send_typing(self, chat_id: str, duration_ms: int) -> None:
        delay = min(max(duration_ms, 0), MAX_PRESENCE_MS)
        self._post(
            "/message/presence",
            {"number": _number(chat_id), "presence": "composing", "delay": delay},
            chat_id,
        )

    def mark_read(self, chat_id: str, message_ids: list[str]) -> None:
        """Best effort beyond the token: a message Uazapi no longer knows must not fail the answer."""
        ids = [_bare_id(m) for m in message_ids if m]
        if not ids:  # Uazapi answers 400 to an empty list
            return
        self._post_unless_refused(
            "/message/markread", {"id": ids}, chat_id, f"mark {len(ids)} message(s) read"
        )

    def flag_handoff(self, chat_id: str) -> None:
        """Open the chat's ticket in Uazapi's CRM (``/chat/editLead``), and add the configured
        label (``/chat/labels``): the team sees the chat waiting for a person in its panel.

        Best effort beyond the token, as :meth:`mark_read`: an instance or chat Uazapi refuses
        (400, 404) logs a warning and does not fail the answer already sent.
        """
        ticket = {"id": split_chat_key(chat_id)[1], "lead_isTicketOpen": True}
        self._post_unless_refused("/chat/editLead", ticket, chat_id, "open the ticket")
        if self._handoff_label:
            label = {"number": _number(chat_id), "add_labelid": self._handoff_label}
            self._post_unless_refused("/chat/labels", label, chat_id, f"add label {self._handoff_label}")

    def _post_unless_refused(self, path: str, payload: dict[str, Any], chat_id: str, what: str) -> None:
        """A call whose refusal (400, 404: a message, chat or label Uazapi does not know) is
        logged, not raised; anything else (a bad token, Uazapi down) still raises."""
        try:
            self._post(path, payload, chat_id)
        except UazapiError as error:
            if error.status not in (400, 404):
                raise
            log.warning("uazapi could not %s in %s: %s", what, mask_phone(chat_id), error.reason)

    def download_media(self, media: MediaRef, transcribe: bool = False) -> DownloadedMedia:
        message_id = _bare_id(media.message_id)
        request = {"id": message_id, "return_base64": True, "return_link": False, "transcribe": transcribe}
        try:
            body = self._post("/message/download", request, "", instance=media.instance)
        except UazapiError as error:
            if error.status == 404:
                raise LookupError(f"media {message_id} is not available: {error.reason}") from None
            raise
        if body.get("error") and not body.get("base64Data"):
            raise LookupError(f"media {message_id} is not available: {_masked(str(body['error']))[:200]}")
        try:
            data = base64.b64decode(str(body.get("base64Data") or ""), validate=True)
        except (binascii.Error, ValueError):
            raise UazapiError(f"uazapi /message/download returned invalid base64 for {message_id}") from None
        return DownloadedMedia(
            data=data,
            mimetype=str(body.get("mimetype") or media.mimetype),
            transcription=str(body.get("transcription") or ""),
        )

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    # --- HTTP with retries ----------------------------------------------------------------

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(
                base_url=self._base_url,
                headers={"Accept": "application/json", **({"token": self._token} if self._token else {})},
                timeout=self._timeout_s,
            )
        return self._http

    def _post(
        self,
        path: str,
        payload: dict[str, Any],
        chat_id: str,
        settle: Callable[[str], dict[str, Any] | None] | None = None,
        *,
        instance: str | None = None,
        retries: int | None = None,
    ) -> dict[str, Any]:
        """POST with retries on 429/5xx/transport errors; returns the JSON object answered.

        ``settle`` is asked, before retrying a call that may have been carried out although it
        failed (a timeout, a connection lost after sending, a 5xx), for the result it had: a
        JSON object ends the call with it, None retries. Its exceptions end the call.
        ``retries`` overrides the gateway's ``max_retries`` for this call.
        """
        where = f"{path} for {mask_phone(chat_id)}" if chat_id else path
        headers = {"token": self._token_for(split_chat_key(chat_id)[0] if instance is None else instance)}
        attempts = (self._max_retries if retries is None else max(retries, 0)) + 1
        for attempt in range(1, attempts + 1):
            status: int | None = None
            retry_after: float | None = None
            maybe_done = True  # could the server have carried the failed call out?
            try:
                response = self._client().post(path, json=payload, headers=headers)
            except httpx.TransportError as error:  # refused, reset, timed out: worth another try
                maybe_done = not isinstance(error, _NEVER_SENT)
                failure = self._clean(f"{type(error).__name__}: {error}")
            else:
                status = response.status_code
                if status < 400:
                    log.debug("uazapi %s: HTTP %d", where, status)
                    return self._json(path, response)
                failure = f"HTTP {status}: {self._detail(response)}"
                if status == 401:
                    raise UazapiError(f"uazapi refused the token on {path} ({failure})", status)
                if status != 429 and status < 500:
                    raise UazapiError(f"uazapi {path} failed with {failure}", status)
                maybe_done = status != 429  # rate-limited: refused before anything was done
                retry_after = self._retry_after(response)
            if attempt == attempts:
                raise UazapiError(f"uazapi {path} failed after {attempts} attempt(s): {failure}", status)
            delay = self._delay(attempt - 1, retry_after)
            log.warning("uazapi %s: %s; retry %d/%d in %.2f s", where, failure, attempt, attempts - 1, delay)
            self._sleep(delay)
            if settle is not None and maybe_done:
                settled = settle(failure)
                if settled is not None:
                    return settled
        raise AssertionError("unreachable")  # pragma: no cover

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """Retry-After when given (capped), else full jitter: uniform in [0, base·2^attempt]."""
        if retry_after is not None:
            return min(retry_after, self._backoff_max_s)
        return self._random() * min(self._backoff_max_s, self._backoff_base_s * 2.0**attempt)

    @staticmethod
    def _retry_after(response: httpx.Response) -> float | None:
        try:
            seconds = float(response.headers.get("retry-after", ""))
        except ValueError:  # absent, or an HTTP date: fall back to backoff
            return None
        return max(seconds, 0.0) if math.isfinite(seconds) else None

    def _detail(self, response: httpx.Response) -> str:
        """The ``error`` of Uazapi's ``{"error": …}`` body, or what else it answered."""
        try:
            body = response.json()
            text = str(body.get("error") or body) if isinstance(body, dict) else str(body)
        except ValueError:
            text = response.text
        return self._clean(text) or response.reason_phrase

    def _token_for(self, instance: str) -> str:
        token = self._tokens.get(instance) or self._token
        if not token:
            raise UazapiError(f"no Uazapi token is configured for instance {clip(instance, 64)!r}")
        return token

    def _clean(self, text: str) -> str:
        """One short line with the tokens scrubbed and phone numbers masked: safe for logs and Kestra."""
        for token in (self._token, *self._tokens.values()):
            if token:
                text = text.replace(token, "***")
        return _masked(" ".join(text.split()))[:200]

    @staticmethod
    def _json(path: str, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise UazapiError(f"uazapi {path} answered non-JSON (HTTP {response.status_code})") from None
        return body if isinstance(body, dict) else {}
