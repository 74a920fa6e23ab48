"""Answers to callback queries and inline queries."""

from __future__ import annotations

import re
from typing import Any

from ..errors import QUERY_TOO_OLD, BotAPIError, bad_request
from ..html_check import check_message_text
from ..markup import validate_inline_keyboard
from ..views import CallbackAnswer, InlineAnswer
from .registry import MethodContext, api_method

_RESULT_TYPES = frozenset(
    {
        "article",
        "photo",
        "gif",
        "mpeg4_gif",
        "video",
        "audio",
        "voice",
        "document",
        "location",
        "venue",
        "contact",
        "game",
        "sticker",
    }
)
_START_PARAM_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@api_method("answerCallbackQuery")
def answer_callback_query(ctx: MethodContext) -> bool:
    state, p = ctx.state, ctx.params
    query_id = p.get_str("callback_query_id", required=True) or ""
    record = state.callback_queries.get(query_id)
    if record is None or record.answer is not None:
        raise BotAPIError(400, QUERY_TOO_OLD)
    text = p.get_str("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    record.answer = CallbackAnswer(
        query_id=query_id,
        text=text,
        show_alert=p.get_bool("show_alert"),
        url=p.get_str("url"),
        cache_time=p.get_int("cache_time") or 0,
    )
    state.changed.fire()
    return True


def _check_result(ctx: MethodContext, result: Any, seen: set[str]) -> None:
    if not isinstance(result, dict) or result.get("type") not in _RESULT_TYPES:
        raise bad_request("RESULT_TYPE_INVALID")
    result_id = str(result.get("id", ""))
    if not 1 <= len(result_id.encode("utf-8")) <= 64:
        raise bad_request("RESULT_ID_INVALID")
    if result_id in seen:
        raise bad_request("RESULT_ID_DUPLICATE")
    seen.add(result_id)
    if result.get("reply_markup") is not None:
        markup = result["reply_markup"]
        if not isinstance(markup, dict):
            raise bad_request("can't parse inline keyboard")
        validate_inline_keyboard(markup)
    content = result.get("input_message_content")
    if result["type"] == "article" and not isinstance(content, dict):
        raise bad_request("MESSAGE_EMPTY")
    if isinstance(content, dict) and "message_text" in content:
        check_message_text(
            content.get("message_text"),
            content.get("parse_mode"),
            strict_ampersand=ctx.config.strict_html_ampersand,
        )


@api_method("answerInlineQuery")
def answer_inline_query(ctx: MethodContext) -> bool:
    state, p = ctx.state, ctx.params
    query_id = p.get_str("inline_query_id", required=True) or ""
    record = state.inline_queries.get(query_id)
    if record is None or record.answer is not None:
        raise BotAPIError(400, QUERY_TOO_OLD)
    results = p.get_json("results", required=True)
    if not isinstance(results, list):
        raise bad_request("can't parse results JSON array")
    if len(results) > 50:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        _check_result(ctx, result, seen)
    button = p.get_json("button")
    if button is not None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request("can't parse InlineQueryResultsButton")
        start = button.get("start_parameter")
        if start is not None and not _START_PARAM_RE.match(str(start)):
            raise bad_request("START_PARAM_INVALID")
    record.answer = InlineAnswer(
        query_id=query_id,
        results=results,
        button=button,
        cache_time=p.get_int("cache_time"),
        is_personal=p.get_bool("is_personal"),
        next_offset=p.get_str("next_offset"),
    )
    state.changed.fire()
    return True
