"""Callback data: short, ids only, and anything we did not produce decodes to None."""

import pytest

from bot.i18n import Translator
from handlers import callback_data as cb
from handlers import keyboards


def test_round_trip_and_limits():
    data = cb.encode(cb.CONFERENCE, "delok", 10**17)
    assert len(data.encode()) <= cb.MAX_BYTES
    decoded = cb.decode(data)
    assert (decoded.prefix, decoded.action, decoded.arg_int()) == ("conf", "delok", 10**17)
    with pytest.raises(ValueError):
        cb.encode("conf", "view", "имя")  # names never go into callback data
    with pytest.raises(ValueError):
        cb.encode("conf", "view", "x" * 60)


@pytest.mark.parametrize(
    "forged",
    [
        "",
        "conf",
        "conf:",
        "a:b:" + "1" * 70,
        "conf:view:1 OR 1",
        "conf:view:ы",
        "::",
        "conf:view:-1",
    ],
)
def test_forged_data_decodes_to_nothing_or_non_numbers(forged):
    decoded = cb.decode(forged)
    assert decoded is None or decoded.arg_int() is None


def test_every_keyboard_fits_telegrams_limit():
    for language in ("en", "ru"):
        t = Translator(language)
        markups = [
            keyboards.main_menu(t),
            keyboards.profile_card(t, remember_name=True, reminder="off"),
            keyboards.language_choice(cb.PROFILE, t),
            keyboards.conference_actions(
                t, 10**17, archived=False, can_notify=True, can_end=True, can_refresh=True
            ),
            keyboards.conference_actions(t, 10**17, archived=True, can_refresh=True),
            keyboards.confirm_end(t, 10**17),
            keyboards.participant_actions(t, 10**17, archived=False, left=False),
            keyboards.participant_actions(t, 10**17, archived=True, left=False),
            keyboards.participant_actions(t, 10**17, archived=False, left=True),
            keyboards.confirm_leave(t, 10**17),
            keyboards.form_discard(t),
            keyboards.confirm_delete(t, 10**17),
            keyboards.confirm_new_link(t, 10**17),
            keyboards.participants(t, 10**17, [("x", "t", -(10**17) + 1)], 10**4, 10**5),
            keyboards.confirm_removal(t, 10**17, "t", -(10**17) + 1, 10**4),
            keyboards.conference_log(
                t, "s", [("09:00 x", cb.encode(cb.PARTICIPANT, "view", 10**17))], 10**4, 10**5
            ),
            keyboards.form_review(t, allow=True, editing=False),
            keyboards.form_start_prompt(t, back_to_review=True),
            keyboards.form_end_prompt(t, back_to_review=False),
        ]
        for markup in markups:
            for row in markup.inline_keyboard:
                for button in row:
                    if button.callback_data:
                        assert len(button.callback_data.encode()) <= 64


def test_chat_ids_of_groups_are_negative_and_still_numbers_only():
    decoded = cb.decode(cb.encode(cb.CONFERENCE, "rm", 7, "t", -1001234567890, 0))
    assert decoded.arg_chat_id(2) == -1001234567890 and decoded.arg_int(2) is None
    for forged in ("--1", "-", "1-1", "-1e3"):
        assert cb.CallbackData("conf", "rm", ("7", "t", forged)).arg_chat_id(2) is None
