"""Every setting of Conversa, read from ``CONVERSA_*`` environment variables.

Units are in the names (``_ms``, ``_minutes``, ``_hours``). With nothing set, every adapter
is the offline one: in-memory state, the keyword knowledge base over the bundled example,
the extractive answerer and a gateway that only records.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.domain.authenticity import ANY_INSTANCE
from app.domain.validation import clip, is_instance_name, is_owner

T = TypeVar("T")
PACKAGE_DIR = Path(__file__).resolve().parent
EXAMPLE_KNOWLEDGE_DIR = PACKAGE_DIR / "examples" / "knowledge"
EXAMPLE_BUSINESS_NAME = "Padaria Grão Dourado"  # the bundled example's business, offline only


def csv(value: str) -> frozenset[str]:
    return frozenset(part.strip().lower() for part in value.split(",") if part.strip())


def parse_instances(text: str) -> list[tuple[str, str, str]]:
    """``{"name": {"token": "…", "owner": "5511…"}}`` → [(name, token, owner)]; errors never
    quote the value (it holds tokens)."""
    if not text.strip():
        return []
    try:
        data = json.loads(text)
    except ValueError:
        raise ValueError("CONVERSA_UAZAPI_INSTANCES is not JSON") from None
    if not isinstance(data, dict) or not data:
        raise ValueError(
            'CONVERSA_UAZAPI_INSTANCES must be an object {"<instanceName>": {"token": "…", "owner": "…"}}'
        )
    instances = []
    for name, entry in data.items():
        if not is_instance_name(name) or name == ANY_INSTANCE:
            raise ValueError(f"CONVERSA_UAZAPI_INSTANCES: {clip(name, 64)!r} is not an instance name")
        if not isinstance(entry, dict) or not isinstance(entry.get("token"), str) or not entry["token"]:
            raise ValueError(
                f"CONVERSA_UAZAPI_INSTANCES: instance {name!r} needs a token (a non-empty string)"
            )
        owner = entry.get("owner", "")
        if not isinstance(owner, str) or (owner and not is_owner(owner)):
            raise ValueError(
                f"CONVERSA_UAZAPI_INSTANCES: the owner of instance {name!r} is not a phone number (digits)"
            )
        instances.append((name, entry["token"], owner))
    return instances


def _unprefixed(parse: Callable[[str], T], value: str) -> T:
    """Run ``parse``; its error loses the ``CONVERSA_X:`` prefix (the CLI names the setting)."""
    try:
        return parse(value)
    except ValueError as error:
        raise ValueError(str(error).split(": ", 1)[-1]) from None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONVERSA_", extra="ignore")

    # Which adapter serves each port.
    state: Literal["memory", "redis"] = "memory"
    dead_letters: Literal["file", "memory", "redis"] = "file"
    gateway: Literal["memory", "uazapi"] = "memory"
    knowledge: Literal["keyword", "faiss"] = "keyword"
    answerer: Literal["extractive", "openai"] = "extractive"
    media: Literal["captions", "local"] = "captions"

    # Connections and secrets (secrets never appear in logs or outputs).
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_namespace: str = "conversa"
    redis_connect_timeout_seconds: float = Field(1, gt=0)
    redis_socket_timeout_seconds: float = Field(1, gt=0, description="per Redis command; never retried")
    uazapi_url: str = "http://127.0.0.1:8090"
    uazapi_token: SecretStr = SecretStr("")
    uazapi_instance: str = ""
    uazapi_owner: str = ""
    uazapi_instances: SecretStr = SecretStr("")
    uazapi_timeout_seconds: float = Field(10, gt=0)
    uazapi_max_retries: int = Field(2, ge=0)
    handoff_label: str = ""  # a Uazapi label id added to a chat handed to a person (besides its ticket)
    dead_letter_dir: Path = Path("var/dead-letters")
    knowledge_dir: Path = EXAMPLE_KNOWLEDGE_DIR

    # Object storage (MinIO / S3) and the FAISS index (CONVERSA_KNOWLEDGE=faiss).
    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: SecretStr = SecretStr("")
    s3_secret_key: SecretStr = SecretStr("")
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    knowledge_bucket: str = "conversa-knowledge"
    docs_prefix: str = "docs/"
    index_prefix: str = "index/current/"
    index_cache_dir: Path = Path("var/index-cache")
    # How long `process` trusts S3's last word on which index is current before asking again
    # (0: every run asks). An ingest on the same machine is seen at once; on another, within this.
    index_recheck_seconds: float = Field(default=30.0, ge=0)
    embeddings: Literal["e5", "use"] = "e5"
    # More synonym groups for the lexical search, added to the bundled pt-BR list (same format).
    synonyms_file: Path | None = None

    # The business. Required with the Uazapi gateway (see the container's ``business_name``);
    # offline, the bundled example's bakery when its knowledge base is the example's.
    business_name: str = ""
    show_sources: bool = True  # end answers with a "Fonte: …" line naming the documents used

    # The owner's side: the team chat told at every handoff, business hours, the weekly report.
    team_chat: str = ""  # a number (digits) or a group JID; empty = nobody is told on WhatsApp
    business_hours: str = ""  # "seg-sex 08:00-18:00; sab 08:00-12:00"; empty = always open
    holidays: str = ""  # "2026-12-25, 01-01" (a date, or month-day every year)
    timezone: str = "America/Sao_Paulo"
    gaps_retention_days: int = Field(90, ge=1)
    gaps_max_kept: int = Field(10_000, ge=1)
    reports_prefix: str = "reports/"

    # Debounce.
    quiet_ms: int = Field(5_000, ge=0)
    max_wait_ms: int = Field(30_000, ge=0)
    max_batch: int = Field(20, ge=1)
    process_wait_ms: int = Field(35_000, ge=0, description="how long one process run may wait for quiet")
    alert_chat: str = Field(
        "", description="the operator's WhatsApp number or JID: failed executions are reported"
    )
    alert_quiet_minutes: int = Field(60, ge=1, description="at most one failure report per flow this often")
    sweep_grace_ms: int = Field(
        60_000, ge=0, description="how long a chat may be due an answer before the sweep starts a processor"
    )
    sweep_rescue_cooldown_ms: int = Field(
        300_000, ge=0, description="how long a rescued burst waits for another rescue (0: none)"
    )
    sweep_max_rescues: int = Field(10, ge=1, description="processors one sweep starts at most")

    # Replies.
    reply_max_chars: int = Field(700, ge=20)
    reply_max_parts: int = Field(5, ge=1)
    typing_ms_per_char: int = Field(30, ge=0)
    typing_min_ms: int = Field(800, ge=0)
    typing_max_ms: int = Field(4_000, ge=0)

    # Who is answered.
    takeover_minutes: int = Field(30, ge=0)
    groups_enabled: bool = False
    ignored_chats: str = ""
    opt_out_keywords: str = "parar,sair,stop,descadastrar"
    opt_in_keywords: str = "voltar,start,ativar bot"

    # Memory, leases, idempotency.
    session_hours: float = Field(24, gt=0)
    max_turns: int = Field(20, ge=0)
    lease_ms: int = Field(120_000, ge=1_000)
    max_attempts: int = Field(3, ge=1)
    dedup_ttl_hours: float = Field(168, gt=0)
    retrieval_k: int = Field(4, ge=1)

    # Media extraction (CONVERSA_MEDIA=local).
    transcriber: Literal["none", "uazapi", "openai", "whisper"] = "none"
    media_max_bytes: int = Field(20_000_000, ge=1)
    media_max_pdf_pages: int = Field(30, ge=1)
    media_max_ocr_pages: int = Field(5, ge=0)
    media_max_audio_seconds: int = Field(300, ge=1)
    media_max_chars: int = Field(4_000, ge=100)
    media_max_image_pixels: int = Field(40_000_000, ge=1)
    ocr_languages: str = "por"
    ocr_timeout_seconds: float = Field(30, gt=0)
    whisper_model_dir: str = ""
    whisper_compute_type: str = "int8"
    transcription_language: str = "pt"
    transcription_url: str = ""
    transcription_api_key: SecretStr = SecretStr("")
    transcription_model: str = "whisper-1"
    transcription_timeout_seconds: float = Field(60, gt=0)

    # The chat model (CONVERSA_ANSWERER=openai): any OpenAI-compatible endpoint.
    openai_base_url: str = "https://api.openai.com/v1"
    openai_api_key: SecretStr = SecretStr("")
    openai_model: str = "gpt-4o-mini"
    openai_timeout_seconds: float = Field(30, gt=0)
    openai_max_retries: int = Field(1, ge=0)
    openai_temperature: float | None = 0.2
    openai_max_tokens: int = Field(800, ge=16)
    openai_history_turns: int = Field(12, ge=0)

    # Input limits.
    rejected_max_kept: int = Field(1_000, ge=0)
    rejected_max_bytes: int = Field(50_000_000, ge=0)
    question_max_chars: int = Field(2_000, ge=100)

    log_level: str = "INFO"

    @field_validator("team_chat")
    @classmethod
    def _team_chat_is_a_chat(cls, value: str) -> str:
        from app.domain.team import team_chat_jid

        return _unprefixed(team_chat_jid, value)

    @field_validator("business_hours")
    @classmethod
    def _hours_are_readable(cls, value: str) -> str:
        from app.domain.schedule import parse_hours

        _unprefixed(parse_hours, value)
        return value

    @field_validator("holidays")
    @classmethod
    def _holidays_are_dates(cls, value: str) -> str:
        from app.domain.schedule import parse_holidays

        _unprefixed(parse_holidays, value)
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone_is_known(cls, value: str) -> str:
        from app.domain.schedule import zone

        _unprefixed(zone, value)
        return value.strip()

    def uazapi_instance_list(self) -> list[tuple[str, str, str]]:
        """The Uazapi instances served, as (name, token, owner).

        ``CONVERSA_UAZAPI_INSTANCES`` (JSON ``{"name": {"token": "…", "owner": "5511…"}}``)
        names several; ``CONVERSA_UAZAPI_TOKEN`` one more, named ``CONVERSA_UAZAPI_INSTANCE``
        or, unnamed, ``*``: that token speaks for whatever instance name a body carries.
        """
        instances = parse_instances(self.uazapi_instances.get_secret_value())
        token = self.uazapi_token.get_secret_value()
        if token:
            instances.append((self.uazapi_instance or ANY_INSTANCE, token, self.uazapi_owner))
        return instances

    @model_validator(mode="after")
    def _instances_are_consistent(self) -> Settings:
        instances = self.uazapi_instance_list()  # raises on a malformed CONVERSA_UAZAPI_INSTANCES
        token = self.uazapi_token.get_secret_value()
        # INSTANCE and OWNER describe the token; without it (sweep, ingest… get no token) they
        # are unused, not an error.
        if token and self.uazapi_instances.get_secret_value() and not self.uazapi_instance:
            raise ValueError(
                "with CONVERSA_UAZAPI_INSTANCES, CONVERSA_UAZAPI_TOKEN needs CONVERSA_UAZAPI_INSTANCE"
            )
        names = [name for name, _, _ in instances]
        if len(names) != len(set(names)):
            raise ValueError("CONVERSA_UAZAPI_INSTANCE is in CONVERSA_UAZAPI_INSTANCES too")
        if self.uazapi_instance and not is_instance_name(self.uazapi_instance):
            raise ValueError(
                "CONVERSA_UAZAPI_INSTANCE is not an instance name (1-64 printable characters, no '/')"
            )
        if self.uazapi_owner and not is_owner(self.uazapi_owner):
            raise ValueError("CONVERSA_UAZAPI_OWNER is not a phone number (digits)")
        return self

    @model_validator(mode="after")
    def _lease_outlives_a_part(self) -> Settings:
        """A lease shorter than one part's typing delay would expire while sending it."""
        if self.lease_ms <= self.typing_max_ms + 1_000:
            raise ValueError(
                f"lease_ms ({self.lease_ms}) must exceed typing_max_ms + 1000 ({self.typing_max_ms + 1_000})"
            )
        return self
