"""Any other platform: VIDEO_BASE_URL is a URL template with {id}, {password}, {name}."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from bot.platforms.base import display_name_or_none, merge_download_links, server_root
from bot.settings import DOWNLOAD_CLIENTS
from storage.conferences import ConferenceRecord


class TemplatePlatform:
    """{id} is the conference ID, {password} its password, {name} the display name ("" for
    the generic link); each value is percent-encoded whole. Only these three placeholders
    are replaced, so other braces in the template are left alone."""

    name = "template"

    def __init__(self, template: str, *, download_urls: Mapping[str, str] | None = None) -> None:
        self.template = template
        self._download_overrides = dict(download_urls or {})

    def website_url(self) -> str:
        return server_root(self.template)

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
