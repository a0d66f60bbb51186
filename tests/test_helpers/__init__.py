"""Tests of the test helpers themselves (tests/helpers/): the live processes, the database URL
they are given."""
