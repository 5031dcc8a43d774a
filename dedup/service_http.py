"""The service's ASGI layers, around every request before the routes see it: the body size limit,
``text/plain`` bodies for ``/check``, and the request log line."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import status
from fastapi.responses import JSONResponse

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
LOG = logging.getLogger("dedup.service")


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413, by Content-Length and by the bytes received
    (a chunked or lying client cannot get past it); accepted bodies are replayed to the app."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body: there is no one to answer
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(bytes(body), receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse({"detail": f"request body is larger than {self.max_bytes} bytes"},
                                status.HTTP_413_CONTENT_TOO_LARGE)
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the app ``body`` (already read) as one message, then waits on the client."""
    given = False

    async def replayed() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


class PlainTextCheck:
    """``POST /check`` with ``Content-Type: text/plain``: the body is the text, handed on as ``{"text": ...}``
    so it is validated and answered as a JSON body is (400 when it is not UTF-8)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", ()))
        media_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if scope["type"] != "http" or scope["path"] != "/check" or media_type != b"text/plain":
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        try:
            text = bytes(body).decode("utf-8")
        except UnicodeDecodeError as exc:
            response = JSONResponse({"detail": f"the text/plain body is not UTF-8 (byte {exc.start})"},
                                    status.HTTP_400_BAD_REQUEST)
            await response(scope, receive, send)
            return
        data = json.dumps({"text": text}).encode()
        headers[b"content-type"] = b"application/json"
        headers[b"content-length"] = str(len(data)).encode()
        scope = {**scope, "headers": list(headers.items())}
        await self.app(scope, _replay(data, receive), send)


class AccessLog:
    """One line per request on ``dedup.service`` at INFO, when the response is sent: method, path as sent
    (percent-encoded, without the query), status, verdict (set by the route in ``request.state``), and
    milliseconds. Request bodies and query strings are never logged: they may hold unpublished text."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state = scope.setdefault("state", {})
        answered = 500  # what the server sends when the app fails before answering

        async def record(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start":
                answered = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            raw = scope.get("raw_path") or scope["path"].encode()
            path = raw.decode("ascii", "backslashreplace").encode("unicode_escape").decode("ascii")
            verdict = f" verdict={state['verdict']}" if "verdict" in state else ""
            LOG.info("%s %s %d%s %.1f ms", scope["method"], path, answered, verdict,
                     (time.perf_counter() - started) * 1000)
