"""The one place where adapters are chosen and wired, from :class:`Settings`.

Heavy adapters (redis, httpx, faiss, langchain) are built by small functions that import
their library only when called, so a command never pays for what it does not use: the
``receive`` path with offline adapters imports none of them.
Tests and the simulator override providers (``container.gateway.override(...)``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dependency_injector import containers, providers

from app.settings import EXAMPLE_BUSINESS_NAME, EXAMPLE_KNOWLEDGE_DIR, Settings, csv

if TYPE_CHECKING:
    from app.domain.answering import AnsweringRules
    from app.domain.authenticity import Authenticity
    from app.domain.chat_rules import ChatRules
    from app.domain.conversation import MemoryRules
    from app.domain.debounce import DebounceRules
    from app.domain.reply_policy import ReplyPolicy
    from app.domain.schedule import BusinessHours
    from app.domain.usecases.process import ProcessRules


def lazy(path: str) -> Callable[..., Any]:
    """A factory for ``module.Name`` that imports the module only when first called.

    Every provider goes through this, so a command imports only the adapters it uses.
    """

    def build(*args: Any, **kwargs: Any) -> Any:
        module, _, name = path.rpartition(".")
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    build.__qualname__ = build.__name__ = path
    return build


class Deferred:
    """An adapter built on its first use, not when the use case is wired.

    Every message schedules a processor, and most of them only find "not yet" (a later message
    came) or "busy": those must not load the knowledge base, the embedding model, the chat model
    or the HTTP client. ``process`` gets its heavy adapters through this.
    """

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._target: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._target is None:
            self._target = self._build()
        return getattr(self._target, name)


MEMORY = "app.adapters.memory"
REDIS = "app.adapters.redis"


def redis_client(s: Settings) -> Any:
    from app.adapters.redis.connection import connect

    return connect(s.redis_url, s.redis_connect_timeout_seconds, s.redis_socket_timeout_seconds)


def redis_keys(s: Settings) -> Any:
    from app.adapters.redis.keys import Keys

    return Keys(s.redis_namespace)


def dead_letter_stores(s: Settings, configured: Any) -> Any:
    """The configured dead-letter store; behind Redis, the local folder as its fallback."""
    import os

    from app.adapters.dead_letter_stores import DeadLetterStores, NamedStore

    folder = f"file {os.path.abspath(s.dead_letter_dir)}"
    if s.dead_letters != "redis":
        name = folder if s.dead_letters == "file" else s.dead_letters
        return DeadLetterStores(NamedStore(name, configured))
    from app.adapters.memory.dead_letters import FileDeadLetterStore

    return DeadLetterStores(
        NamedStore("redis", configured), NamedStore(folder, FileDeadLetterStore(s.dead_letter_dir))
    )


def operator_chat(setting: str) -> str:
    from app.domain.usecases.alert import operator_chat as chat_key

    return chat_key(setting)


# The rule builders import their domain module when called, like the adapters.
def chat_rules(s: Settings) -> ChatRules:
    from app.domain.chat_rules import ChatRules

    return ChatRules(
        takeover_ms=s.takeover_minutes * 60_000,
        groups_enabled=s.groups_enabled,
        ignored_chats=frozenset(c.strip() for c in s.ignored_chats.split(",") if c.strip()),
        opt_out_keywords=csv(s.opt_out_keywords),
        opt_in_keywords=csv(s.opt_in_keywords),
    )


def debounce_rules(s: Settings) -> DebounceRules:
    from app.domain.debounce import DebounceRules

    return DebounceRules(s.quiet_ms, s.max_wait_ms, s.max_batch)


def reply_policy(s: Settings) -> ReplyPolicy:
    from app.domain.reply_policy import ReplyPolicy

    return ReplyPolicy(
        s.reply_max_chars, s.reply_max_parts, s.typing_ms_per_char, s.typing_min_ms, s.typing_max_ms
    )


def memory_rules(s: Settings) -> MemoryRules:
    from app.domain.conversation import MemoryRules

    return MemoryRules(max_turns=s.max_turns, session_ms=int(s.session_hours * 3_600_000))


def process_rules(s: Settings) -> ProcessRules:
    from app.domain.usecases.process import ProcessRules

    return ProcessRules(
        lease_ms=s.lease_ms,
        max_attempts=s.max_attempts,
        retrieval_k=s.retrieval_k,
        question_max_chars=s.question_max_chars,
    )


def business_name(s: Settings) -> str:
    """How the assistant names the business. Production (the Uazapi gateway) must say it: a
    deployment that forgot would greet every customer as the example's bakery. Offline, the
    bakery names the bundled example; another knowledge folder gets a neutral name."""
    from app.domain.errors import ConfigurationError

    if s.business_name.strip():
        return s.business_name.strip()
    if s.gateway == "uazapi":
        raise ConfigurationError(
            "gateway 'uazapi' needs CONVERSA_BUSINESS_NAME (how the assistant names the business)"
        )
    return EXAMPLE_BUSINESS_NAME if s.knowledge_dir.resolve() == EXAMPLE_KNOWLEDGE_DIR else "nossa loja"


def answering_rules(s: Settings) -> AnsweringRules:
    from app.domain.answering import AnsweringRules

    return AnsweringRules(business_name=business_name(s), show_sources=s.show_sources)


def business_hours(s: Settings) -> BusinessHours:
    from app.domain.schedule import BusinessHours

    return BusinessHours.parse(s.business_hours, s.holidays, s.timezone)


def report_instance(s: Settings) -> str:
    """The instance the weekly report goes out on: the named one, else the first configured."""
    names = [name for name, _, _ in s.uazapi_instance_list() if name != "*"]
    return s.uazapi_instance or (names[0] if names else "")


def report_embedder(s: Settings, embedder: Callable[[], Any]) -> Any:
    """Declined questions are grouped by meaning with FAISS's embedder, by words with keyword."""
    return embedder() if s.knowledge == "faiss" else None


def authenticity(s: Settings) -> Authenticity:
    from app.domain.authenticity import Authenticity, Instance

    return Authenticity(
        tuple(Instance(name, token, owner) for name, token, owner in s.uazapi_instance_list())
    )


def checked_uazapi_instances(s: Settings) -> Any:
    """The Uazapi instances, once the settings that Uazapi needs are known to be there."""
    from app.domain.errors import ConfigurationError

    instances = s.uazapi_instance_list()
    if not instances:
        raise ConfigurationError("gateway 'uazapi' needs CONVERSA_UAZAPI_TOKEN")
    business_name(s)  # a production deployment names its business: fail before taking anything in
    return instances


def deferred_gateway(s: Settings, build: Callable[[], Any]) -> Deferred:
    """The gateway, built on first use; its settings checked now, so a command fails at start-up."""
    if s.gateway == "uazapi":
        checked_uazapi_instances(s)
    return Deferred(build)


def uazapi_gateway(s: Settings) -> Any:
    """The Uazapi client; its tokens are checked here, not in Settings, because only the commands
    that call Uazapi (receive, process) get it: sweep, ingest and dead-letters run without.

    A reply goes out with the token of the instance its chat key names; the single
    ``CONVERSA_UAZAPI_TOKEN`` serves any other instance name."""
    from app.adapters.uazapi.client import UazapiGateway

    instances = checked_uazapi_instances(s)
    return UazapiGateway(
        s.uazapi_url,
        s.uazapi_token.get_secret_value(),
        timeout_s=s.uazapi_timeout_seconds,
        max_retries=s.uazapi_max_retries,
        tokens={name: token for name, token, _ in instances if name != "*"},
        handoff_label=s.handoff_label,
    )


def local_media(s: Settings, gateway: Any) -> Any:
    from app.adapters.media.factory import TranscriberChoice, build_media_reader
    from app.adapters.media.limits import MediaLimits

    limits = MediaLimits(
        max_bytes=s.media_max_bytes,
        max_pdf_pages=s.media_max_pdf_pages,
        max_ocr_pages=s.media_max_ocr_pages,
        max_audio_seconds=s.media_max_audio_seconds,
        max_chars=s.media_max_chars,
        max_image_pixels=s.media_max_image_pixels,
    )
    transcriber = TranscriberChoice(
        s.transcriber,
        s.transcription_language,
        openai_url=s.transcription_url or s.openai_base_url,
        openai_api_key=s.transcription_api_key.get_secret_value() or s.openai_api_key.get_secret_value(),
        openai_model=s.transcription_model,
        timeout_seconds=s.transcription_timeout_seconds,
        whisper_model_dir=s.whisper_model_dir,
        whisper_compute_type=s.whisper_compute_type,
    )
    return build_media_reader(gateway, limits, transcriber, s.ocr_languages, s.ocr_timeout_seconds)


def openai_answerer(s: Settings) -> Any:
    from app.adapters.llm.openai_chat import OpenAIChatAnswerer

    return OpenAIChatAnswerer(
        base_url=s.openai_base_url,
        model=s.openai_model,
        api_key=s.openai_api_key.get_secret_value(),
        business_name=business_name(s),
        timeout_seconds=s.openai_timeout_seconds,
        max_retries=s.openai_max_retries,
        temperature=s.openai_temperature,
        max_tokens=s.openai_max_tokens,
        max_history_turns=s.openai_history_turns,
    )


def minio_blobs(s: Settings) -> Any:
    from app.adapters.minio.blobs import MinioBlobStore

    return MinioBlobStore(
        s.s3_endpoint,
        s.s3_access_key.get_secret_value(),
        s.s3_secret_key.get_secret_value(),
        s.knowledge_bucket,
        secure=s.s3_secure,
        region=s.s3_region,
    )


def settings_embedder(s: Settings) -> Any:
    from app.adapters.embeddings import build_embedder

    return build_embedder(s.embeddings)


def synonym_groups(s: Settings) -> Any:
    from app.adapters.retrieval.synonyms import Synonyms

    return Synonyms.bundled_and(s.synonyms_file)


def keyword_knowledge(s: Settings, synonyms: Any) -> Any:
    from app.adapters.memory.knowledge import KeywordKnowledgeBase

    # Cached by the folder's content: a fresh `process` reads the postings, not every document.
    return KeywordKnowledgeBase.from_folder(s.knowledge_dir, synonyms, s.index_cache_dir / "keyword")


def keyword_knowledge_from(documents: Any, synonyms: Any) -> Any:
    from app.adapters.memory.knowledge import KeywordKnowledgeBase

    return KeywordKnowledgeBase.from_documents(documents, synonyms)


def folder_knowledge(s: Settings, embedder: Callable[[], Any], synonyms: Callable[[], Any]) -> Any:
    """The configured backend's knowledge base over the folder ``CONVERSA_KNOWLEDGE_DIR``, built
    in memory (``conversa ask --source``: no bucket, nothing published)."""
    from app.adapters.faiss.documents import FolderSource
    from app.domain.errors import ConfigurationError

    folder = s.knowledge_dir
    if not folder.is_dir():
        raise ConfigurationError(f"knowledge folder not found: {folder}")
    documents = [d for d in FolderSource(folder).documents() if d.text.strip()]
    if not documents:
        raise ConfigurationError(f"no readable document (Markdown, text, PDF, HTML) in {folder}")
    if s.knowledge == "keyword":
        return keyword_knowledge_from(documents, synonyms())
    import atexit
    import shutil
    import tempfile

    from app.adapters.faiss.knowledge import FaissKnowledgeBase

    cache = tempfile.mkdtemp(prefix="conversa-ask-index-")
    atexit.register(shutil.rmtree, cache, ignore_errors=True)
    return FaissKnowledgeBase.from_documents(documents, embedder(), cache, synonyms())


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(Settings)

    clock = providers.Singleton(lazy(f"{MEMORY}.clock.SystemClock"))
    redis = providers.Singleton(redis_client, settings)
    keys = providers.Singleton(redis_keys, settings)
    parser = providers.Singleton(lazy("app.adapters.uazapi.parser.UazapiWebhookParser"))

    # The buffer records the ids it takes in where the guard looks them up: one key space.
    memory_seen = providers.Singleton(lazy(f"{MEMORY}.buffer.MemoryIdempotencyGuard"))
    buffer = providers.Selector(
        settings.provided.state,
        memory=providers.Singleton(lazy(f"{MEMORY}.buffer.MemoryMessageBuffer"), memory_seen),
        redis=providers.Singleton(lazy(f"{REDIS}.buffer.RedisMessageBuffer"), redis, keys),
    )
    conversations = providers.Selector(
        settings.provided.state,
        memory=providers.Singleton(lazy(f"{MEMORY}.stores.MemoryConversationStore")),
        redis=providers.Singleton(lazy(f"{REDIS}.stores.RedisConversationStore"), redis, keys),
    )
    chat_state = providers.Selector(
        settings.provided.state,
        memory=providers.Singleton(lazy(f"{MEMORY}.stores.MemoryChatStateStore")),
        redis=providers.Singleton(lazy(f"{REDIS}.stores.RedisChatStateStore"), redis, keys),
    )
    idempotency = providers.Selector(
        settings.provided.state,
        memory=memory_seen,
        redis=providers.Singleton(lazy(f"{REDIS}.buffer.RedisIdempotencyGuard"), redis, keys),
    )
    outbox = providers.Selector(
        settings.provided.state,
        memory=providers.Singleton(lazy(f"{MEMORY}.stores.MemoryReplyOutbox")),
        redis=providers.Singleton(lazy(f"{REDIS}.stores.RedisReplyOutbox"), redis, keys),
    )
    configured_dead_letters = providers.Selector(
        settings.provided.dead_letters,
        file=providers.Singleton(
            lazy(f"{MEMORY}.dead_letters.FileDeadLetterStore"), settings.provided.dead_letter_dir
        ),
        memory=providers.Singleton(lazy(f"{MEMORY}.dead_letters.MemoryDeadLetterStore")),
        redis=providers.Singleton(lazy(f"{REDIS}.dead_letters.RedisDeadLetterStore"), redis, keys),
    )
    dead_letters = providers.Singleton(dead_letter_stores, settings, configured_dead_letters)
    gateway = providers.Selector(
        settings.provided.gateway,
        memory=providers.Singleton(lazy(f"{MEMORY}.gateway.RecordingGateway")),
        uazapi=providers.Singleton(uazapi_gateway, settings),
    )
    # The gateway as the use cases get it: built on first use, its settings checked at once. Most
    # runs send nothing (a receive that buffers, a processor that finds "not yet"): no HTTP client.
    lazy_gateway = providers.Factory(deferred_gateway, settings, gateway.provider)
    media = providers.Selector(
        settings.provided.media,
        captions=providers.Singleton(lazy("app.adapters.media_offline.CaptionOnlyMediaReader")),
        local=providers.Singleton(local_media, settings, lazy_gateway),
    )
    blobs = providers.Singleton(minio_blobs, settings)
    embedder = providers.Singleton(settings_embedder, settings)
    synonyms = providers.Singleton(synonym_groups, settings)
    knowledge = providers.Selector(
        settings.provided.knowledge,
        keyword=providers.Singleton(keyword_knowledge, settings, synonyms),
        faiss=providers.Singleton(
            lazy("app.adapters.faiss.knowledge.FaissKnowledgeBase"),
            blobs,
            embedder,
            settings.provided.index_cache_dir,
            settings.provided.index_prefix,
            synonyms,
            recheck_s=settings.provided.index_recheck_seconds,
        ),
    )
    indexer = providers.Singleton(
        lazy("app.adapters.faiss.index.FaissIndexer"),
        blobs,
        embedder,
        settings.provided.index_prefix,
        cache_dir=settings.provided.index_cache_dir,
    )
    ingest_progress = providers.Factory(lazy("app.adapters.progress.progress_for"))
    # Where ingest reads the business's documents: a folder, or a prefix of the knowledge bucket.
    folder_documents = providers.Factory(lazy("app.adapters.faiss.documents.FolderSource"))
    bucket_documents = providers.Factory(lazy("app.adapters.faiss.documents.BlobSource"), blobs)
    # The keyword knowledge base of documents already read (what ingest reports for it).
    keyword_knowledge_of = providers.Factory(keyword_knowledge_from, synonyms=synonyms)
    business = providers.Callable(business_name, settings)
    # The configured backend over CONVERSA_KNOWLEDGE_DIR, built in memory (conversa ask --source).
    folder_knowledge = providers.Singleton(folder_knowledge, settings, embedder.provider, synonyms.provider)
    answerer = providers.Selector(
        settings.provided.answerer,
        extractive=providers.Singleton(lazy("app.adapters.llm.extractive.ExtractiveAnswerer"), business),
        openai=providers.Singleton(openai_answerer, settings),
    )

    # The owner's side: the team's board, what the bot could not answer, the week's figures.
    team_board = providers.Selector(
        settings.provided.state,
        memory=providers.Singleton(lazy(f"{MEMORY}.owner.MemoryTeamBoard")),
        redis=providers.Singleton(lazy(f"{REDIS}.owner.RedisTeamBoard"), redis, keys),
    )
    gap_log = providers.Selector(
        settings.provided.state,
        memory=providers.Singleton(
            lazy(f"{MEMORY}.owner.MemoryGapLog"),
            providers.Callable(lambda s: s.gaps_retention_days * 86_400_000, settings),
            settings.provided.gaps_max_kept,
        ),
        redis=providers.Singleton(
            lazy(f"{REDIS}.owner.RedisGapLog"),
            redis,
            keys,
            providers.Callable(lambda s: s.gaps_retention_days * 86_400_000, settings),
            settings.provided.gaps_max_kept,
        ),
    )
    figures = providers.Selector(
        settings.provided.state,
        memory=providers.Singleton(lazy(f"{MEMORY}.owner.MemoryFiguresStore")),
        redis=providers.Singleton(lazy(f"{REDIS}.owner.RedisFiguresStore"), redis, keys),
    )
    hours = providers.Callable(business_hours, settings)
    team_desk = providers.Factory(
        lazy("app.domain.usecases.team_desk.TeamDesk"),
        team_jid=settings.provided.team_chat,
        chat_state=chat_state,
        board=team_board,
        gateway=lazy_gateway,
        idempotency=idempotency,
        hours=hours,
        takeover_ms=providers.Callable(lambda s: s.takeover_minutes * 60_000, settings),
        dedup_ttl_ms=providers.Callable(lambda s: int(s.dedup_ttl_hours * 3_600_000), settings),
    )
    owner_side = providers.Factory(
        lazy("app.domain.usecases.owner_side.OwnerSide"),
        hours=hours,
        team_jid=settings.provided.team_chat,
        business=business,
        outbox=outbox,
        gateway=lazy_gateway,
        board=team_board,
        gaps=gap_log,
        figures=figures,
    )
    gaps = providers.Factory(
        lazy("app.domain.usecases.gaps_report.KnowledgeGaps"),
        log=gap_log,
        figures=figures,
        clock=clock,
        hours=hours,
        embedder=providers.Callable(report_embedder, settings, embedder.provider),
        business=business,
        team_jid=settings.provided.team_chat,
        instance=providers.Callable(report_instance, settings),
        gateway=gateway,
        outbox=outbox,
        idempotency=idempotency,
        blobs=blobs,
        reports_prefix=settings.provided.reports_prefix,
    )

    receive = providers.Factory(
        lazy("app.domain.usecases.receive.ReceiveMessage"),
        parser=parser,
        buffer=buffer,
        chat_state=chat_state,
        idempotency=idempotency,
        media=media,
        gateway=lazy_gateway,
        dead_letters=dead_letters,
        clock=clock,
        rules=providers.Callable(chat_rules, settings),
        dedup_ttl_ms=providers.Callable(lambda s: int(s.dedup_ttl_hours * 3_600_000), settings),
        authenticity=providers.Callable(authenticity, settings),
        max_rejected_kept=settings.provided.rejected_max_kept,
        max_rejected_bytes=settings.provided.rejected_max_bytes,
        quiet_ms=settings.provided.quiet_ms,
        team=team_desk,
    )
    process = providers.Factory(
        lazy("app.domain.usecases.process.ProcessConversation"),
        buffer=buffer,
        conversations=conversations,
        chat_state=chat_state,
        outbox=outbox,
        knowledge=providers.Factory(Deferred, knowledge.provider),
        answerer=providers.Factory(Deferred, answerer.provider),
        gateway=lazy_gateway,
        dead_letters=dead_letters,
        clock=clock,
        debounce=providers.Callable(debounce_rules, settings),
        policy=providers.Callable(reply_policy, settings),
        memory=providers.Callable(memory_rules, settings),
        chat_rules=providers.Callable(chat_rules, settings),
        rules=providers.Callable(process_rules, settings),
        answering=providers.Callable(answering_rules, settings),
        owner_side=owner_side,
    )
    ask = providers.Factory(
        lazy("app.domain.usecases.ask.AskQuestion"),
        knowledge=knowledge,
        answerer=answerer,
        rules=providers.Callable(answering_rules, settings),
        retrieval_k=settings.provided.retrieval_k,
        question_max_chars=settings.provided.question_max_chars,
    )
    sweep = providers.Factory(
        lazy("app.domain.usecases.sweep.SweepConversations"),
        buffer=buffer,
        clock=clock,
        debounce=providers.Callable(debounce_rules, settings),
        idempotency=idempotency,
        grace_ms=settings.provided.sweep_grace_ms,
        rescue_cooldown_ms=settings.provided.sweep_rescue_cooldown_ms,
        max_rescues=settings.provided.sweep_max_rescues,
    )
    alert = providers.Factory(
        lazy("app.domain.usecases.alert.AlertOperator"),
        gateway=gateway,
        idempotency=idempotency,
        clock=clock,
        chat=providers.Callable(lambda s: operator_chat(s.alert_chat) if s.alert_chat else "", settings),
        quiet_ms=providers.Callable(lambda s: s.alert_quiet_minutes * 60_000, settings),
    )
    replay = providers.Factory(
        lazy("app.domain.usecases.replay.ReplayDeadLetters"),
        stores=providers.Callable(lambda d: [(s.name, s.store) for s in d.stores], dead_letters),
        # A body rejected again stays in its own letter: this receive files no new one.
        receive=providers.Factory(
            receive, dead_letters=providers.Factory(lazy(f"{MEMORY}.dead_letters.MemoryDeadLetterStore"))
        ),
    )


def build_container(settings: Settings | None = None) -> Container:
    container = Container()
    if settings is not None:
        container.settings.override(providers.Object(settings))
    return container
