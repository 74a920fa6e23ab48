"""Joining is worded true to the configured video platform, end to end: the owner's card,
/now, the share text, a group's invite card, the Join message, the invitation e-mail
(through a real SMTP server) and the calendar files.

- Jitsi (no tokens): no moderator promised, no website (nobody takes the ID and
  password), the ID shown as a reference and the link as the way in.
- Jitsi with token authentication: each Join gets a signed token (the owner's makes them
  moderator, and the text says so); links on cards, in e-mails and calendars carry none,
  and every text beside them says they do not open the room alone.
- BigBlueButton: the owner's link makes them moderator, and the text says so; a
  participant's does not.
- template: the texts say what its link includes; without {name}, nobody is asked for a
  name that would go nowhere.
"""

import jwt
import pytest
from icalendar import Calendar

from tests.bot.bbb_standin import BBBStandIn
from tests.bot.test_platforms import checked_at, token_of
from tests.e2e import smtp_settings
from tests.handlers.test_conference_log import add_conferences, person
from tests.handlers.test_invitations import invite, open_card

WEBSITE_PROMISE = "enter the conference ID and password on the website"


async def email_to(bot, user, smtp, address="bob@example.com"):
    """Invite `address` to the user's first conference; the e-mail as received, its
    plain and HTML bodies and its calendar event."""
    card = await open_card(user)
    confirm = await invite(user, card, address)
    await user.press(confirm, "✉️ Send")
    await user.expect_edit(confirm)
    [message] = await smtp.wait_for(1)
    alternative, _ = message.iter_parts()
    plain_body = alternative.get_body(("plain",)).get_content()
    html_body = alternative.get_body(("html",)).get_content()
    [calendar_part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    event = Calendar.from_ical(calendar_part.get_content()).walk("VEVENT")[0]
    return plain_body, html_body, str(event["description"])


async def calendar_description(user, card):
    await user.press(card, "📆 Add to calendar")
    document = (await user.expect_message()).document
    return str(Calendar.from_ical(document.content).walk("VEVENT")[0]["description"])


async def shared_text(user, card):
    await user.press(card, "📤 Share")
    await user.expect_message()  # "Forward the message below"
    return (await user.expect_message()).text


async def group_card(emu, user, topic):
    group = emu.group("Team chat", members=[user])
    await user.send("/invite", chat=group)
    pick = await group.expect_message()
    await user.press(pick, f"1. {topic}", chat=group)
    return await group.expect_edit(pick)


class TestJitsiWithoutTokens:
    @pytest.fixture
    def bot_settings(self, smtp):
        return smtp_settings(smtp)

    async def test_the_link_is_the_way_in_and_the_id_a_reference(self, bot, emu, smtp):
        anna, _ = await person(emu)
        await bot.update_profile(anna.id, remember_name=True, email="anna@example.com")
        [conference_id] = await add_conferences(bot, anna.id, [0], topic="Sales")
        conference = await bot.services.conferences.owned(anna.id, conference_id)
        code = conference.conference_code
        generic = bot.services.video.join_url(conference)

        card = await open_card(anna)
        assert f"Conference ID (for reference): {code}" in card.text
        assert f"Join link: {generic}" in card.text
        assert "Website" not in card.text and "ℹ️" not in card.text and "🔒" not in card.text

        await anna.press(card, "▶️ Join")
        joined = await anna.expect_message()
        assert "Join “Sales” as Anna" in joined.text and "moderator" not in joined.text

        text = await shared_text(anna, card)
        assert f"Conference ID (for reference): {code}" in text
        assert f"Join directly: {generic}" in text and "Website" not in text

        description = await calendar_description(anna, card)
        assert description.startswith(f"Conference ID (for reference): {code}\n")
        assert "Website" not in description and f"Join: {generic}" in description

        posted = await group_card(emu, anna, "Sales")
        assert f"Conference ID (for reference): {code}" in posted.text
        assert [b.text for b in posted.buttons[0]] == ["📲 Open in the bot", "▶️ Join"]
        assert posted.buttons[0][1].url == generic

        plain_body, html_body, ics = await email_to(bot, anna, smtp)
        for body in (plain_body, html_body):
            assert "Website" not in body and WEBSITE_PROMISE not in body
            assert "To join, open the link." in body
        assert f"Conference ID (for reference): {code}" in plain_body
        assert "Join the conference</a>" in html_body  # the button opens the room
        assert ics.startswith(f"Conference ID (for reference): {code}") and "Website" not in ics

    async def test_now_says_to_share_the_link_in_both_languages(self, bot, emu, smtp):
        anna, _ = await person(emu)
        await anna.send("/now Standup")
        started = await anna.expect_message()
        assert "To invite people, press “📤 Share”" in started.text
        assert "ID and password" not in started.text
        ivan, _ = await person(emu, "Иван", "ru")
        await ivan.send("/now Планёрка")
        started = await ivan.expect_message()
        assert "нажмите «📤 Поделиться»" in started.text
        assert "Идентификатор конференции (для справки):" in started.text
        assert "Сайт" not in started.text

    async def test_a_russian_invitation_names_no_website(self, bot, emu, smtp):
        ivan, _ = await person(emu, "Иван", "ru")
        await add_conferences(bot, ivan.id, [2], topic="Планёрка")
        card = await open_card(ivan)
        await ivan.press(card, "Отправить приглашение по e-mail")
        await ivan.expect_edit(card)
        await ivan.send("bob@example.com")
        confirm = await ivan.expect_message()
        await ivan.press(confirm, "✉️ Отправить")
        await ivan.expect_edit(confirm)
        [message] = await smtp.wait_for(1)
        plain_body = message.iter_parts().__next__().get_body(("plain",)).get_content()
        assert "Идентификатор конференции (для справки):" in plain_body
        assert "Чтобы подключиться, откройте ссылку." in plain_body
        assert "Сайт" not in plain_body and "на сайте" not in plain_body


class TestJitsiWithTokens:
    APP_SECRET = "jitsi-app-secret-shared-with-prosody-0123"

    @pytest.fixture
    def bot_settings(self, smtp):
        return {
            **smtp_settings(smtp),
            "JITSI_APP_ID": "conference-bot",
            "JITSI_APP_SECRET": self.APP_SECRET,
        }

    async def test_each_join_gets_a_signed_token_and_the_owner_is_moderator(self, bot, emu, smtp):
        anna, _ = await person(emu)
        await bot.update_profile(anna.id, remember_name=True, email="anna@example.com")
        [conference_id] = await add_conferences(bot, anna.id, [0], topic="Board")
        await bot.services.conferences.edit(anna.id, conference_id, allow_without_owner=False)
        conference = await bot.services.conferences.owned(anna.id, conference_id)
        room = bot.services.video.room_name(conference)
        generic = bot.services.video.join_url(conference)
        assert "jwt" not in generic

        # Boris comes by the shared link before the owner: the bot holds him back.
        boris, _ = await person(emu, "Boris")
        await boris.send(f"/start {await bot.services.sharing.share_token(conference)}")
        visitor = await boris.expect_message()
        await boris.press(visitor, "Join")
        await boris.expect_message()
        await boris.send("Boris B")
        assert "has not joined yet" in (await boris.expect_message()).text

        card = await open_card(anna)
        assert f"Join link: {generic}\n🔒 This link alone does not open the room" in card.text
        await anna.press(card, "▶️ Join")
        joined = await anna.expect_message()
        assert "Join “Board” as Anna (you are the moderator)" in joined.text
        url = joined.buttons[0][0].url
        assert url.startswith(f"https://meet.jit.si/{room}?jwt=")
        now = bot.clock.timestamp()
        claims = checked_at(token_of(url), now, secret=self.APP_SECRET)
        assert claims["iss"] == "conference-bot" and claims["sub"] == "meet.jit.si"
        assert claims["room"] == room and claims["context"]["user"]["name"] == "Anna"
        assert claims["moderator"] is True and claims["exp"] == conference.ends_at + 900
        with pytest.raises(jwt.InvalidSignatureError):
            checked_at(token_of(url), now, secret="not-the-secret-of-this-jitsi-server-0")

        # The owner is in: Boris gets his own token, without the moderator right.
        arrived = await boris.expect_message()
        assert "The owner has joined “Board”. Join as Boris B" in arrived.text
        boris_claims = checked_at(token_of(arrived.buttons[0][0].url), now, self.APP_SECRET)
        assert boris_claims["moderator"] is False and boris_claims["room"] == room
        assert boris_claims["context"]["user"]["name"] == "Boris B"

        # Generic links say they do not open the room alone; a group card has no Join.
        text = await shared_text(anna, card)
        assert f"Join directly: {generic}\n🔒 This link alone does not open the room" in text
        posted = await group_card(emu, anna, "Board")
        assert [b.text for b in posted.buttons[0]] == ["📲 Open in the bot"]
        description = await calendar_description(anna, card)
        assert "This link alone does not open the room" in description

        plain_body, html_body, ics = await email_to(bot, anna, smtp)
        for body in (plain_body, html_body, ics):
            assert "This link alone does not open the room" in body
            assert "jwt" not in body
        assert "To join, open the link." not in plain_body
        assert "Join the conference</a>" not in html_body  # no button that would not open it


class TestBigBlueButton:
    SECRET = "639259d4-9dd8-4b25-bf01-95f9567eaf4b"

    @pytest.fixture
    async def bbb(self):
        async with BBBStandIn(secret=self.SECRET) as standin:
            yield standin

    @pytest.fixture
    def bot_settings(self, bbb, smtp):
        return {
            **smtp_settings(smtp),
            "VIDEO_PLATFORM": "bbb",
            "VIDEO_BASE_URL": bbb.api_url,
            "BBB_SECRET": self.SECRET,
        }

    async def test_the_owner_is_told_they_are_moderator_and_a_participant_is_not(
        self, bot, emu, bbb, smtp
    ):
        anna, _ = await person(emu)
        await bot.update_profile(anna.id, remember_name=True)
        [conference_id] = await add_conferences(bot, anna.id, [0], topic="Quarterly")
        conference = await bot.services.conferences.owned(anna.id, conference_id)
        card = await open_card(anna)
        assert "Conference ID (for reference):" in card.text and "Website" not in card.text
        await anna.press(card, "▶️ Join")
        joined = await anna.expect_message()
        assert "(you are the moderator)" in joined.text and "keep it to yourself" in joined.text
        assert (
            "role=MODERATOR" in joined.buttons[0][0].url and "checksum=" in joined.buttons[0][0].url
        )

        boris, _ = await person(emu, "Boris")
        await boris.send(f"/start {await bot.services.sharing.share_token(conference)}")
        visitor = await boris.expect_message()
        assert "Conference ID (for reference):" in visitor.text
        await boris.press(visitor, "Join")
        await boris.expect_message()
        await boris.send("Boris B")
        link = await boris.expect_message()
        assert "Join “Quarterly” as Boris B" in link.text and "moderator" not in link.text
        assert "role=VIEWER" in link.buttons[0][0].url

        plain_body, _, ics = await email_to(bot, anna, smtp)
        assert "bigbluebutton" not in plain_body.split("Join link:")[0].lower()
        assert WEBSITE_PROMISE not in plain_body and "To join, open the link." in plain_body
        assert "Website" not in ics


class TestTemplateWithoutName:
    TEMPLATE = "https://video.example.com/join/{id}?pwd={password}"

    @pytest.fixture
    def bot_settings(self, smtp):
        return {
            **smtp_settings(smtp),
            "VIDEO_PLATFORM": "template",
            "VIDEO_BASE_URL": self.TEMPLATE,
        }

    async def test_the_texts_say_the_link_has_the_id_and_password_and_no_name_is_asked(
        self, bot, emu, smtp
    ):
        anna, _ = await person(emu)
        await bot.update_profile(anna.id, email="anna@example.com")
        [conference_id] = await add_conferences(bot, anna.id, [0], topic="Review")
        conference = await bot.services.conferences.owned(anna.id, conference_id)
        note = "ℹ️ The link includes the conference ID and password."
        card = await open_card(anna)
        assert card.text.splitlines()[-1] == note or f"\n{note}" in card.text
        assert "Website" not in card.text
        assert note in await shared_text(anna, card)

        # The link carries no name: the bot asks for none, and names none.
        await anna.press(card, "▶️ Join")
        joined = await anna.expect_message()
        assert joined.text == "▶️ Join “Review”: press the button below."
        assert joined.buttons[0][0].url == (
            f"https://video.example.com/join/{conference.conference_code}?pwd={conference.password}"
        )
        assert "Remember" not in " ".join(joined.button_texts())

        plain_body, html_body, ics = await email_to(bot, anna, smtp)
        for body in (plain_body, html_body, ics):
            assert "The link includes the conference ID and password." in body
        assert WEBSITE_PROMISE not in plain_body


class TestTemplateWithName:
    TEMPLATE = "https://video.example.com/{id}?user={name}"

    @pytest.fixture
    def bot_settings(self):
        return {"VIDEO_PLATFORM": "template", "VIDEO_BASE_URL": self.TEMPLATE}

    async def test_the_texts_say_the_link_has_the_id_and_the_bot_adds_the_name(self, bot, emu):
        ivan, _ = await person(emu, "Иван", "ru")
        await add_conferences(bot, ivan.id, [0], topic="Обзор")
        card = await open_card(ivan)
        assert (
            "ℹ️ В ссылке есть идентификатор конференции, но нет пароля; кнопка "
            "«▶️ Подключиться» в боте добавит в неё ваше имя."
        ) in card.text
        await ivan.press(card, "▶️ Подключиться")
        assert "Под каким именем" in (await ivan.expect_message()).text
        await ivan.send("Иван П")
        joined = await ivan.expect_message()
        assert "под именем Иван П" in joined.text and "модератор" not in joined.text
        assert joined.buttons[0][0].url.endswith("?user=%D0%98%D0%B2%D0%B0%D0%BD%20%D0%9F")
