"""The conference bot's core: settings, domain rules, services and application wiring."""
