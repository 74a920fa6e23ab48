"""The composition root: where the layers are wired together and the bot is run.

`app/` sits above the three layers (handlers -> bot -> storage) and is the only package
that imports all of them: it builds the python-telegram-bot Application (factory.py),
runs it until a signal (runner.py), parses the command line (main.py) and launches the
terminal sandbox against the Bot API emulator (sandbox/). Nothing in the layers imports
`app`. See docs/ARCHITECTURE.md.
"""
