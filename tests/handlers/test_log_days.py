"""The lighter conference log: rows grouped under day headers in the viewer's zone and
language ("Today", "Tomorrow", "Mon 30 Nov"; the archive newest first with "Yesterday"),
compact buttons ("15:00 Budget review 🟢", the topic cut to fit), and the page on the
paging buttons ("Page 2 of 5")."""

from bot.timezones import display_name
from tests.handlers.test_conference_log import (
    add_conferences,
    conference_rows,
    log_lines,
    open_log,
    person,
)

DAY = 24


async def test_days_in_english_in_the_viewers_zone(bot, emu):
    anna, menu = await person(emu)
    await bot.update_profile(anna.id, timezone="Europe/Moscow")
    # Now is Wed 25 Nov 2026, 12:00 UTC = 15:00 in Moscow.
    await add_conferences(
        bot,
        anna.id,
        # 15:30 today; 02:00 Thursday in Moscow (23:00 UTC, still Wednesday in UTC);
        # Monday; a running one; and one next year.
        [0.5, 11, 5 * DAY, -0.2, 45 * DAY],
        topic="Call {n}",
    )
    log = await open_log(anna, menu)
    assert log_lines(log) == [
        "— Today —",
        "14:48 Call 4 🟢",
        "15:30 Call 1",
        "— Tomorrow —",
        "02:00 Call 2",
        "— Mon 30 Nov —",
        "15:00 Call 3",
        "— Sat 9 Jan 2027 —",
        "15:00 Call 5",
    ]
    assert f"Times in {display_name('Europe/Moscow')}." in log.text
    # A header shows the same page again, and nothing breaks.
    await anna.press(log, "— Tomorrow —")
    assert (await anna.expect_callback_answer()).text is None
    await anna.expect_no_message(within=0.2)


async def test_days_in_russian_and_the_archive_newest_first(bot, emu):
    ivan, menu = await person(emu, "Иван", "ru")
    await add_conferences(bot, ivan.id, [-3, -26, -30, -5 * DAY, 2 * DAY], topic="Встреча {n}")
    log = await open_log(ivan, menu, "Журнал конференций")
    assert log_lines(log) == ["— пт, 27 ноября —", "12:00 Встреча 5"]
    await ivan.press(log, "🗄 Архив конференций")
    archive = await ivan.expect_edit(log)
    assert log_lines(archive) == [
        "— Сегодня —",
        "09:00 Встреча 1",
        "— Вчера —",
        "10:00 Встреча 2",
        "06:00 Встреча 3",
        "— пт, 20 ноября —",
        "12:00 Встреча 4",
    ]


async def test_long_topics_are_cut_to_fit_a_button(bot, emu):
    anna, menu = await person(emu)
    await add_conferences(bot, anna.id, [-0.1], topic="Quarterly budget review " + "x" * 80)
    log = await open_log(anna, menu)
    [(label, _data)] = conference_rows(log)
    assert label.startswith("11:54 Quarterly budget review ") and label.endswith("… 🟢")
    assert len(label) <= 42


async def test_page_2_of_5_in_both_languages(bot, emu):
    anna, menu = await person(emu)
    ivan, ivan_menu = await person(emu, "Иван", "ru")
    for user in (anna, ivan):
        await add_conferences(bot, user.id, [1 + n for n in range(27)])
    log = await open_log(anna, menu)
    await anna.press(log, "▶️")
    page = await anna.expect_edit(log)
    assert [b.text for b in page.buttons[-3]] == ["◀️", "Page 2 of 5", "▶️", "⏭"]
    await anna.press(page, "⏭")
    page = await anna.expect_edit(log)
    assert [b.text for b in page.buttons[-3]] == ["⏮", "◀️", "Page 5 of 5"]
    assert [label for label, _data in conference_rows(page)] == [
        "13:00 Meeting 25",
        "14:00 Meeting 26",
        "15:00 Meeting 27",
    ]
    russian = await open_log(ivan, ivan_menu, "Журнал конференций")
    await ivan.press(russian, "▶️")
    page = await ivan.expect_edit(russian)
    assert "Страница 2 из 5" in page.button_texts()
