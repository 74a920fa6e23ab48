"""The website, PUBLIC_URL/: join by conference ID and password, as the seed's
invitations ("website, conference ID and password") promise, under the join page's rules.

- GET /: the form (conference ID, password, your name, "Remember me"). After a right pair
  for a conference that cannot be joined yet, the page waits instead ("you can join from
  15:00", "waiting for the owner") and goes in by itself, under the name typed, when it
  may (a signed session cookie holds the conference and the name; a new password or ID
  voids it).
- POST /: the form (CSRF-checked). Wrong pairs get one neutral answer; after 10 wrong
  tries in 15 minutes an ID is locked for that client IP for 15 minutes (bot/guesses.py).
- GET /status: the waiting page's polling; /leave: another conference; /forget: "Not
  you?" forgets the remembered name.
"""

from __future__ import annotations

import math

from aiohttp import web

from bot.i18n import Translator
from web.pages import PAGES_KEY, Pages, see_other, valid_name

PASS_COOKIE = "website_pass"
_MAX_FIELD = 256


def _form_page(
    pages: Pages,
    request: web.Request,
    *,
    status: int = 200,
    error: str | None = None,
    typed_code: str | None = None,
    typed_name: str | None = None,
) -> web.Response:
    language = pages.language(request)
    return pages.render(
        request,
        "website.html",
        language=language,
        title=Translator(language).plain("web.site_title"),
        status=status,
        form=True,
        error=error,
        typed_code=typed_code,
        typed_name=typed_name,
        remembered=pages.remembered(request),
        poll_url=None,
    )


async def website(request: web.Request) -> web.StreamResponse:
    pages = request.app[PAGES_KEY]
    cookie = pages.cookies.get(request, PASS_COOKIE)
    if cookie is None:
        return _form_page(pages, request)
    admitted = await pages.service.from_website_pass(cookie)
    if admitted is None:
        form_page = _form_page(pages, request)
        pages.cookies.delete(form_page, PASS_COOKIE)
        return form_page
    view, name = admitted
    if view.may_join:
        response = await pages.go_in(request, view, name)
        if response.status == 303:
            pages.cookies.delete(response, PASS_COOKIE)
        return response
    language = pages.language(request)
    return pages.render(
        request,
        "website_wait.html",
        language=language,
        title=Translator(language).plain("web.title", topic=view.conference.topic),
        pass_name=name,
        remembered=None,
        poll_url="/status",
        **pages.conference_context(view, language),
    )


async def website_form(request: web.Request) -> web.StreamResponse:
    pages = request.app[PAGES_KEY]
    form = await request.post()
    t = Translator(pages.language(request))
    if not pages.csrf_ok(request, form):
        return pages.message(request, "web.expired_title", "web.expired", status=403, back_url="/")
    code = str(form.get("conference_id", "")).strip()[:_MAX_FIELD]
    password = str(form.get("password", "")).strip()[:_MAX_FIELD]
    typed_name = str(form.get("name", ""))[:_MAX_FIELD]
    remember = form.get("remember") == "1"
    name = valid_name(typed_name) if typed_name.strip() else pages.remembered(request)
    if name is None:
        return _form_page(
            pages,
            request,
            status=400,
            error=t.plain("web.bad_name"),
            typed_code=code,
            typed_name=typed_name,
        )
    if not code or not password:
        return _form_page(
            pages, request, status=400, error=t.plain("web.no_match"), typed_code=code
        )
    answer = await pages.service.by_id_and_password(pages.client_ip(request), code, password)
    if answer.locked_seconds:
        minutes = str(math.ceil(answer.locked_seconds / 60))
        return _form_page(pages, request, status=429, error=t.plain("web.locked", minutes=minutes))
    if answer.view is None:
        return _form_page(
            pages, request, status=403, error=t.plain("web.no_match"), typed_code=code
        )
    view = answer.view
    if view.may_join:
        response = await pages.go_in(request, view, name)
        if response.status != 303:
            return response
        pages.cookies.delete(response, PASS_COOKIE)
    else:
        # Not yet: the page waits for this conference, and goes in under this name.
        response = see_other("/")
        pages.cookies.set(
            response, PASS_COOKIE, pages.service.website_pass(view, name), max_age=None
        )
    if remember:
        pages.keep_name(response, name)
    elif typed_name.strip():
        pages.keep_name(response, None)
    return response


async def website_status(request: web.Request) -> web.StreamResponse:
    pages = request.app[PAGES_KEY]
    admitted = await pages.service.from_website_pass(pages.cookies.get(request, PASS_COOKIE))
    if admitted is None:
        return web.json_response({"state": "not_found"}, status=404)
    response = web.json_response({"state": admitted[0].admission.value})
    response.headers["Cache-Control"] = "no-store"
    return response


async def website_leave(request: web.Request) -> web.StreamResponse:
    pages = request.app[PAGES_KEY]
    response = see_other("/")
    pages.cookies.delete(response, PASS_COOKIE)
    return response


async def website_forget(request: web.Request) -> web.StreamResponse:
    return request.app[PAGES_KEY].forget_name("/")


def routes() -> list[web.RouteDef]:
    return [
        web.get("/", website, name="website"),
        web.post("/", website_form, name="website_form"),
        web.get("/status", website_status, name="website_status"),
        web.get("/leave", website_leave, name="website_leave"),
        web.get("/forget", website_forget, name="website_forget"),
    ]
