"""Cancel in the middle of "Schedule conference": with something entered, "Discard this
draft?" first ([Discard] [Keep editing]), for the Cancel button and /cancel alike; an
empty draft is cancelled at once. The question survives a restart."""

from tests.handlers.test_schedule import answer, begin, stored


async def test_keep_editing_then_discard(bot, emu):
    anna, _ = await begin(emu, bot)
    start_prompt = await answer(anna, "Budget review")
    await anna.press(start_prompt, "Cancel")
    question = await anna.expect_edit(start_prompt)
    assert "Discard this draft?" in question.text
    assert question.button_texts() == ["🗑 Discard", "✏️ Keep editing"]
    # Something typed now is not an answer to the form: the question again.
    again = await answer(anna, "tomorrow 15:00")
    assert "Please press “🗑 Discard” or “✏️ Keep editing”" in again.text
    await anna.send_sticker()
    assert "text message" in (await anna.expect_message()).text
    # Keep editing: back to what the form was asking, with the draft as it was.
    await anna.press(question, "✏️ Keep editing")
    back = await anna.expect_edit(question)
    assert "Step 2 of 3" in back.text
    review = await answer(anna, "tomorrow 15:00-16:00")
    assert "Budget review" in review.text
    await anna.send("/cancel")
    question = await anna.expect_message()
    assert "Discard this draft?" in question.text
    await bot.restart()  # the question is a dialog state like any other
    await anna.press(question, "🗑 Discard")
    assert "nothing was scheduled" in (await anna.expect_edit(question)).text
    assert await stored(bot, anna.id) == []
    # The form is gone: its old buttons and answers do nothing.
    await anna.press_data(question, "form:keep")
    assert "out of date" in (await anna.expect_callback_answer()).text
    await anna.press(review, "✅ Schedule")
    assert "out of date" in (await anna.expect_callback_answer()).text
    assert await stored(bot, anna.id) == []


async def test_an_empty_draft_is_cancelled_at_once(bot, emu):
    anna, prompt = await begin(emu, bot)
    await anna.send("/cancel")
    assert "nothing was scheduled" in (await anna.expect_message()).text
    bea, prompt = await begin(emu, bot, name="Bea")
    await bea.press(prompt, "Cancel")
    assert "nothing was scheduled" in (await bea.expect_edit(prompt)).text


async def test_the_question_in_russian(bot, emu):
    ivan, _ = await begin(emu, bot, name="Иван", language="ru")
    start_prompt = await answer(ivan, "Планёрка")
    await ivan.press(start_prompt, "Отмена")
    question = await ivan.expect_edit(start_prompt)
    assert "Удалить черновик?" in question.text
    await ivan.press(question, "🗑 Не сохранять")
    assert "Планёрка" not in (await ivan.expect_edit(question)).text
    assert await stored(bot, ivan.id) == []
