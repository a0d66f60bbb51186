"""Plain helpers the tests share (builders, API clients, money, live processes); fixtures stay
in the conftest.py files, which call these."""
