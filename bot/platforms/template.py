"""Any other platform: VIDEO_BASE_URL is a URL template with {id}, {password}, {name}."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from bot.platforms.base import (
    LinkFacts,
    display_name_or_none,
    merge_download_links,
    server_root,
)
from bot.settings import DOWNLOAD_CLIENTS
from storage.conferences import ConferenceRecord


class TemplatePlatform(LinkFacts):
    """{id} is the conference ID, {password} its password, {name} the display name ("" for
    the generic link); each value is percent-encoded whole. Only these three placeholders
    are replaced, so other braces in the template are left alone. The texts around a link
    say which of them the template carries (`describe_link`)."""

    name = "template"

    def __init__(self, template: str, *, download_urls: Mapping[str, str] | None = None) -> None:
        self.template = template
        self._download_overrides = dict(download_urls or {})

    def website_url(self) -> str:
        """The template's server (the Download screen's links)."""
        return server_root(self.template)

    def link_carries_name(self) -> bool:
        return "{name}" in self.template

    def describe_link(self) -> str | None:
        """`template_id`, `template_id_password`, `template_id_name` or
        `template_id_password_name`: what the template's links carry ({id} always: the
        settings refuse a template without it)."""
        parts = ["id"]
        if "{password}" in self.template:
            parts.append("password")
        if self.link_carries_name():
            parts.append("name")
        return "template_" + "_".join(parts)

    def join_url(
        self,
        conference: ConferenceRecord,
        *,
        display_name: str | None = None,
        moderator: bool = False,
    ) -> str:
        values = {
            "{id}": conference.conference_code,
            "{password}": conference.password,
            "{name}": display_name_or_none(display_name) or "",
        }
        url = self.template
        for placeholder, value in values.items():
            url = url.replace(placeholder, quote(value, safe=""))
        return url

    async def prepare(self, conference: ConferenceRecord) -> None:
        return None

    async def is_running(self, conference: ConferenceRecord) -> bool | None:
        return None

    def download_links(self) -> dict[str, str]:
        root = self.website_url()
        return merge_download_links(
            dict.fromkeys(DOWNLOAD_CLIENTS, root),
            self._download_overrides,
        )

    async def close(self) -> None:
        return None
