"""`jixiao review`: the auditor's desk. A local web app (FastAPI, server-rendered Jinja2 pages, a
little plain JavaScript) over one corpus: list forms, check each value against the page, correct
or confirm it with a reason, rule on each finding, see the rules re-run, undo, export.

The corpus is opened per request (access.CorpusGate), so other jixiao commands can use it while
the server runs. Pages answer in Chinese HTML, the API (/api/…) in JSON {"error": "…"}."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from jixiao.corpus.corrections import KIND_NAMES, Change, Conflict, confirm, correct, undo
from jixiao.corpus.export import review_workbook
from jixiao.corpus.fields import FieldError, label_of
from jixiao.corpus.reviews import STATUS_NAMES, set_status
from jixiao.corpus.store import Corpus, CorpusError, CorpusLocked
from jixiao.review import views
from jixiao.review.access import CorpusGate
from jixiao.review.auth import TOKEN_COOKIE, TokenCheck, without_token
from jixiao.review.images import MEDIA, bucket, page_bytes
from jixiao.review.views import (
    REVIEW_FILTERS,
    Filters,
    facets,
    form_exists,
    form_view,
    forms_page,
    next_unreviewed,
    page_of,
)
from jixiao.score.rules import RuleSet, load_rules

HERE = Path(__file__).parent
log = logging.getLogger("jixiao.review")
SEVERITY_NAMES = {"error": "错误", "warning": "警告", "info": "提示"}
# the longest body field accepted at all; the trail's own limits (corrections.WHY_MAX…) say more
_BODY_MAX = 5000


class CorrectionIn(BaseModel):
    field: str = Field(min_length=1, max_length=200)
    value: str = Field(default="", max_length=_BODY_MAX)
    seen: str | None = Field(default=None, max_length=_BODY_MAX)
    who: str = Field(default="", max_length=_BODY_MAX)
    why: str = Field(default="", max_length=_BODY_MAX)
    blank: bool = False


class ConfirmIn(BaseModel):
    field: str = Field(min_length=1, max_length=200)
    seen: str | None = Field(default=None, max_length=_BODY_MAX)
    who: str = Field(default="", max_length=_BODY_MAX)
    why: str = Field(default="", max_length=_BODY_MAX)


class UndoIn(BaseModel):
    who: str = Field(default="", max_length=_BODY_MAX)
    why: str = Field(default="", max_length=_BODY_MAX)


class ReviewIn(BaseModel):
    key: str = Field(min_length=1, max_length=400)
    status: str = Field(max_length=20)
    who: str = Field(default="", max_length=_BODY_MAX)
    why: str = Field(default="", max_length=_BODY_MAX)


def _num(x: object) -> object:
    """Scores and totals as forms print them: at most two decimals."""
    if x is None:
        return "—"
    return f"{x:.2f}".rstrip("0").rstrip(".") if isinstance(x, float) else x


def _locked_message(exc: CorpusLocked, doing: str) -> str:
    holder = f"进程 {exc.pid}" + (f"（{exc.program}）" if exc.program else "") if exc.pid else "另一个进程"
    return f"语料库正被{holder}占用，暂时无法{doing}；该进程结束后再试（DuckDB 同一时间只允许一个进程写入）。"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _change_json(change: Change) -> dict[str, Any]:
    rec, res = change.result.record, change.result
    return {
        "removed": [f.model_dump(mode="json") for f in change.removed],
        "added": [f.model_dump(mode="json") for f in change.added],
        "total": rec.total.score, "recomputed_total": res.recomputed_total,
        "errors": res.count("error"), "warnings": res.count("warning"),
    }


def create_app(db: Path, rules: RuleSet | None = None, token: str | None = None) -> FastAPI:
    if not db.exists():
        raise CorpusError(f"{db}: no such corpus (run `jixiao corpus ingest` first)")
    Corpus(db, wait=3.0).close()  # brought to this schema before serving
    gate = CorpusGate(db)
    rule_set = rules or load_rules()
    app = FastAPI(title="jixiao review", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["num"] = _num
    templates.env.globals.update(SEVERITY_NAMES=SEVERITY_NAMES, STATUS_NAMES=STATUS_NAMES,
                                 KIND_NAMES=KIND_NAMES, REVIEW_FILTERS=REVIEW_FILTERS)

    def error(request: Request, status: int, message: str) -> Response:
        if _is_api(request):
            return JSONResponse({"error": message}, status_code=status)
        return templates.TemplateResponse(request, "error.html", {"status": status, "message": message},
                                          status_code=status)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        words = {404: "没有这个页面", 405: "不支持这种请求"}
        return error(request, exc.status_code, str(exc.detail) if exc.status_code != 404 or exc.detail != "Not Found"
                     else words[404])

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        return error(request, 400, "请求内容不完整或过长，未保存；请刷新页面后再试")

    @app.exception_handler(CorpusLocked)
    async def locked(request: Request, exc: CorpusLocked) -> Response:
        return error(request, 503, _locked_message(exc, "保存" if request.method == "POST" else "读取"))

    @app.exception_handler(CorpusError)
    async def corpus_error(request: Request, exc: CorpusError) -> Response:
        return error(request, 500, f"语料库无法读写：{exc}")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("review: %s %s", request.method, request.url.path)  # the traceback for whoever runs it
        return error(request, 500, "审核服务内部出错，未保存任何内容；请刷新页面后再试（详情见运行 jixiao review 的终端）")

    if token:
        check = TokenCheck(token)

        @app.middleware("http")
        async def check_token(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            if not check.allows(request) and not request.url.path.startswith("/static/"):
                return error(request, 401, "需要访问令牌：请使用启动 jixiao review 时显示的完整地址（含 ?token=…）打开")
            if check.given_in_query(request) and request.method == "GET":
                response: Response = RedirectResponse(without_token(request), status_code=303)
            else:
                response = await call_next(request)
            response.set_cookie(TOKEN_COOKIE, check.session, httponly=True, samesite="strict")
            return response

    @app.get("/", response_class=HTMLResponse)
    def forms_list(request: Request) -> Response:
        f = Filters.of(request.query_params)
        with gate.read() as corpus:
            total, rows = forms_page(corpus, f)
            fc = facets(corpus)
        return templates.TemplateResponse(request, "forms.html", {
            "rows": rows, "total": total, "f": f, "facets": fc, "page_size": views.PAGE_SIZE,
            "done": request.query_params.get("done") == "1"})

    @app.get("/next")
    def next_form(after: str = "") -> Response:
        with gate.read() as corpus:
            form_id = next_unreviewed(corpus, after or None)
        if form_id is None:
            return RedirectResponse("/?done=1", status_code=303)
        return RedirectResponse(f"/forms/{quote(form_id)}", status_code=303)

    @app.get("/forms/{form_id}", response_class=HTMLResponse)
    def form_page(request: Request, form_id: str) -> Response:
        with gate.read() as corpus:
            if not form_exists(corpus, form_id):
                return error(request, 404, "语料库中没有这张表（可能已被重新读取或删除），请回到表格列表")
            view = form_view(corpus, form_id, rule_set)
        return templates.TemplateResponse(request, "form.html", {"v": view, "rules": rule_set})

    @lru_cache(maxsize=1024)
    def source_of(form_id: str, number: int) -> tuple[str, float] | None:
        """Where a page comes from: a form's file does not change under its id (its sha256), so
        an image already rendered is served without opening the corpus (~25 ms a time)."""
        with gate.read() as corpus:
            return page_of(corpus, form_id, number)

    @app.get("/forms/{form_id}/page/{number}")
    def page_image(request: Request, form_id: str, number: int, w: int = 1600) -> Response:
        found = source_of(form_id, number)
        if found is None:
            return error(request, 404, f"这张表没有第 {number} 页")
        fmt = "webp" if "image/webp" in request.headers.get("accept", "") else "jpeg"
        data = page_bytes(found[0], number, bucket(w), fmt)
        if data is None:
            return error(request, 404, f"此表的原始文件现在无法打开，页面图像无法显示：{found[0]}")
        return Response(data, media_type=MEDIA[fmt], headers={"Cache-Control": "max-age=3600", "Vary": "Accept"})

    @app.get("/export.xlsx")
    def export() -> Response:
        with gate.read() as corpus:
            data = review_workbook(corpus)
        name = f"jixiao-审核结果-{dt.date.today():%Y%m%d}.xlsx"
        return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename=\"jixiao-review.xlsx\"; "
                                                        f"filename*=UTF-8''{quote(name)}"})

    def saved(work: Callable[[Corpus], Change | dict[str, Any]]) -> JSONResponse:
        try:
            with gate.write() as corpus:
                out = work(corpus)
        except Conflict as exc:
            return JSONResponse({"error": str(exc), "current": exc.now}, status_code=409)
        except FieldError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(_change_json(out) if isinstance(out, Change) else out)

    @app.post("/api/forms/{form_id}/corrections")
    def save_correction(form_id: str, body: CorrectionIn) -> JSONResponse:
        return saved(lambda c: correct(c, form_id, body.field, body.value, body.who, body.why, body.seen,
                                       rule_set, blank=body.blank))

    @app.post("/api/forms/{form_id}/confirm")
    def confirm_reading(form_id: str, body: ConfirmIn) -> JSONResponse:
        return saved(lambda c: confirm(c, form_id, body.field, body.who, body.why, body.seen, rule_set))

    @app.post("/api/corrections/{correction_id}/undo")
    def undo_correction(correction_id: int, body: UndoIn) -> JSONResponse:
        return saved(lambda c: undo(c, correction_id, body.who, body.why, rule_set))

    @app.post("/api/forms/{form_id}/reviews")
    def review_finding(form_id: str, body: ReviewIn) -> JSONResponse:
        def work(corpus: Corpus) -> dict[str, Any]:
            review = set_status(corpus, form_id, body.key, body.status, body.who, body.why)
            return {"status": review.status, "name": STATUS_NAMES[review.status], "who": review.who,
                    "key": review.finding_key}
        return saved(work)

    templates.env.globals.update(label_of=label_of, source_name=views.source_name)
    app.state.gate = gate
    return app
