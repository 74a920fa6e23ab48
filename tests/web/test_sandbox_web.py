"""`make demo`: the sandbox serves the web side on this machine and says where, so a
newcomer can open a conference's join page in a browser."""

import re

import aiohttp

from tests.bot.test_sandbox import Sandbox


async def test_the_sandbox_prints_the_website_and_the_join_page_of_a_conference(tmp_path):
    sandbox, banner = await Sandbox.start(tmp_path)
    website = re.search(r"Website:    (http://127\.0\.0\.1:\d+/) ", banner)
    assert website, banner
    await sandbox.type("/start")
    question = await sandbox.type("/now Quick sync")  # a newcomer is asked their zone first
    assert "Quick sync" in await sandbox.press(question, "✅ Yes, UTC")
    pages = await sandbox.type("/web")
    assert f"Website: {website.group(1)}" in pages
    link = re.search(r"“Quick sync”: (http://127\.0\.0\.1:\d+/j/[\w-]+)", pages)
    assert link, pages
    async with aiohttp.ClientSession() as session:
        async with session.get(link.group(1)) as response:
            page = await response.text()
    assert response.status == 200 and "Quick sync" in page and 'name="name"' in page
    out, _ = await sandbox.finish("/quit")
    assert "Bye." in out
