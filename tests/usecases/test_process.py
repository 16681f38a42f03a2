"""The process use case: debounce, one answer per batch, resume, takeover, dead letters."""

from __future__ import annotations

from typing import Any

import pytest
from dependency_injector import providers

from app.adapters.memory.gateway import RecordingGateway
from app.domain.usecases.receive import utc_ms
from tests.usecases.conftest import CHAT, World, make_world


class FailingGateway(RecordingGateway):
    """Fails the n-th text send once, like a 500 from Uazapi at part 2 of 3."""

    def __init__(self, fail_at: int) -> None:
        super().__init__()
        self.fail_at, self.sends = fail_at, 0

    def send_text(self, chat_id: str, text: str, track_id: str = "") -> str:
        self.sends += 1
        if self.sends == self.fail_at:
            raise ConnectionError("uazapi said 500")
        return super().send_text(chat_id, text, track_id)


def long_answer_world(**settings: Any) -> World:
    """Answers the payment question in several parts (small part size)."""
    return make_world(reply_max_chars=80, **settings)


def test_waits_for_quiet_then_answers_the_burst_once(world: World) -> None:
    for text in ("Oi", "vocês fazem entrega?", "qual a taxa?"):
        world.say(text)
        world.clock.sleep_ms(1_000)
    early = world.process(wait_ms=0)
    assert early.status == "waiting" and 0 < early.retry_in_ms <= 5_000
    assert world.gateway.texts() == []
    result = world.process(wait_ms=10_000)
    assert result.status == "answered" and result.batches == 1 and result.messages == 3
    assert any("R$ 7,00" in t for t in world.gateway.texts())
    assert world.process().status == "idle"


def test_typing_comes_before_every_part_and_reads_first(world: World) -> None:
    world.say("Quais as formas de pagamento?")
    world.process(wait_ms=10_000)
    kinds = [e.kind for e in world.gateway.events]
    assert kinds[0] == "read"
    assert kinds[1:] == ["typing", "text"] * (len(kinds[1:]) // 2)


def test_a_customer_who_never_stops_still_gets_an_answer() -> None:
    world = make_world(quiet_ms=5_000, max_wait_ms=12_000)
    for i in range(20):
        world.say(f"mensagem {i} sobre entrega")
        world.clock.sleep_ms(2_000)
        result = world.process(wait_ms=0)
        if result.status == "answered":
            break
    assert result.status == "answered" and i < 8


def test_failure_at_part_two_resumes_at_part_two() -> None:
    world = long_answer_world()
    gateway = FailingGateway(fail_at=2)
    world.container.gateway.override(providers.Object(gateway))
    world.say("Quais as formas de pagamento?")
    world.clock.sleep_ms(6_000)
    with pytest.raises(ConnectionError):
        world.process()
    sent_before = list(gateway.texts())
    assert len(sent_before) == 1
    result = world.process()
    assert result.status == "answered"
    texts = gateway.texts()
    assert len(texts) == len(set(texts)) >= 3  # no part twice
    fresh = long_answer_world()
    fresh.say("Quais as formas de pagamento?")
    fresh.clock.sleep_ms(6_000)
    fresh.process()
    assert texts == fresh.gateway.texts()  # same parts, same order, each once


def test_a_batch_failing_too_often_becomes_a_dead_letter() -> None:
    world = make_world(max_attempts=2)

    class AlwaysFailing(RecordingGateway):
        def send_text(self, chat_id: str, text: str, track_id: str = "") -> str:
            raise ConnectionError("down")

    world.container.gateway.override(providers.Object(AlwaysFailing()))
    world.say("Qual o horário?")
    world.clock.sleep_ms(6_000)
    for _ in range(2):
        with pytest.raises(ConnectionError):
            world.process()
    result = world.process()
    assert result.status == "dead_lettered"
    letter = world.container.dead_letters().list()[0]
    assert letter.source == "process" and "Qual o horário?" in letter.body
    assert world.container.buffer().activity(CHAT) is None


def test_owner_taking_over_mid_answer_stops_the_remaining_parts() -> None:
    world = long_answer_world()
    owner_state = world.container.chat_state()

    class TakeoverAfterFirst(RecordingGateway):
        def send_text(self, chat_id: str, text: str, track_id: str = "") -> str:
            owner_state.pause(chat_id, world.clock.now_ms() + 60_000)
            return super().send_text(chat_id, text, track_id)

    gateway = TakeoverAfterFirst()
    world.container.gateway.override(providers.Object(gateway))
    world.say("Quais as formas de pagamento?")
    world.clock.sleep_ms(6_000)
    result = world.process()
    assert result.status == "suppressed" and result.parts_sent == 1
    assert len(gateway.texts()) == 1
    assert world.container.buffer().activity(CHAT) is None


def test_a_processor_that_lost_its_lease_stops_sending() -> None:
    world = long_answer_world(lease_ms=10_000)
    buffer = world.container.buffer()

    class SlowGateway(RecordingGateway):
        def send_text(self, chat_id: str, text: str, track_id: str = "") -> str:
            world.clock.sleep_ms(15_000)  # longer than the lease
            buffer.requeue_expired(world.clock.now_ms())  # the sweep runs meanwhile
            return super().send_text(chat_id, text, track_id)

    gateway = SlowGateway()
    world.container.gateway.override(providers.Object(gateway))
    world.say("Quais as formas de pagamento?")
    world.clock.sleep_ms(6_000)
    result = world.process()
    assert result.status == "lost_lease" and len(gateway.texts()) == 1
    world.container.gateway.override(providers.Object(RecordingGateway()))
    resumed = world.process()
    assert resumed.status == "answered"
    assert gateway.texts()[0] not in world.container.gateway().texts()


def test_a_second_processor_waits_for_the_first(world: World) -> None:
    world.say("Qual o horário?")
    world.clock.sleep_ms(6_000)
    batch = world.container.buffer().claim(CHAT, world.clock.now_ms(), 60_000, 10)
    assert batch is not None
    assert world.process(wait_ms=0).status == "idle"  # nothing else waits
    world.say("e aos domingos?")
    world.clock.sleep_ms(6_000)
    assert world.process(wait_ms=0).status == "busy"
    assert world.gateway.texts() == []
    world.container.buffer().ack(CHAT, batch.token)
    assert world.process(wait_ms=0).status == "answered"


def test_asking_for_a_human_pauses_the_bot(world: World) -> None:
    world.say("quero falar com um atendente")
    world.clock.sleep_ms(6_000)
    result = world.process()
    assert result.status == "answered" and result.handoff
    assert world.container.chat_state().get(CHAT).is_paused(world.clock.now_ms())
    assert world.say("alô?").status == "ignored"


def test_history_is_remembered_and_bounded() -> None:
    world = make_world(max_turns=4)
    for question in ("Qual o horário?", "Aceitam Pix?", "Tem Wi-Fi?"):
        world.say(question)
        world.clock.sleep_ms(6_000)
        world.process()
    turns = world.container.conversations().load(CHAT).turns
    assert len(turns) == 4
    assert turns[-2].text == "Tem Wi-Fi?" and "Wi-Fi" in turns[-1].text


def test_voice_note_alone_gets_the_polite_request_to_type(world: World) -> None:
    from tests.usecases.conftest import fixture_body

    body = fixture_body("titobahe__user-chat__from-others__audio.sent.json")
    chat = world.container.receive()(body).chat_id
    world.clock.sleep_ms(6_000)
    world.container.process()(chat, 0)
    assert any("escrever" in t for t in world.gateway.texts(chat))


def test_sweep_requeues_dead_leases_and_lists_overdue_chats(world: World) -> None:
    world.say("Qual o horário?")
    world.clock.sleep_ms(6_000)
    batch = world.container.buffer().claim(CHAT, world.clock.now_ms(), 1_000, 10)
    assert batch is not None
    world.clock.sleep_ms(2_000)
    result = world.container.sweep()()
    # Due 3 s ago: within the grace, its own processor may only be late (a loaded Kestra).
    assert result.requeued == [CHAT] and result.overdue == []
    world.clock.sleep_ms(60_000)
    assert world.container.sweep()().overdue == [CHAT]
    assert world.process().status == "answered"
    assert world.container.sweep()().overdue == []


def test_the_sweep_leaves_a_chat_to_its_own_processor_until_the_grace_is_over() -> None:
    world = make_world(sweep_grace_ms=10_000)
    world.say("Oi")
    world.clock.sleep_ms(5_000 + 9_999)  # due (quiet 5 s) for 9.999 s
    assert world.container.sweep()().overdue == []
    world.clock.sleep_ms(1)
    assert world.container.sweep()().overdue == [CHAT]


def test_a_processor_whose_message_is_no_longer_the_last_exits_at_once(world: World) -> None:
    first = world.say("Oi")
    world.clock.sleep_ms(900)
    world.say("vocês fazem entrega?")
    first_due = utc_ms(first.process_at)
    world.clock.sleep_ms(4_000)  # the first message is due in 0.1 s, the burst in 1 s
    before = world.clock.now_ms()
    result = world.container.process()(CHAT, 10_000, first_due)
    assert result.status == "superseded" and world.clock.now_ms() == before  # no wait held
    assert world.gateway.texts() == []
    last_due = first_due + 900
    answered = world.container.process()(CHAT, 10_000, last_due)
    assert answered.status == "answered" and answered.messages == 2


def test_the_sweep_rescues_a_burst_once_per_cooldown_not_once_a_minute() -> None:
    # Under load a chat's own processor is queued, not lost: one extra processor is enough.
    world = make_world(sweep_grace_ms=10_000, sweep_rescue_cooldown_ms=300_000)
    world.say("Oi")
    world.clock.sleep_ms(5_000 + 10_000)
    assert world.container.sweep()().overdue == [CHAT]
    for _ in range(4):
        world.clock.sleep_ms(60_000)
        again = world.container.sweep()()
        assert again.overdue == [] and again.deferred == 1
    world.clock.sleep_ms(60_000)  # the cooldown is over: the rescue itself may have been lost
    assert world.container.sweep()().overdue == [CHAT]
    world.say("Alguém aí?")  # a new burst is a new rescue, even within the cooldown
    world.clock.sleep_ms(5_000 + 10_000)
    assert world.container.sweep()().overdue == [CHAT]


def test_one_sweep_rescues_at_most_its_bound_the_longest_overdue_first() -> None:
    world = make_world(sweep_grace_ms=0, sweep_max_rescues=2)
    chats = []
    for number in ("5541911110001", "5541911110002", "5541911110003"):
        chats.append(world.say("Oi", chat_id=f"{number}@s.whatsapp.net").chat_id)
        world.clock.sleep_ms(1_000)
    world.clock.sleep_ms(5_000)
    first = world.container.sweep()()
    assert first.overdue == sorted(chats[:2]) and first.deferred == 1
    assert world.container.sweep()().overdue == [chats[2]]


def test_an_answer_names_its_sources_in_the_output_the_reply_and_the_history(world: World) -> None:
    world.say("Vocês aceitam pix?")
    world.clock.sleep_ms(6_000)
    result = world.process()
    assert result.status == "answered" and not result.fallback and not result.handoff
    (source,) = result.sources
    assert (source["source"], source["title"]) == ("perguntas-frequentes.md", "Formas de pagamento")
    assert 0.5 <= source["score"] <= 1  # a calibrated confidence that answers
    assert world.gateway.texts()[-1].endswith("Fonte: Formas de pagamento (perguntas-frequentes.md)_")
    answer_turn = world.container.conversations().load(CHAT).turns[-1]
    assert [(s.source, s.title) for s in answer_turn.sources] == [
        ("perguntas-frequentes.md", "Formas de pagamento")
    ]
    assert not world.container.chat_state().get(CHAT).is_paused(world.clock.now_ms())


def test_a_question_the_knowledge_base_cannot_answer_gets_the_fallback_and_a_handoff(world: World) -> None:
    world.say("asdfgh qwerty")
    world.clock.sleep_ms(6_000)
    result = world.process()
    assert result.status == "answered" and result.fallback and result.handoff and result.sources == []
    (text,) = world.gateway.texts()
    assert "Não encontrei" in text and "equipe" in text and "Fonte" not in text
    # Nobody took the chat yet: the bot keeps answering what it knows (issue 15).
    assert not world.container.chat_state().get(CHAT).is_paused(world.clock.now_ms())
    assert [e.chat_id for e in world.gateway.events if e.kind == "handoff"] == [CHAT]  # flagged for the team
    assert world.container.conversations().load(CHAT).turns[-1].sources == ()


def test_an_answered_question_is_not_flagged_for_the_team(world: World) -> None:
    world.say("Vocês aceitam pix?")
    world.clock.sleep_ms(6_000)
    assert world.process().status == "answered"
    assert not [e for e in world.gateway.events if e.kind == "handoff"]


def test_a_flag_that_fails_retries_the_batch_without_sending_the_reply_again(world: World) -> None:
    class FlagFails(RecordingGateway):
        failures = 1

        def flag_handoff(self, chat_id: str) -> None:
            if self.failures:
                self.failures -= 1
                raise ConnectionError("uazapi down")
            super().flag_handoff(chat_id)

    gateway = FlagFails()
    world.container.gateway.override(providers.Object(gateway))
    world.say("asdfgh qwerty")
    world.clock.sleep_ms(6_000)
    with pytest.raises(ConnectionError):
        world.process()
    world.clock.sleep_ms(60_000)
    result = world.process()
    assert result.status == "answered" and result.handoff and result.parts_sent == 0
    assert len(gateway.texts()) == 1 and [e.kind for e in gateway.events].count("handoff") == 1


def test_the_sources_line_can_be_turned_off() -> None:
    world = make_world(show_sources=False)
    world.say("Vocês aceitam pix?")
    world.clock.sleep_ms(6_000)
    result = world.process()
    assert result.sources and "Fonte" not in "".join(world.gateway.texts())


def failed_at_part_two() -> World:
    """A several-part answer whose second part failed: the reply waits in the outbox."""
    world = long_answer_world()
    world.container.gateway.override(providers.Object(FailingGateway(fail_at=2)))
    world.say("Quais as formas de pagamento?")
    world.clock.sleep_ms(6_000)
    with pytest.raises(ConnectionError):
        world.process()
    return world


def test_a_resumed_reply_still_reports_its_sources() -> None:
    world = failed_at_part_two()
    result = world.process()  # composed by the first run, kept in the outbox
    assert result.status == "answered" and [s["title"] for s in result.sources] == ["Formas de pagamento"]


class WarmthRecorder:
    """The configured knowledge base, noting when it was warmed up and searched."""

    def __init__(self, world: World) -> None:
        self.world, self.knowledge = world, world.container.knowledge()
        self.warmed_at: list[int] = []
        self.searched_at: list[int] = []
        world.container.knowledge.override(providers.Object(self))

    def search(self, query: str, k: int = 4) -> list[Any]:
        self.searched_at.append(self.world.clock.now_ms())
        return list(self.knowledge.search(query, k))

    def warm_up(self) -> None:
        self.warmed_at.append(self.world.clock.now_ms())
        self.knowledge.warm_up()


def test_a_processor_loads_the_knowledge_base_while_it_waits_not_after(world: World) -> None:
    knowledge = WarmthRecorder(world)
    said = world.say("vocês fazem entrega?")
    world.clock.sleep_ms(4_000)  # due in 1 s: what the flow's processor finds when it starts
    result = world.container.process()(CHAT, 2_000, utc_ms(said.process_at))
    assert result.status == "answered"
    assert knowledge.warmed_at == [utc_ms(said.process_at) - 1_000]  # once, before the wait
    assert knowledge.searched_at == [utc_ms(said.process_at)]


def test_a_processor_with_no_wait_of_its_own_loads_nothing(world: World) -> None:
    knowledge = WarmthRecorder(world)
    first = world.say("Oi")
    world.clock.sleep_ms(900)
    world.say("vocês fazem entrega?")
    world.clock.sleep_ms(4_000)
    assert world.container.process()(CHAT, 2_000, utc_ms(first.process_at)).status == "superseded"
    assert world.process(wait_ms=0).status == "waiting"  # not due, no budget to wait: retried later
    assert knowledge.warmed_at == [] and knowledge.searched_at == []


def test_a_knowledge_base_that_cannot_load_fails_the_attempt_not_the_wait(world: World) -> None:
    class Unreachable:
        def search(self, query: str, k: int = 4) -> list[Any]:
            raise ConnectionError("S3 is down")

        def warm_up(self) -> None:
            raise TimeoutError("S3 did not answer")  # left to the search, which counts it

    world.container.knowledge.override(providers.Object(Unreachable()))
    world.say("vocês fazem entrega?")
    world.clock.sleep_ms(4_000)
    with pytest.raises(ConnectionError):  # the search's failure, counted: Kestra retries the command
        world.process(wait_ms=2_000)
    assert world.gateway.texts() == []
    activity = world.container.buffer().activity(CHAT)
    assert activity is not None and activity.count == 1  # back in the buffer, for the retry


class SlowKnowledge(WarmthRecorder):
    """The configured knowledge base, taking ``ms`` of the virtual clock to search."""

    def __init__(self, world: World, ms: int) -> None:
        super().__init__(world)
        self.ms = ms

    def search(self, query: str, k: int = 4) -> list[Any]:
        self.world.clock.sleep_ms(self.ms)
        return super().search(query, k)


def timeline(world: World) -> list[tuple[str, int, int]]:
    """Every gateway call from now on as (kind, virtual time, duration asked)."""
    seen: list[tuple[str, int, int]] = []
    gateway = RecordingGateway(on_event=lambda e: seen.append((e.kind, world.clock.now_ms(), e.duration_ms)))
    world.container.gateway.override(providers.Object(gateway))
    return seen


def answered_slowly(compose_ms: int) -> tuple[World, SlowKnowledge, list[tuple[str, int, int]]]:
    """A question answered with 800 ms typing delays, its search taking ``compose_ms``."""
    world = make_world(typing_min_ms=800, typing_max_ms=800)
    knowledge = SlowKnowledge(world, ms=compose_ms)
    seen = timeline(world)
    world.say("vocês fazem entrega?")
    world.clock.sleep_ms(6_000)
    assert world.process().status == "answered"
    return world, knowledge, seen


def test_typing_shows_while_the_answer_is_composed_and_that_time_counts_towards_the_first_part() -> None:
    _, knowledge, seen = answered_slowly(300)
    (read, composing, first) = seen[:3]
    assert [read[0], composing[0], first[0]] == ["read", "typing", "text"]
    assert composing[1] < knowledge.searched_at[0]  # up before the search starts
    assert first[1] - composing[1] == 800  # 300 composing + 500 more, not 300 + 800
    assert all(kind == "typing" for kind, *_ in seen[3::2])  # later parts as before


def test_a_slow_composition_sends_the_first_part_at_once_and_a_lapsed_indicator_is_shown_again() -> None:
    _, _, seen = answered_slowly(2_000)
    assert [kind for kind, *_ in seen[:3]] == ["read", "typing", "text"]
    assert seen[2][1] - seen[1][1] == 2_000  # composing took longer than typing: no extra wait

    _, _, seen = answered_slowly(20_000)  # longer than the indicator lasts
    kinds = [kind for kind, *_ in seen[:4]]
    assert kinds == ["read", "typing", "typing", "text"] and seen[2][2] == 800
    assert seen[3][1] - seen[2][1] == 800


def test_a_reply_resumed_from_the_outbox_shows_typing_before_its_next_part() -> None:
    world = failed_at_part_two()
    seen = timeline(world)
    assert world.process().status == "answered"
    kinds = [kind for kind, *_ in seen]
    assert kinds[0] == "read" and kinds[1:3] == ["typing", "text"]
    assert seen[2][1] - seen[1][1] == seen[1][2]  # its own typing delay, whole: nothing was composed
