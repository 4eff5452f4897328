"""The page's routes: search, a call, downloads, and the assets that ship in the package.

Thin like the CLI: each route builds one validated request (:mod:`.forms`), calls the
library (``search_open``/``search_stream`` on the page's open reader, ``show_call``,
``status``, the CLI's CSV/JSONL writers) and renders a template. Library
errors become a page with their one-line message and a fitting status code, never a
traceback.
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from .. import export as machine
from ..dates import format_offset
from ..errors import CatalogError, GongSearchError, IndexStoreError, NotFoundError
from ..exits import log_error
from ..search import search_open, search_stream
from ..search_options import SearchOptions
from ..show import list_speakers, note_json, show_call
from ..status import status as read_status
from . import forms, present
from .access import Access, AccessMiddleware
from .reader import SearchThread

STATIC = Path(__file__).parent / "static"
CACHE_SECONDS = 30.0  # the status footer and the name suggestions
MAX_SUGGESTIONS = 2000


class Cached:
    """A value read once, then refreshed in the background at most every ``seconds``: the
    footer's status reads every call's version, too slow for the path of each page of a
    large index, so a page shows the last value while a thread reads the next."""

    def __init__(self, compute: Callable[[], Any], seconds: float = CACHE_SECONDS) -> None:
        self._compute, self._seconds = compute, seconds
        self._lock = threading.Lock()
        self._value: Any = None
        self._at: float | None = None
        self._refreshing = False

    def get(self) -> Any:
        with self._lock:
            if self._at is None:  # the first page waits for it once
                self._value, self._at = self._compute(), time.monotonic()
            elif time.monotonic() - self._at > self._seconds and not self._refreshing:
                self._refreshing = True
                threading.Thread(target=self._refresh, daemon=True).start()
            return self._value

    def _refresh(self) -> None:
        try:
            value = self._compute()
        finally:  # a failed read is tried again on a later page
            with self._lock:
                self._refreshing = False
        with self._lock:
            self._value, self._at = value, time.monotonic()


def create_app(index_dir: Path, access: Access | None = None) -> Starlette:
    """The page over ``index_dir``; ``access`` says who may read it (loopback by default)."""
    site = _Site(Path(index_dir))
    routes = [
        Route("/", site.search_page, name="search"),
        Route("/call/{call_id}", site.call_page, name="call"),
        Route("/download.{fmt:str}", site.download, name="download"),
        Route("/names.json", site.names_json, name="names"),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [Middleware(AccessMiddleware, access=access or Access())]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={404: site.not_found, 405: site.not_found, Exception: site.crashed},
    )
    app.state.site = site
    return app


class _Site:
    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        env = Environment(
            loader=PackageLoader("gong_search.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
        )
        env.filters.update(
            highlighted=present.highlighted,
            safe_href=present.safe_href,
            colour=present.speaker_colour,
            offset=format_offset,
        )
        self.templates = Jinja2Templates(env=env)
        self.reader = SearchThread(index_dir)
        self.status = Cached(self._status)
        self.names = Cached(self._names)

    def close(self) -> None:
        self.reader.close()

    # -- pages ----------------------------------------------------------------------------

    def search_page(self, request: Request) -> Response:
        context: dict[str, Any] = {"result": None, "error": None, "pairs": [], "query": ""}
        code = 200
        try:
            page = forms.read_request(request.query_params)
            context.update(pairs=page.pairs, query=page.query)
            if page.query:
                query, options = page.query, page.options
                context["result"] = self.reader.run(
                    lambda catalog, searcher: search_open(catalog, searcher, query, options)
                )
        except GongSearchError as exc:  # the form stays, with what was typed, and the message
            code = _status_code(exc)
            context.update(
                error=str(exc),
                pairs=context["pairs"] or _raw_pairs(request),
                query=context["query"] or request.query_params.get("q", ""),
            )
        return self._render(request, "search.html", context, code)

    def call_page(self, request: Request) -> Response:
        call_id = request.path_params["call_id"]
        hit = request.query_params.get("hit", "")
        try:
            view = show_call(self.index_dir, call_id)
        except GongSearchError as exc:
            return self._error(request, str(exc), _status_code(exc))
        pairs = [(k, v) for k, v in _raw_pairs(request) if k != "hit"]
        described = view.as_json()
        context = {
            "view": view,
            "facts": present.call_facts(described),
            "notes": [note_json(n) for n in view.notes if n.kind != "brief"],  # brief: a fact
            "hit": int(hit) if hit.isdigit() else None,
            "back_url": forms.url_for("/", pairs) if pairs else None,
        }
        return self._render(request, "call.html", context)

    def download(self, request: Request) -> Response:
        fmt = request.path_params["fmt"]
        if fmt not in ("csv", "jsonl"):
            return self._error(request, "no such page", 404)
        try:
            page = forms.read_request(request.query_params)
            query, options, write = page.query, _every_hit(page.options), _writer(fmt)
            if not query:
                raise GongSearchError("nothing to download: search for something first")
            spooled = self.reader.run(
                lambda catalog, searcher: write(*search_stream(catalog, searcher, query, options))
            )
        except GongSearchError as exc:
            return self._error(request, str(exc), _status_code(exc))
        name = _file_name(page.query, fmt)
        media = "text/csv" if fmt == "csv" else "application/x-ndjson"
        return StreamingResponse(
            _chunks(spooled),
            media_type=f"{media}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    def names_json(self, request: Request) -> Response:
        """Name suggestions, fetched by the page's script when a name box is first used
        (thousands of names would otherwise weigh on every page)."""
        return JSONResponse(self.names.get())

    async def not_found(self, request: Request, exc: Exception) -> Response:
        return self._error(request, "no such page", 404)

    async def crashed(self, request: Request, exc: Exception) -> Response:
        """A bug: the traceback goes to the error log, the browser gets one line."""
        try:
            where = f"details in {log_error(exc, ['serve'])}"
        except OSError:
            where = "could not log the details"
        text = f"unexpected {type(exc).__name__}, a bug in gong-search; {where}"
        return PlainTextResponse(text, 500)

    # -- shared ---------------------------------------------------------------------------

    def _error(self, request: Request, message: str, code: int) -> Response:
        return self._render(request, "error.html", {"error": message}, code)

    def _render(self, request: Request, name: str, context: dict, code: int = 200) -> Response:
        pairs = context.get("pairs", [])
        main, more = forms.form_fields(pairs)
        base = {
            "status": self.status.get(),
            "lists": sorted(set(forms.SUGGESTIONS.values())),
            "main_fields": main,
            "more_fields": more,
            "presets": forms.date_presets(pairs),
            "page_sizes": forms.PAGE_SIZES,
            "choice_labels": forms.CHOICE_LABELS,
            "limit": dict(pairs).get("limit", "20"),
            "page_url": lambda offset: forms.page_url(pairs, offset),
            "facet_url": lambda facet, value: forms.facet_url(pairs, facet, value),
            "facet_chosen": lambda facet, value: forms.facet_chosen(pairs, facet, value),
            "download_url": lambda fmt: forms.url_for(f"/download.{fmt}", pairs, offset=None),
            "call_url": lambda hit: (
                forms.url_for(f"/call/{hit.call_id}", pairs, hit=str(hit.ordinal))
                + f"#s{hit.ordinal}"
            ),
        }
        return self.templates.TemplateResponse(request, name, {**base, **context}, code)

    def _status(self) -> Any:
        try:
            return read_status(self.index_dir)
        except GongSearchError as exc:
            return str(exc)

    def _names(self) -> dict[str, list[str]]:
        """Suggestions for the name boxes: speakers, internal hosts, customer domains."""
        try:
            speakers = list_speakers(self.index_dir)
        except GongSearchError:
            return {}
        domains = {s.email.partition("@")[2] for s in speakers if s.affiliation != "Internal"}
        return {
            "speaker-names": [s.name for s in speakers][:MAX_SUGGESTIONS],
            "host-names": [s.name for s in speakers if s.affiliation == "Internal"],
            "account-names": sorted(d for d in domains if d)[:MAX_SUGGESTIONS],
        }


def _raw_pairs(request: Request) -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.query_params.multi_items() if v.strip() and k != "token"]


def _status_code(exc: GongSearchError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, CatalogError | IndexStoreError):
        return 503
    return 400


def _every_hit(options: SearchOptions) -> SearchOptions:
    """The page's search as an export: every hit from the first, without page extras."""
    return replace(options, limit=0, offset=0, before=0, after=0, highlight=False)


def _writer(fmt: str) -> Callable[..., Any]:
    """Writes the export to a spooled file (memory, then disk past 8 MB) with the CLI's
    writers: the same formula-safe CSV (with a byte order mark, for Excel) and JSONL."""

    def write(result: Any, hits: Iterator[Any]) -> Any:
        spooled = tempfile.SpooledTemporaryFile(
            max_size=8 << 20, mode="w+", encoding="utf-8", newline=""
        )
        if fmt == "csv":
            spooled.write("\ufeff")
            machine.write_csv(hits, spooled)
        else:
            machine.write_jsonl((machine.hit_json(h) for h in hits), spooled)
        spooled.seek(0)
        return spooled

    return write


def _chunks(spooled: Any) -> Iterator[bytes]:
    with spooled:
        while chunk := spooled.read(64 << 10):
            yield chunk.encode("utf-8")


def _file_name(query: str, fmt: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", query.lower()).strip("-")[:40] or "hits"
    return f"gong-search-{slug}.{fmt}"
