"""Conference log (F5), view info and "Add to calendar" (F7), join link, delete (F10),
start conference now (F2), and forged buttons for each action."""

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from bot.timezones import display_name
from storage.conferences import ConferenceRepository, NewConference

HOUR = 3600


async def person(emu, name="Anna", language="en"):
    user = emu.user(name, language_code=language)
    await user.send("/start")
    return user, await user.expect_message()


async def add_conferences(bot, owner_id, starts, *, topic="Meeting {n}", length=HOUR):
    """Conferences straight into storage, with starts relative to the test clock (hours)."""
    repository = ConferenceRepository(bot.services.database)
    now = bot.clock.timestamp()
    ids = []
    for n, offset in enumerate(starts, start=1):
        start = now + int(offset * HOUR)
        ids.append(
            await repository.create(
                NewConference(
                    owner_id,
                    topic.format(n=n),
                    start,
                    start + length,
                    f"code{n:05d}{owner_id}",
                    "pw12",
                ),
                now=now,
            )
        )
    return ids


async def open_log(user, menu, label="Conference log"):
    await user.press(menu, label)
    return await user.expect_edit(menu)


def log_lines(log):
    """The log's one-column buttons (day headers and conferences), without the paging,
    list and menu rows."""
    return [
        row[0].text
        for row in log.buttons
        if len(row) == 1
        and row[0].callback_data.startswith(("conf:view:", "part:view:", "log:"))
        and row[0].text.startswith(("—", *"0123456789"))
    ]


def conference_rows(log):
    """(label, callback data) of the log's conference buttons, in order."""
    return [
        (button.text, button.callback_data)
        for button in log.all_buttons()
        if button.callback_data and button.callback_data.startswith(("conf:view:", "part:view:"))
    ]


async def open_first(user, log):
    """Press the log's first conference and return its card."""
    await user.press(log, callback_data=conference_rows(log)[0][1])
    return await user.expect_edit(log)


async def test_log_shows_scheduled_and_archive_with_status(bot, emu):
    anna, menu = await person(emu)
    await bot.update_profile(anna.id, timezone="Europe/Moscow")
    await add_conferences(bot, anna.id, [-0.5, 3, -5, 26])  # running, later, past, tomorrow
    log = await open_log(anna, menu)
    assert "Scheduled conferences: 3" in log.text
    # One compact form: day headers, then "time topic 🟢" buttons; no row in the text.
    assert log_lines(log) == [
        "— Today —",
        "14:30 Meeting 1 🟢",
        "18:00 Meeting 2",
        "— Tomorrow —",
        "17:00 Meeting 4",
    ]
    assert "Meeting" not in log.text and "Nov" not in log.text
    assert f"Times in {display_name('Europe/Moscow')}." in log.text
    await anna.press(log, "🗄 Conference archive")
    archive = await anna.expect_edit(log)
    assert "Conference archive: 1" in archive.text
    assert log_lines(archive) == ["— Today —", "10:00 Meeting 3"]
    await anna.press(archive, "10:00 Meeting 3")
    card = await anna.expect_edit(log)
    assert "This conference is over" in card.text
    assert set(card.button_texts()) >= {"🔁 Repeat", "📆 Add to calendar", "🗑 Delete"}
    assert "▶️ Join" not in card.button_texts() and "✏️ Edit" not in card.button_texts()


async def test_log_in_russian(bot, emu):
    ivan, menu = await person(emu, "Иван", "ru")
    # Starts in 6 minutes: online already, as JOIN_EARLY_MINUTES is 10.
    await add_conferences(bot, ivan.id, [0.1], topic="Планёрка")
    log = await open_log(ivan, menu, "Журнал конференций")
    assert "Запланированные конференции: 1" in log.text
    assert log_lines(log) == ["— Сегодня —", "12:06 Планёрка 🟢"]
    await ivan.press(log, "12:06 Планёрка 🟢")
    card = await ivan.expect_edit(log)
    assert "Идентификатор конференции (для справки):" in card.text


async def test_three_hundred_conferences_are_all_reachable(bot, emu):
    anna, menu = await person(emu)
    await add_conferences(bot, anna.id, [1 + n for n in range(300)])
    log = await open_log(anna, menu)
    assert "Scheduled conferences: 300" in log.text
    # The page is on the paging buttons: "Page 1 of 50", ▶️ and ⏭ (no way back yet).
    assert [b.text for b in log.buttons[-3]] == ["Page 1 of 50", "▶️", "⏭"]
    await anna.press(log, "▶️")
    page2 = await anna.expect_edit(log)
    assert [b.text for b in page2.buttons[-3]] == ["◀️", "Page 2 of 50", "▶️", "⏭"]
    assert "19:00 Meeting 7" in page2.button_texts()
    await anna.press(page2, "⏭")
    last = await anna.expect_edit(log)
    assert [b.text for b in last.buttons[-3]] == ["⏮", "◀️", "Page 50 of 50"]
    assert conference_rows(last)[-1][0] == "00:00 Meeting 300"
    await anna.press(last, "◀️")
    page49 = await anna.expect_edit(log)
    assert "Page 49 of 50" in page49.button_texts()
    # The middle label shows the same page again, unchanged (and without an error).
    await anna.press(page49, "Page 49 of 50")
    assert (await anna.expect_callback_answer()).text is None
    await anna.expect_no_message(within=0.2)
    seen = []
    # Walk every page from the first: each conference appears exactly once.
    await anna.press_data(last, "log:s:0")
    page = await anna.expect_edit(log)
    for number in range(50):
        seen += [label.split(" ", 1)[1] for label, _data in conference_rows(page)]
        if number < 49:
            await anna.press(page, "▶️")
            page = await anna.expect_edit(log)
    assert sorted(seen) == sorted(f"Meeting {n}" for n in range(1, 301))


async def test_out_of_range_page_is_clamped(bot, emu):
    anna, menu = await person(emu)
    await add_conferences(bot, anna.id, [1 + n for n in range(7)])
    log = await open_log(anna, menu)
    await anna.press_data(log, "log:s:999")
    last = await anna.expect_edit(log)
    assert "Page 2 of 2" in last.button_texts()
    assert [label for label, _data in conference_rows(last)] == ["19:00 Meeting 7"]


async def test_empty_log(bot, emu):
    anna, menu = await person(emu)
    log = await open_log(anna, menu)
    assert "You have no scheduled conferences" in log.text


async def test_view_info_and_add_to_calendar(bot, emu):
    anna, menu = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [2], topic='<b>x</b> & <a href="y">')
    log = await open_log(anna, menu)
    card = await open_first(anna, log)
    assert '<b>x</b> & <a href="y">' in card.text
    assert "Join link: https://meet.jit.si/code00001" in card.text
    await anna.press(card, "📆 Add to calendar")
    document = (await anna.expect_message()).document
    assert document.filename.endswith(".ics")
    calendar = Calendar.from_ical(document.content)
    assert calendar["method"] == "PUBLISH"
    [event] = calendar.walk("VEVENT")
    conference = await bot.services.conferences.owned(anna.id, conference_id)
    assert event.decoded("dtstart") == datetime.fromtimestamp(conference.starts_at, UTC)
    assert event.decoded("dtend") == datetime.fromtimestamp(conference.ends_at, UTC)
    assert str(event["summary"]) == '<b>x</b> & <a href="y">'
    join_url = bot.services.video.join_url(conference)
    assert str(event["location"]) == join_url and str(event["url"]) == join_url
    assert join_url in str(event["description"])
    first_uid = str(event["uid"])
    await anna.press(card, "📆 Add to calendar")
    again = Calendar.from_ical((await anna.expect_message()).document.content)
    assert str(again.walk("VEVENT")[0]["uid"]) == first_uid  # stable


async def test_delete_needs_ok_and_a_second_press_finds_it_gone(bot, emu):
    anna, menu = await person(emu)
    [conference_id] = await add_conferences(bot, anna.id, [2])
    log = await open_log(anna, menu)
    await anna.press(log, "Meeting 1")
    card = await anna.expect_edit(log)
    await anna.press(card, "🗑 Delete")
    question = await anna.expect_edit(log)
    assert "Delete “Meeting 1”" in question.text
    await anna.press(question, "Cancel")
    card = await anna.expect_edit(log)
    assert await bot.services.conferences.owned(anna.id, conference_id) is not None
    await anna.press(card, "🗑 Delete")
    question = await anna.expect_edit(log)
    await anna.press(question, "OK")
    done = await anna.expect_edit(log)
    assert "is deleted" in done.text
    assert await bot.services.conferences.owned(anna.id, conference_id) is None
    await anna.press_data(done, f"conf:delok:{conference_id}")
    answer = await anna.expect_callback_answer()
    assert answer.text == "This conference no longer exists."


async def test_start_now_with_one_tap_and_with_a_topic(bot, emu):
    anna, menu = await person(emu)
    await anna.press(menu, "Start conference now")
    card = await anna.expect_message()
    assert "Your conference has started" in card.text and "Ad hoc conference" in card.text
    assert "🟢 online" in card.text and "https://meet.jit.si/" in card.text
    await anna.send("/now Quick sync")
    card = await anna.expect_message()
    assert "<b>Quick sync</b>" in card.html
    conferences = await ConferenceRepository(bot.services.database).list_scheduled(
        anna.id, now=0, limit=10
    )
    assert [c.topic for c in conferences] == ["Ad hoc conference", "Quick sync"]
    assert all(c.ends_at - c.starts_at == 30 * 60 for c in conferences)
    assert all(c.starts_at == bot.clock.timestamp() for c in conferences)


async def test_start_now_in_russian(bot, emu):
    ivan, menu = await person(emu, "Иван", "ru")
    await ivan.press(menu, "Начать конференцию сейчас")
    card = await ivan.expect_message()
    assert "Быстрая конференция" in card.text and "🟢 онлайн" in card.text


@pytest.mark.parametrize("action", ["view", "join", "ics", "del", "delok", "edit", "repeat"])
async def test_forged_buttons_never_touch_another_users_conference(bot, emu, action):
    anna, menu = await person(emu)
    mallory, mallory_menu = await person(emu, "Mallory")
    [conference_id] = await add_conferences(bot, anna.id, [-5 if action == "repeat" else 2])
    for data in (
        f"conf:{action}:{conference_id}",
        f"conf:{action}:99999",
        f"conf:{action}:abc",
        f"conf:{action}",
    ):
        await mallory.press_data(mallory_menu, data)
        answer = await mallory.expect_callback_answer()
        assert answer.text in (
            "This conference no longer exists.",
            "This button is out of date. Please use the latest message or /start.",
        )
    await mallory.expect_no_message(within=0.2)
    assert await bot.services.conferences.owned(anna.id, conference_id) is not None
    assert emu.calls_of("sendDocument") == []


async def test_the_default_topic_is_in_the_language_of_whoever_starts_it(bot, emu):
    anna, _ = await person(emu, "Anna", "ru")  # Telegram in Russian...
    await anna.send("/language")
    choose = await anna.expect_message()
    await anna.press(choose, "English")  # ...the bot switched to English
    await anna.expect_edit(choose)
    await anna.send("/now")
    assert "<b>Ad hoc conference</b>" in (await anna.expect_message()).html
    ivan, _ = await person(emu, "Иван", "ru")
    await ivan.send("/now")
    assert "<b>Быстрая конференция</b>" in (await ivan.expect_message()).html
    topics = [
        c.topic
        for owner in (anna, ivan)
        for c in await ConferenceRepository(bot.services.database).list_scheduled(
            owner.id, now=0, limit=10
        )
    ]
    assert topics == ["Ad hoc conference", "Быстрая конференция"]
