"""Buffer throughput on a real Redis: append + claim + ack, two worker processes.

Prints messages per second through the whole buffer cycle (each message appended, claimed
in a batch under a lease and acknowledged, by the Lua scripts the workers use), next to
``redis-benchmark``'s raw SET rate on the same server as the ceiling.

Usage: python bench/buffer_throughput.py [--messages 20000] [--redis-url URL]
(starts its own redis-server on a free port unless --redis-url is given)
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def worker(url: str, namespace: str, messages: int, index: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    from app.adapters.redis.buffer import RedisMessageBuffer
    from app.adapters.redis.connection import connect
    from app.adapters.redis.keys import Keys
    from app.domain.messages import BufferedMessage

    buffer = RedisMessageBuffer(connect(url), Keys(namespace))
    chats = [f"bench/{index}-{c}@s.whatsapp.net" for c in range(50)]
    start = time.perf_counter()
    done = 0
    for n in range(0, messages, 4):  # bursts of four messages, then one batch for them
        chat = chats[(n // 4) % len(chats)]
        for m in range(n, min(n + 4, messages)):
            message = BufferedMessage(f"{namespace}-{index}-{m}", "olá, tudo bem?", received_ms=m)
            buffer.append(chat, message, 3_600_000)  # records the id too, as receive does
        batch = buffer.claim(chat, n, 60_000, 20)
        if batch:
            buffer.ack(chat, batch.token)
            done += len(batch.messages)
    out.put((done, time.perf_counter() - start))


def redis_benchmark(port: int) -> float:
    binary = shutil.which("redis-benchmark")
    if not binary:
        return float("nan")
    out = subprocess.run(
        [binary, "-h", "127.0.0.1", "-p", str(port), "-t", "set", "-n", "100000", "-c", "2", "-q"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"SET: ([\d.]+) requests per second", out)
    return float(match.group(1)) if match else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    proc = None
    if args.redis_url:
        url, port = args.redis_url, int(args.redis_url.rsplit(":", 1)[1].split("/")[0])
    else:
        port = free_port()
        proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--dir",
                tempfile.mkdtemp(),
            ],
            stdout=subprocess.DEVNULL,
        )
        time.sleep(0.3)
        url = f"redis://127.0.0.1:{port}/0"
    try:
        namespace, queue = f"bench-{uuid.uuid4().hex[:6]}", mp.get_context("fork").Queue()
        per_worker = args.messages // 2
        workers = [
            mp.get_context("fork").Process(target=worker, args=(url, namespace, per_worker, i, queue))
            for i in range(2)
        ]
        start = time.perf_counter()
        for w in workers:
            w.start()
        results = [queue.get() for _ in workers]
        for w in workers:
            w.join()
        wall = time.perf_counter() - start
        handled = sum(r[0] for r in results)
        rate = handled / wall
        raw = redis_benchmark(port)
        print(f"messages through append+claim+ack: {handled} in {wall:.2f} s with 2 workers")
        print(f"buffer throughput                : {rate:,.0f} messages/s")
        print(f"redis-benchmark SET (2 clients)  : {raw:,.0f} requests/s")
        print(
            f"ratio buffer / raw SET           : {rate / raw:.3f} (each message costs ~1.5 round trips + Lua)"
        )
    finally:
        if proc:
            proc.terminate()


if __name__ == "__main__":
    main()
