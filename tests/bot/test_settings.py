"""Settings: defaults, parsing, and one clear line for each bad value."""

from pathlib import Path

import pytest

from bot.settings import Secret, SettingsError, load_settings

TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789"
JITSI_SECRET = "jitsi-app-secret-shared-with-prosody-0123"


def load(**env):
    return load_settings(env, env_file=None)


def test_defaults_with_only_a_token():
    settings = load(TELEGRAM_BOT_TOKEN=TOKEN)
    assert settings.telegram_bot_token.reveal() == TOKEN
    assert settings.default_language == "en"
    assert settings.default_timezone == "UTC"
    assert settings.video_platform == "jitsi"
    assert settings.smtp_tls == "starttls"
    assert settings.admin_ids == frozenset()
    assert (settings.mail_hourly_limit, settings.mail_max_invitees, settings.mail_keep_days) == (
        1000,
        200,
        30,
    )


def test_missing_token_names_the_setting_and_botfather():
    with pytest.raises(SettingsError) as error:
        load()
    assert error.value.name == "TELEGRAM_BOT_TOKEN"
    assert "BotFather" in str(error.value)


def test_token_is_optional_for_offline_use():
    assert load_settings({}, env_file=None, require_token=False).telegram_bot_token is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
        ("TELEGRAM_BASE_URL", "ftp://example"),
        ("ADMIN_IDS", "12, bob"),
        ("DEFAULT_LANGUAGE", "de"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus"),
        ("JOIN_EARLY_MINUTES", "-5"),
        ("REMINDER_MINUTES", "ten"),
        ("VIDEO_PLATFORM", "zoom"),
        ("SMTP_PORT", "70000"),
        ("SMTP_TLS", "ssl3"),
        ("LOG_LEVEL", "LOUD"),
        ("MAIL_HOURLY_LIMIT", "0"),
        ("MAIL_MAX_INVITEES", "many"),
        ("MAIL_KEEP_DAYS", "0"),
        ("ROOM_SECRET", "short-key"),
        ("JITSI_APP_SECRET", "only-31-characters-long-0123456"),
        ("JITSI_APP_ID", "two words"),
    ],
)
def test_malformed_value_names_the_setting(name, value):
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, name: value}
    if name.startswith("JITSI_APP_"):  # the other one of the pair is fine
        env = {"JITSI_APP_ID": "conference-bot", "JITSI_APP_SECRET": JITSI_SECRET, **env}
    with pytest.raises(SettingsError) as error:
        load(**env)
    assert error.value.name == name
    assert str(error.value).startswith(name)
    assert "\n" not in str(error.value)


def test_secrets_never_appear_in_errors_or_repr():
    with pytest.raises(SettingsError) as error:
        load(TELEGRAM_BOT_TOKEN="secret-looking-but-bad")
    assert "secret-looking-but-bad" not in str(error.value)
    with pytest.raises(SettingsError) as error:
        load(TELEGRAM_BOT_TOKEN=TOKEN, ROOM_SECRET="tooshort")
    assert "tooshort" not in str(error.value)
    settings = load(
        TELEGRAM_BOT_TOKEN=TOKEN, SMTP_PASSWORD="hunter2", ROOM_SECRET="a-room-key-long-enough"
    )
    assert TOKEN not in repr(settings) and "hunter2" not in repr(settings)
    assert "a-room-key-long-enough" not in repr(settings)
    assert settings.room_secret.reveal() == "a-room-key-long-enough"
    assert repr(Secret("x")) == "Secret('********')"


def test_jitsi_token_settings_come_as_a_pair_and_hide_the_secret():
    assert load(TELEGRAM_BOT_TOKEN=TOKEN).jitsi_app_id is None
    settings = load(
        TELEGRAM_BOT_TOKEN=TOKEN, JITSI_APP_ID="conference-bot", JITSI_APP_SECRET=JITSI_SECRET
    )
    assert settings.jitsi_app_id == "conference-bot"
    assert settings.jitsi_app_secret.reveal() == JITSI_SECRET
    assert JITSI_SECRET not in repr(settings)
    for given, missing in (
        ({"JITSI_APP_ID": "conference-bot"}, "JITSI_APP_SECRET"),
        ({"JITSI_APP_SECRET": JITSI_SECRET}, "JITSI_APP_ID"),
    ):
        with pytest.raises(SettingsError) as error:
            load(TELEGRAM_BOT_TOKEN=TOKEN, **given)
        assert error.value.name == missing and "both" in str(error.value)
        assert JITSI_SECRET not in str(error.value)
    with pytest.raises(SettingsError) as error:
        load(TELEGRAM_BOT_TOKEN=TOKEN, JITSI_APP_ID="bot", JITSI_APP_SECRET="short-secret")
    assert "at least 32" in str(error.value) and "short-secret" not in str(error.value)


def test_env_example_lists_every_setting():
    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    for name in ("JITSI_APP_ID", "JITSI_APP_SECRET", "ROOM_SECRET", "BBB_SECRET"):
        assert f"\n{name}=" in example


def test_values_are_parsed():
    settings = load(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL="http://127.0.0.1:8081/bot/",
        ADMIN_IDS="1, 22,333",
        DEFAULT_LANGUAGE="RU",
        DEFAULT_TIMEZONE="Europe/Moscow",
        SMTP_PORT="2525",
        DATABASE_PATH="/tmp/x.sqlite3",
    )
    assert settings.telegram_base_url == "http://127.0.0.1:8081/bot"
    assert settings.admin_ids == {1, 22, 333}
    assert settings.is_admin(22) and not settings.is_admin(4)
    assert settings.default_language == "ru"
    assert settings.smtp_port == 2525
    assert settings.database_path == Path("/tmp/x.sqlite3")


def test_database_url_wins_and_its_password_stays_out_of_sight():
    url = "postgresql://bot:db-Pa55word@db.example:5432/bot"
    settings = load(TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_PATH="/tmp/x.sqlite3", DATABASE_URL=url)
    assert settings.database == url
    assert "db-Pa55word" not in repr(settings)
    assert load(TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_PATH="/tmp/x.sqlite3").database == (
        "/tmp/x.sqlite3"
    )
    with pytest.raises(SettingsError) as error:
        load(TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_URL="mysql://bot:db-Pa55word@db/bot")
    assert "DATABASE_URL" in str(error.value) and "db-Pa55word" not in str(error.value)


def test_environment_wins_over_env_file(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nDEFAULT_LANGUAGE=ru\n# comment\n")
    settings = load_settings({"DEFAULT_LANGUAGE": "en"}, env_file=env_file)
    assert settings.telegram_bot_token.reveal() == TOKEN
    assert settings.default_language == "en"


@pytest.mark.parametrize(
    ("raw", "ask"), [("on", True), ("off", False), ("0", False), ("YES", True)]
)
def test_the_time_zone_question_can_be_turned_off(raw, ask):
    assert load(TELEGRAM_BOT_TOKEN=TOKEN).ask_timezone is True
    assert load(TELEGRAM_BOT_TOKEN=TOKEN, ASK_TIMEZONE=raw).ask_timezone is ask


def test_a_malformed_switch_names_the_setting():
    with pytest.raises(SettingsError, match="ASK_TIMEZONE must be on or off"):
        load(TELEGRAM_BOT_TOKEN=TOKEN, ASK_TIMEZONE="maybe")
