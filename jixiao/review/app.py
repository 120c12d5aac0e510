"""`jixiao review`: the auditor's desk. A local web app (FastAPI, server-rendered Jinja2 pages, a
little plain JavaScript) over one corpus: list forms, check each value against the page, correct
it with a reason, see the rules re-run, undo."""

from __future__ import annotations

import hmac
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from jixiao.corpus.corrections import Change, Conflict, correct, undo
from jixiao.corpus.fields import FieldError
from jixiao.corpus.store import Corpus
from jixiao.review.images import page_png
from jixiao.review.views import PAGE_SIZE, Filters, facets, form_view, forms_page
from jixiao.score.rules import RuleSet, load_rules

HERE = Path(__file__).parent
TOKEN_HEADER = "x-jixiao-token"
TOKEN_COOKIE = "jixiao_token"


class CorrectionIn(BaseModel):
    field: str = Field(min_length=1, max_length=200)
    value: str = Field(max_length=2000)
    seen: str | None = Field(default=None, max_length=2000)
    who: str = Field(default="", max_length=100)
    why: str = Field(default="", max_length=1000)


class UndoIn(BaseModel):
    who: str = Field(default="", max_length=100)


def _change_json(change: Change) -> dict[str, Any]:
    rec, res = change.result.record, change.result
    return {
        "removed": [f.model_dump(mode="json") for f in change.removed],
        "added": [f.model_dump(mode="json") for f in change.added],
        "total": rec.total.score, "recomputed_total": res.recomputed_total,
        "errors": res.count("error"), "warnings": res.count("warning"),
    }


def _num(x: object) -> object:
    """Scores and totals as forms print them: at most two decimals."""
    if x is None:
        return "—"
    return f"{x:.2f}".rstrip("0").rstrip(".") if isinstance(x, float) else x


def create_app(db: Path, rules: RuleSet | None = None, token: str | None = None) -> FastAPI:
    corpus = Corpus(db)
    rule_set = rules or load_rules()
    lock = threading.Lock()  # one DuckDB connection; requests take turns
    app = FastAPI(title="jixiao review", docs_url=None, redoc_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["num"] = _num

    if token:
        @app.middleware("http")
        async def check_token(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            given = request.headers.get(TOKEN_HEADER) or request.query_params.get("token") or request.cookies.get(TOKEN_COOKIE)
            if not given or not hmac.compare_digest(given, token):
                return JSONResponse({"error": "a valid token is required"}, status_code=401)
            response = await call_next(request)
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
            return response

    @app.get("/", response_class=HTMLResponse)
    def forms_list(request: Request, unit: str = "", year: int | None = None, code: str = "", severity: str = "",
                   sort: str = "unit", desc: bool = False, page: int = 1) -> Response:
        f = Filters(unit=unit, year=year, code=code, severity=severity, sort=sort, desc=desc, page=page)
        with lock:
            total, rows = forms_page(corpus, f)
            fc = facets(corpus)
        return templates.TemplateResponse(request, "forms.html", {
            "rows": rows, "total": total, "f": f, "facets": fc, "page_size": PAGE_SIZE})

    @app.get("/forms/{form_id}", response_class=HTMLResponse)
    def form_page(request: Request, form_id: str) -> Response:
        with lock:
            if not corpus.query("SELECT 1 FROM forms WHERE form_id = ?", [form_id])[1]:
                raise HTTPException(404, f"no such form: {form_id}")
            view = form_view(corpus, form_id, rule_set)
        return templates.TemplateResponse(request, "form.html", {"v": view, "rules": rule_set})

    @app.get("/forms/{form_id}/page/{number}.png")
    def page_image(form_id: str, number: int) -> Response:
        with lock:
            rows = corpus.query("SELECT path FROM forms WHERE form_id = ?", [form_id])[1]
        if not rows:
            raise HTTPException(404, "no such form")
        png = page_png(rows[0][0], number)
        if png is None:
            raise HTTPException(404, f"the source file of this form cannot be rendered now: {rows[0][0]}")
        return Response(png, media_type="image/png", headers={"Cache-Control": "max-age=3600"})

    @app.post("/api/forms/{form_id}/corrections")
    def save_correction(form_id: str, body: CorrectionIn) -> JSONResponse:
        with lock:
            try:
                change = correct(corpus, form_id, body.field, body.value, body.who, body.why, body.seen, rule_set)
            except Conflict as exc:
                return JSONResponse({"error": str(exc), "current": exc.now}, status_code=409)
            except FieldError as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(_change_json(change))

    @app.post("/api/corrections/{correction_id}/undo")
    def undo_correction(correction_id: int, body: UndoIn) -> JSONResponse:
        with lock:
            try:
                change = undo(corpus, correction_id, body.who, rule_set)
            except FieldError as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(_change_json(change))

    app.state.corpus = corpus
    return app
