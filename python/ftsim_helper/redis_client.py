"""A minimal Redis client (RESP over a TCP socket): AUTH and one command, with a short
timeout, enough to PING and SHUTDOWN the Redis the helper started."""

from __future__ import annotations

import socket
from typing import BinaryIO


class RedisError(Exception):
    """An error reply, a failed AUTH or a broken connection."""


Reply = str | int | None | RedisError


def encode(*parts: str) -> bytes:
    """One command as a RESP array of bulk strings."""
    out = [b"*%d\r\n" % len(parts)]
    for p in parts:
        b = p.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def redis_command(port: int, password: str | None, *args: str, timeout: float = 0.3) -> Reply:
    """Send AUTH (if a password is set) and one command; return the last reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        payload = (encode("AUTH", password) if password else b"") + encode(*args)
        s.sendall(payload)
        f = s.makefile("rb")
        replies = []
        for _ in range(2 if password else 1):
            replies.append(read_reply(f))
        if password and isinstance(replies[0], RedisError):
            raise RedisError("AUTH failed: " + str(replies[0]).split(" ")[0])
        if isinstance(replies[-1], RedisError):
            raise replies[-1]
        return replies[-1]


def read_reply(f: BinaryIO) -> Reply:
    """One RESP reply (simple string, error, integer or bulk string) from `f`."""
    line = f.readline()
    if not line:
        raise RedisError("connection closed")
    kind, rest = line[:1], line[1:].rstrip(b"\r\n")
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        return RedisError(rest.decode(errors="replace"))
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)
        return data[:-2].decode(errors="replace")
    raise RedisError(f"unexpected reply type {kind!r}")
