"""HTTP service over an index: the pre-ingest filter a newsroom pipeline calls for every article.

``POST /check`` {text} -> verdict; ``POST /documents`` {id, text, metadata?} checks and stores in one
transaction (201 stored, 200 not stored because it is a duplicate, 409 id taken); ``GET`` and
``DELETE /documents/{id}``; ``GET /stats``; ``GET /health``. The OpenAPI schema is at ``/openapi.json``.

Errors are JSON ``{"detail": ...}``: 422 bad body (not JSON, not an object, empty text, wrong types,
unknown fields, an id over 1,024 characters, lone surrogates, metadata nested over 32 levels), 400 a
body that is not UTF-8 or is JSON nested too deep to parse, 413 body over ``max_bytes`` (declared
Content-Length or actual bytes), 404 unknown id, 401 missing or wrong bearer token on a write when a
token is set, 507 no room left to store the article (nothing is stored), 503 damaged or unusable
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
import os
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Annotated, Any, Self

from fastapi import Depends, FastAPI, HTTPException, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator, model_validator

from dedup import __version__
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

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
BEARER = HTTPBearer(auto_error=False, description="Required for writes when the service has a token.")
MAX_ID_CHARS = 1024  # ids are quoted in every match and error: an id is a name, not a payload


class CheckRequest(BaseModel):
    """The index's own rules apply here, so a request it would refuse (empty text, a lone surrogate from
    a ``"\\ud800"`` escape, metadata nested too deep to return) is a 422, not a failure later on."""

    model_config = ConfigDict(extra="forbid")  # a misspelt field ("metdata") must not be dropped silently

    text: StrictStr = Field(description="The article's raw text.")

    @field_validator("text")
    @classmethod
    def _checkable(cls, text: str) -> str:
        return validate_text(text)


class DocumentRequest(CheckRequest):
    id: StrictStr = Field(min_length=1, max_length=MAX_ID_CHARS, description="The id to store the article under.")
    metadata: dict[str, Any] | None = Field(default=None, description="Any JSON object, returned in matches.")

    @model_validator(mode="after")
    def _storable(self) -> Self:
        validate_document(self.id, self.text, self.metadata)
        return self


class QuoteModel(BaseModel):
    line: int
    end_line: int
    start: int
    end: int
    text: str


class WordingModel(BaseModel):
    kind: str
    a: str
    b: str


class FigureModel(BaseModel):
    change: str
    a: str | None
    b: str | None
    counts: str | None


class OpModel(BaseModel):
    op: str
    a: str
    b: str
    a_start: int
    a_end: int
    b_start: int
    b_end: int


class DiffModel(BaseModel):
    """``a`` is the stored text, ``b`` the incoming one."""

    wording: list[WordingModel]
    figures: list[FigureModel]
    ops: list[OpModel]


class ChangesModel(BaseModel):
    wording: list[WordingModel]
    figures: list[FigureModel]


class PassageModel(BaseModel):
    kind: str = Field(description="exact, near or partial")
    similarity: float
    containment: float
    incoming: QuoteModel
    stored: QuoteModel
    diff: DiffModel | None = None


class MatchModel(BaseModel):
    id: str
    metadata: dict[str, Any] | None
    relation: str = Field(description="duplicate, near-duplicate or partial-reuse")
    similarity: float
    incoming_in_stored: float
    stored_in_incoming: float
    changes: ChangesModel
    passages: list[PassageModel]


class VerdictModel(BaseModel):
    verdict: str = Field(description="new, partial-reuse, near-duplicate or duplicate")
    id: str | None = None
    added: bool | None = None
    matches: list[MatchModel]
    stats: dict[str, Any]


class DocumentModel(BaseModel):
    id: str
    text: str
    metadata: dict[str, Any] | None
    paragraphs: int


class RemovedModel(BaseModel):
    id: str
    removed: bool


class HealthModel(BaseModel):
    status: str
    version: str
    documents: int


def create_app(index_path: str | os.PathLike[str], *, token: str | None = None,
               max_bytes: int = 1_000_000, resident: bool = False,
               warn: Callable[[str], None] | None = None) -> FastAPI:
    """The service for the index at ``index_path`` (checked now: a bad index is refused before serving).

    ``resident`` locks the index file's pages in memory for the app's lifetime, shared by every worker
    connection. When it cannot, the app serves from disk and says why through ``warn``; without
    ``warn`` it raises :class:`~dedup.index.resident.ResidencyError`.
    """
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

    def writer(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]) -> None:
        if token is None:
            return
        given = credentials.credentials if credentials is not None else ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a valid bearer token is required for writes",
                                headers={"WWW-Authenticate": "Bearer"})

    app = FastAPI(title="dedup", version=__version__, lifespan=lifespan,
                  description="Pre-ingest filter: is an incoming article new, or a copy of stored ones?")
    app.add_middleware(BodyLimit, max_bytes=max_bytes)

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

    @app.post("/check", response_model=VerdictModel, response_model_exclude_unset=True)
    def check(request: CheckRequest) -> dict[str, Any]:
        """The verdict for an article; nothing is stored."""
        return connect().check(request.text).to_dict()

    @app.post("/documents", response_model=VerdictModel, response_model_exclude_unset=True,
              status_code=status.HTTP_201_CREATED, dependencies=[Depends(writer)],
              responses={200: {"description": "A duplicate: not stored."},
                         409: {"description": "The id is already stored."},
                         507: {"description": "No room left to store it: nothing was stored."}})
    def add(request: DocumentRequest, response: Response) -> dict[str, Any]:
        """Check an article and store it unless it is a duplicate, in one transaction."""
        with writing:
            try:
                verdict = connect().check_and_add(request.id, request.text, request.metadata)
            except DocumentExists:
                raise HTTPException(status.HTTP_409_CONFLICT,
                                    f"document {request.id!r} already exists") from None
        if not verdict.added:
            response.status_code = status.HTTP_200_OK
        return verdict.to_dict()

    @app.get("/documents/{doc_id}", response_model=DocumentModel,
             responses={404: {"description": "Unknown id."}})
    def get(doc_id: str) -> dict[str, Any]:
        """A stored article."""
        document = connect().get(doc_id)
        if document is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no document {doc_id!r}")
        return {"id": document.id, "text": document.text, "metadata": document.metadata,
                "paragraphs": document.paragraphs}

    @app.delete("/documents/{doc_id}", response_model=RemovedModel, dependencies=[Depends(writer)],
                responses={404: {"description": "Unknown id."}})
    def remove(doc_id: str) -> dict[str, Any]:
        """Remove a stored article."""
        with writing:
            try:
                connect().remove(doc_id)
            except DocumentNotFound:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"no document {doc_id!r}") from None
        return {"id": doc_id, "removed": True}

    @app.get("/stats")
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
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse({"detail": f"request body is larger than {self.max_bytes} bytes"},
                                status.HTTP_413_CONTENT_TOO_LARGE)
        await response(scope, receive, send)


def serve(app: FastAPI, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run an app of :func:`create_app` with uvicorn until interrupted (the app has checked its index)."""
    import uvicorn

    uvicorn.run(app, host=host, port=port)
