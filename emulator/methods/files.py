"""Sending files (documents, photos) and serving them back through getFile."""

from __future__ import annotations

import mimetypes
import struct
from typing import Any

from ..errors import bad_request
from ..html_check import check_caption
from ..params import UploadedFile
from ..state import StoredFile, StoredMessage, now
from .common import (
    caption_content,
    explicit_entities,
    reply_markup_param,
    resolve_reply,
    send_options,
    target_chat,
)
from .registry import MethodContext, api_method

__all__ = ["image_size", "looks_like_image"]

_DEFAULT_PHOTO_SIZE = (800, 600)


def looks_like_image(data: bytes) -> bool:
    """Magic-byte check; Telegram rejects non-images sent as photos."""
    return (
        data.startswith(b"\x89PNG\r\n\x1a\n")
        or data.startswith(b"\xff\xd8\xff")
        or data[:6] in (b"GIF87a", b"GIF89a")
        or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
        or data.startswith(b"BM")
    )


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width/height of PNG, GIF or JPEG data, None if unknown."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        w, h = struct.unpack(">II", data[16:24])
        return int(w), int(h)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        w, h = struct.unpack("<HH", data[6:10])
        return int(w), int(h)
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(w), int(h)
            (length,) = struct.unpack(">H", data[i + 2 : i + 4])
            i += 2 + length
    return None


def _incoming_file(ctx: MethodContext, field: str, kind: str) -> StoredFile:
    """Resolve a file parameter: multipart upload, attach://name, file_id or URL."""
    state, p = ctx.state, ctx.params
    upload: UploadedFile | None = p.files.get(field)
    ref = p.get_str(field)
    if upload is None and ref and ref.startswith("attach://"):
        upload = p.files.get(ref.removeprefix("attach://"))
    if upload is not None:
        if not upload.content:
            raise bad_request("file must be non-empty")
        if kind == "photo" and not looks_like_image(upload.content):
            raise bad_request("IMAGE_PROCESS_FAILED")
        mime = upload.mime_type
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(upload.filename or "")[0] or mime
        return state.store_file(kind, upload.content, filename=upload.filename, mime_type=mime)
    if not ref:
        raise bad_request(f"there is no {field} in the request")
    if ref in state.files:
        return state.files[ref]
    if ref.startswith(("http://", "https://")):
        # The emulator does not fetch URLs; keep the URL as the file's name so
        # tests can still see what was sent.
        name = ref.rstrip("/").rsplit("/", 1)[-1] or "file"
        return state.store_file(kind, b"", filename=name, mime_type=mimetypes.guess_type(name)[0])
    raise bad_request("wrong file identifier/HTTP URL specified")


def _send_media(ctx: MethodContext, field: str, kind: str) -> dict[str, Any]:
    state, p = ctx.state, ctx.params
    chat = target_chat(ctx)
    caption_source = p.get_str("caption")
    parse_mode = p.get_str("parse_mode")
    parsed = check_caption(
        caption_source, parse_mode, strict_ampersand=ctx.config.strict_html_ampersand
    )
    parsed = explicit_entities(p, "caption_entities", parsed)
    markup = reply_markup_param(p)
    reply_to = resolve_reply(state, chat, p)
    stored = _incoming_file(ctx, field, kind)
    content: dict[str, Any]
    if kind == "photo":
        width, height = image_size(stored.content) or _DEFAULT_PHOTO_SIZE
        content = {
            "photo": [
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": width,
                    "height": height,
                    "file_size": stored.size,
                }
            ]
        }
    else:
        document: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
        }
        if stored.filename:
            document["file_name"] = stored.filename
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        content = {"document": document}
    content.update(caption_content(parsed))
    msg = StoredMessage(
        chat=chat,
        message_id=state.next_message_id(chat),
        sender=state.bot,
        date=now(),
        content=content,
        source=caption_source,
        parse_mode=parse_mode,
        reply_markup=markup,
        reply_to=reply_to,
        send_params=send_options(p),
        document=stored if kind == "document" else None,
        photo=stored if kind == "photo" else None,
    )
    state.add_message(msg)
    return msg.to_api()


@api_method("sendDocument")
def send_document(ctx: MethodContext) -> dict[str, Any]:
    return _send_media(ctx, "document", "document")


@api_method("sendPhoto")
def send_photo(ctx: MethodContext) -> dict[str, Any]:
    return _send_media(ctx, "photo", "photo")


@api_method("getFile")
def get_file(ctx: MethodContext) -> dict[str, Any]:
    file_id = ctx.params.get_str("file_id", required=True)
    stored = ctx.state.files.get(file_id or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": stored.file_path,
    }
