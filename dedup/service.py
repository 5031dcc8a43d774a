"""HTTP service over an index: the pre-ingest filter a newsroom pipeline calls for every article.

``POST /check`` {text} (or the text itself as ``text/plain``) -> verdict; ``POST /documents`` {id, text,
metadata?} checks and stores in one transaction (201 stored; 200 not stored, because it is a duplicate
or because the same id holds the same text already: a retried ingest; 409 the id holds another text);
``GET /documents`` (ids, paged); ``GET`` and ``DELETE /documents/{id}`` (an id may hold slashes);
``GET /stats``; ``GET /health``. The OpenAPI schema is at ``/openapi.json``, its pages at ``/docs`` and
``/redoc`` (served from fastapi-offline's copy of Swagger UI and ReDoc: no CDN).

Every request is logged as one line on the ``dedup.service`` logger (method, path as sent, status,
verdict, milliseconds), never with the request's text.

Errors are JSON ``{"detail": ...}``: 422 bad body (not JSON, not an object, empty text, wrong types,
unknown fields, an id over 1,024 characters, lone surrogates, metadata nested over 32 levels), 400 a
body that is not UTF-8 or is JSON nested too deep to parse, 413 body over ``max_bytes`` (declared
Content-Length or actual bytes), 404 unknown id, 401 missing or wrong bearer token on a write when a
token is set (on every request but ``/health`` and the docs when ``private``), 507 no room left to store the article (nothing is stored), 503 damaged or unusable
index (locked, read-only, I/O error).

Requests run in worker threads, each with its own SQLite connection (an :class:`~dedup.index.Index` is
one connection and belongs to one thread), kept for the thread's lifetime: a fresh connection starts
with an empty page cache, which costs a check about 5 ms at a million stored paragraphs. Any number of
readers run at once over WAL while writers queue (on a lock in this process, then on SQLite's write
lock); a write is one transaction, so a failed or interrupted request leaves nothing half-written. One
connection stays open for the app's lifetime so SQLite keeps its WAL between requests instead of
checkpointing it whenever the last worker connection closes.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import signal
import socket
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, Self

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator, model_validator

from dedup import __version__
from dedup.dates import parse_date
from dedup.index import (
    DocumentExists,
    DocumentNotFound,
    Index,
    IndexFileError,
    IndexFull,
    validate_document,
    validate_text,
)
from dedup.index.resident import ResidencyError, ResidentFile
from dedup.service_http import LOG, AccessLog, BodyLimit, PlainTextCheck

BEARER = HTTPBearer(auto_error=False, description="Required for writes when the service has a token, "
                                                  "and for reads too when it is private.")
MAX_ID_CHARS = 1024  # ids are quoted in every match and error: an id is a name, not a payload
MAX_PAGE = 1000
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _TextRequest(BaseModel):
    """The index's own rules apply here, so a request it would refuse (empty text, a lone surrogate from
    a ``"\\ud800"`` escape, metadata nested too deep to return) is a 422, not a failure later on."""

    model_config = ConfigDict(extra="forbid")  # a misspelt field ("metdata") must not be dropped silently

    text: StrictStr = Field(description="The article's raw text.")

    @field_validator("text")
    @classmethod
    def _checkable(cls, text: str) -> str:
        return validate_text(text)


class CheckRequest(_TextRequest):
    date: StrictStr | None = Field(default=None, description=(
        "When the article was written (ISO 8601, or as the stored date metadata holds it): a stored story "
        "more than three days older is then never taken for a version of it."))

    @field_validator("date")
    @classmethod
    def _dated(cls, date: str | None) -> str | None:
        if date is not None and parse_date(date) is None:
            raise ValueError(f"{date!r} is not a date")
        return date


class DocumentRequest(_TextRequest):
    id: StrictStr = Field(min_length=1, max_length=MAX_ID_CHARS, description="The id to store the article under.")
    metadata: dict[str, Any] | None = Field(default=None, description="Any JSON object, returned in matches; "
                                                                      "its ``date`` dates the article as /check's does.")

    @model_validator(mode="after")
    def _storable(self) -> Self:
        validate_document(self.id, self.text, self.metadata)
        return self


class _Answer(BaseModel):
    """A part of the verdict's JSON: a field :meth:`dedup.index.Verdict.to_dict` gives and the model lacks
    is an error, not dropped (``tests/test_service.py`` checks the two agree)."""

    model_config = ConfigDict(extra="forbid")


class QuoteModel(_Answer):
    line: int
    end_line: int
    start: int
    end: int
    text: str


class WordingModel(_Answer):
    kind: str
    a: str
    b: str


class FigureModel(_Answer):
    change: str
    a: str | None
    b: str | None
    counts: str | None


class OpModel(_Answer):
    op: str
    a: str
    b: str
    a_start: int
    a_end: int
    b_start: int
    b_end: int


class DiffModel(_Answer):
    """``a`` is the stored text, ``b`` the incoming one."""

    wording: list[WordingModel]
    figures: list[FigureModel]
    ops: list[OpModel]


class ChangesModel(_Answer):
    """A version's changes come from its whole-document alignment (as ``dedup diff`` shows them), with the
    paragraphs only the incoming text holds (``added``) or only the stored one (``removed``)."""

    wording: list[WordingModel]
    figures: list[FigureModel]
    added: list[QuoteModel]
    removed: list[QuoteModel]


class PassageModel(_Answer):
    kind: str = Field(description="exact, near or partial")
    similarity: float
    containment: float
    incoming: QuoteModel
    stored: QuoteModel
    diff: DiffModel | None = None


class MatchModel(_Answer):
    id: str
    metadata: dict[str, Any] | None
    relation: str = Field(description="The verdict this stored document gives: duplicate, near-duplicate or "
                                      "partial-reuse.")
    kind: str = Field(description="The document relation a scan of the two gives: duplicate, version or reuse.")
    similarity: float
    incoming_in_stored: float
    stored_in_incoming: float
    changes: ChangesModel
    passages: list[PassageModel]


class ConflictValueModel(_Answer):
    value: str
    sides: list[str] = Field(description="The texts giving this value: stored, incoming or both.")
    text: str = Field(description="The sentence of its first source.")


class ConflictModel(_Answer):
    counts: str = Field(description="The quantity: what is counted, and in what event.")
    values: list[ConflictValueModel]


class ConflictingReportModel(_Answer):
    id: str
    metadata: dict[str, Any] | None
    similarity: float = Field(description="Cosine of the two texts' distinctive names, IDF-weighted.")
    names: list[str] = Field(description="The distinctive names both texts hold.")
    conflicts: list[ConflictModel]


class VerdictModel(_Answer):
    verdict: str = Field(description="new, partial-reuse, near-duplicate or duplicate")
    duplicate_of: str | None = Field(description="The stored story this article is a re-sent copy of.")
    version_of: str | None = Field(description="The stored story this article is a version (update or "
                                               "correction) of.")
    correction: bool = Field(description="The article's headline says it corrects a story, and version_of names "
                                         "the stored story it corrects.")
    id: str | None = None
    added: bool | None = None
    matches: list[MatchModel]
    conflicting_reports: list[ConflictingReportModel] = Field(
        description="Stored reports of this article's event that share no passage with it and give other "
                    "counts of it (people killed, ...), closest first.")
    stats: dict[str, Any]


class DocumentModel(BaseModel):
    id: str
    text: str
    metadata: dict[str, Any] | None
    paragraphs: int


class RemovedModel(BaseModel):
    id: str
    removed: bool


class IdsModel(BaseModel):
    ids: list[str]
    next: str | None = Field(description="The ``after`` of the next page; null on the last page.")


class ErrorModel(BaseModel):
    detail: Any = Field(description="What was wrong: a message, or for 422 the list of problems.")


def _answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error answers of a route for the OpenAPI schema."""
    described = {400: "The body is not UTF-8, or is JSON nested too deep to parse.",
                 401: "A valid bearer token is required.", 404: "Unknown id.",
                 409: "The id is stored with another text.", 413: "The body is larger than the limit.",
                 503: "The index is damaged or unusable (locked, read-only, I/O error).",
                 507: "No room left to store the article: nothing was stored."}
    return {code: {"model": ErrorModel, "description": described[code]} for code in codes}


class HealthModel(BaseModel):
    status: str
    version: str
    documents: int


def create_app(index_path: str | os.PathLike[str], *, token: str | None = None, private: bool = False,
               max_bytes: int = 1_000_000, resident: bool = False,
               warn: Callable[[str], None] | None = None) -> FastAPI:
    """The service for the index at ``index_path`` (checked now: a bad index is refused before serving).

    With a ``token``, writes need it as a bearer token; ``private`` makes every read need it too (the
    stored texts may be embargoed), all but ``/health`` and the API's docs. ``resident`` locks the index
    file's pages in memory for the app's lifetime, shared by every worker connection. When it cannot,
    the app serves from disk and says why through ``warn``; without ``warn`` it raises
    :class:`~dedup.index.resident.ResidencyError`.
    """
    if private and token is None:
        raise ValueError("a private service needs a token (--token or DEDUP_TOKEN)")
    Index.open(index_path, quick_check=True).close()
    residency = None
    if resident:
        try:
            residency = ResidentFile(index_path)
        except ResidencyError as exc:
            if warn is None:
                raise
            warn(f"{exc}; serving from disk")

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            with Index.open(index_path, quick_check=False) as anchor:
                anchor.warm_up()
                yield
        finally:
            if residency is not None:
                residency.close()

    local = threading.local()

    def connect() -> Index:
        """This worker thread's connection (opened on its first request)."""
        if residency is not None:
            residency.refresh()  # lock the pages the index gained since the last request
        if not hasattr(local, "index"):
            local.index = Index.open(index_path, quick_check=False)
        return local.index

    # SQLite lets one writer in at a time, and a writer that finds the lock taken polls for it with
    # sleeps of up to 100 ms; this app's writers queue here instead, and each is woken the moment the
    # one before it commits (writers in other processes still wait on SQLite's lock).
    writing = threading.Lock()

    def authorised(credentials: HTTPAuthorizationCredentials | None, doing: str) -> None:
        given = credentials.credentials if credentials is not None else ""
        if token is not None and not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"a valid bearer token is required for {doing}",
                                headers={"WWW-Authenticate": "Bearer"})

    def writer(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]) -> None:
        authorised(credentials, "writes")

    def reader(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]) -> None:
        if private:
            authorised(credentials, "reads")

    writes = [401] if token is not None else []
    reads = [401] if private else []
    app = FastAPIOffline(title="dedup", version=__version__, lifespan=lifespan,
                         description="Pre-ingest filter: is an incoming article new, or a copy of stored ones?")
    app.add_middleware(PlainTextCheck)
    app.add_middleware(BodyLimit, max_bytes=max_bytes)
    app.add_middleware(AccessLog)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> Response:
        # FastAPI's own handler, but ASCII JSON: the errors quote the input, which may hold lone surrogates
        body = json.dumps({"detail": jsonable_encoder(exc.errors())}, ensure_ascii=True, separators=(",", ":"))
        return Response(body, status.HTTP_422_UNPROCESSABLE_CONTENT, media_type="application/json")

    @app.exception_handler(IndexFileError)
    async def unusable(_: Request, exc: IndexFileError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status.HTTP_503_SERVICE_UNAVAILABLE)

    @app.exception_handler(IndexFull)
    async def full(_: Request, exc: IndexFull) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status.HTTP_507_INSUFFICIENT_STORAGE)

    @app.post("/check", response_model=VerdictModel, response_model_exclude_unset=True,
              dependencies=[Depends(reader)], responses=_answers(400, *reads, 413, 503),
              openapi_extra={"requestBody": {"content": {"text/plain": {"schema": {
                  "type": "string", "description": "The article's raw text (UTF-8)."}}}}})
    def check(body: CheckRequest, request: Request) -> dict[str, Any]:
        """The verdict for an article; nothing is stored. The body is ``{"text": ...}`` or, with
        ``Content-Type: text/plain``, the text itself."""
        verdict = connect().check(body.text, date=body.date)
        request.state.verdict = verdict.verdict
        return verdict.to_dict()

    @app.post("/documents", response_model=VerdictModel, response_model_exclude_unset=True,
              status_code=status.HTTP_201_CREATED, dependencies=[Depends(writer)],
              responses={200: {"description": "Not stored: a duplicate, or the same id and text are stored "
                                              "already (a retry; the verdict is against the other articles)."},
                         **_answers(400, *writes, 409, 413, 503, 507)})
    def add(body: DocumentRequest, request: Request, response: Response) -> dict[str, Any]:
        """Check an article and store it unless it is a duplicate, in one transaction."""
        with writing:
            try:
                verdict = connect().check_and_add(body.id, body.text, body.metadata)
            except DocumentExists:
                raise HTTPException(status.HTTP_409_CONFLICT,
                                    f"document {body.id!r} already exists with another text") from None
        request.state.verdict = verdict.verdict
        if not verdict.added:
            response.status_code = status.HTTP_200_OK
        return verdict.to_dict()

    @app.get("/documents", response_model=IdsModel, dependencies=[Depends(reader)],
             responses=_answers(*reads, 503))
    def ids(limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Ids per page.")] = 100,
            after: Annotated[str | None, Query(description="The ``next`` of the page before.")] = None,
            ) -> dict[str, Any]:
        """Stored ids in code point order, a page at a time."""
        page = connect().ids(after=after, limit=limit + 1)
        return {"ids": page[:limit], "next": page[limit - 1] if len(page) > limit else None}

    @app.get("/documents/{doc_id:path}", response_model=DocumentModel, dependencies=[Depends(reader)],
             responses=_answers(*reads, 404, 503))
    def get(doc_id: str) -> dict[str, Any]:
        """A stored article (percent-encode the id: ``urllib.parse.quote(id, safe="")``)."""
        document = connect().get(doc_id)
        if document is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no document {doc_id!r}")
        return {"id": document.id, "text": document.text, "metadata": document.metadata,
                "paragraphs": document.paragraphs}

    @app.delete("/documents/{doc_id:path}", response_model=RemovedModel, dependencies=[Depends(writer)],
                responses=_answers(*writes, 404, 503))
    def remove(doc_id: str) -> dict[str, Any]:
        """Remove a stored article."""
        with writing:
            try:
                connect().remove(doc_id)
            except DocumentNotFound:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"no document {doc_id!r}") from None
        return {"id": doc_id, "removed": True}

    @app.get("/stats", dependencies=[Depends(reader)], responses=_answers(*reads, 503))
    def stats() -> dict[str, Any]:
        """Counts, sizes and parameters of the index (and how much of it is locked in memory)."""
        out = connect().stats()
        if residency is not None:
            out.update(residency.stats())
        return out

    @app.get("/health", response_model=HealthModel)
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "documents": len(connect())}

    return app


class CannotListen(Exception):
    """The address cannot be listened on (in use, not allowed, unknown host); nothing was served."""


def serve(app: FastAPI, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run an app of :func:`create_app` with uvicorn until interrupted, logging on stderr from the level
    set on :data:`LOG` up (the request lines are ``info``); raises :class:`CannotListen` when the address
    cannot be bound."""
    import uvicorn

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise CannotListen(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    with sock:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
        except OSError as exc:
            raise CannotListen(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
        level = logging.getLevelName(LOG.getEffectiveLevel()).lower()
        # uvicorn's own access line would log the query string; AccessLog's replaces it
        server = uvicorn.Server(uvicorn.Config(app, log_level=level, access_log=False))
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        LOG.addHandler(handler)
        # once shut down, uvicorn raises the signal that stopped it again; a stop that was asked for
        # (Ctrl-C, SIGTERM from systemd) ends the process with exit code 0 instead
        asked = threading.current_thread() is threading.main_thread()
        kept = {sig: signal.signal(sig, signal.SIG_IGN) for sig in STOP_SIGNALS} if asked else {}
        try:
            server.run(sockets=[sock])
        finally:
            LOG.removeHandler(handler)
            for sig, previous in kept.items():
                signal.signal(sig, previous)
