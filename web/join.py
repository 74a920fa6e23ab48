"""The join page, PUBLIC_URL/j/<token> (a conference's share token, or an e-mail
invitee's own token): what the conference is, and the way in under the seed's rules.

- GET /j/<token>: the topic, start and end, the conference ID, online or offline, "Add to
  calendar" and the client downloads. Online and allowed: a form "Your name" + "Remember
  me" (and the password). A remembered name goes straight in (303). Not yet online:
  "you can join from 15:00"; owner absent and the rule off: "waiting for the owner"; both
  move on by themselves (a script polls /status; without JavaScript a refresh).
- POST /j/<token>: the form (CSRF-checked) -> 303 to the platform under that name.
- GET /j/<token>.ics: METHOD:PUBLISH, the event's link is this page.
- GET /j/<token>/status: {"state": "not_started" | "wait" | "open"} for the polling.
- GET /j/<token>/forget: "Not you?" forgets the remembered name (a cookie, nothing else).
Archived, deleted, revoked or unknown: one 404 page, the same for all.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.i18n import Translator
from bot.join_page import JoinView
from bot.links import JOIN_PATH, join_page_url
from web.pages import PAGES_KEY, Pages, see_other, valid_name

TOKEN = r"{token:[^{}/.]+}"  # any: the service refuses what no token looks like


def _page_path(token: str) -> str:
    return f"{JOIN_PATH}{token}"


async def _view(request: web.Request) -> tuple[Pages, JoinView | None]:
    pages = request.app[PAGES_KEY]
    return pages, await pages.service.by_token(request.match_info["token"])


def _render(
    pages: Pages,
    request: web.Request,
    view: JoinView,
    *,
    status: int = 200,
    error: str | None = None,
    typed_name: str | None = None,
    remembered: str | None = None,
) -> web.Response:
    language = pages.language(request)
    token = request.match_info["token"]
    path = _page_path(token)

    def values() -> dict[str, Any]:
        return {
            "error": error,
            "typed_name": typed_name,
            "remembered": remembered,
            "forget_url": f"{path}/forget",
            "form_action": path,
            "calendar_url": f"{path}.ics",
            "poll_url": None if view.may_join else f"{path}/status",
            "title": Translator(language).plain("web.title", topic=view.conference.topic),
            **pages.conference_context(view, language),
        }

    return pages.render(
        request,
        "join.html",
        language=language,
        status=status,
        form=view.may_join,
        # Everything the page shows follows from these.
        key=(token, pages.conference_key(view), error, typed_name, remembered),
        values=values,
    )


async def join_page(request: web.Request) -> web.StreamResponse:
    pages, view = await _view(request)
    if view is None:
        return pages.not_found(request)
    remembered = pages.remembered(request)
    if remembered and view.may_join:
        return await pages.go_in(request, view, remembered)
    return _render(pages, request, view, remembered=remembered)


async def join_form(request: web.Request) -> web.StreamResponse:
    pages, view = await _view(request)
    if view is None:
        return pages.not_found(request)
    form = await request.post()
    path = _page_path(request.match_info["token"])
    t = Translator(pages.language(request))
    if not pages.csrf_ok(request, form):
        return pages.message(request, "web.expired_title", "web.expired", status=403, back_url=path)
    typed = str(form.get("name", ""))[:256]
    name = valid_name(typed)
    remember = form.get("remember") == "1"
    if name is None:
        if not view.may_join:
            return see_other(path)
        return _render(
            pages, request, view, status=400, error=t.plain("web.bad_name"), typed_name=typed
        )
    if not view.may_join:
        # It closed (or never opened) between the page and the press: back to the page,
        # which waits; a name to remember is kept so the page goes in by itself.
        response = see_other(path)
        if remember:
            pages.keep_name(response, name)
        return response
    response = await pages.go_in(request, view, name)
    if response.status == 303:
        pages.keep_name(response, name if remember else None)
    return response


async def join_calendar(request: web.Request) -> web.StreamResponse:
    pages, view = await _view(request)
    if view is None:
        return pages.not_found(request)
    page_url = join_page_url(pages.settings.public_url, request.match_info["token"])
    body = await pages.service.calendar(view, page_url or "", pages.language(request))
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="conference.ics"',
            "Cache-Control": "no-store",
        },
    )


async def join_status(request: web.Request) -> web.StreamResponse:
    pages, view = await _view(request)
    if view is None:
        return web.json_response({"state": "not_found"}, status=404)
    response = web.json_response({"state": view.admission.value})
    response.headers["Cache-Control"] = "no-store"
    return response


async def join_forget(request: web.Request) -> web.StreamResponse:
    pages = request.app[PAGES_KEY]
    return pages.forget_name(_page_path(request.match_info["token"]))


def routes() -> list[web.RouteDef]:
    # The page first (it is asked for most; routes are tried in order): a token never
    # contains "." or "/", so it never takes the .ics, /status or /forget paths.
    return [
        web.get(f"{JOIN_PATH}{TOKEN}", join_page, name="join_page"),
        web.post(f"{JOIN_PATH}{TOKEN}", join_form, name="join_form"),
        web.get(f"{JOIN_PATH}{TOKEN}/status", join_status, name="join_status"),
        web.get(f"{JOIN_PATH}{TOKEN}.ics", join_calendar, name="join_calendar"),
        web.get(f"{JOIN_PATH}{TOKEN}/forget", join_forget, name="join_forget"),
    ]
