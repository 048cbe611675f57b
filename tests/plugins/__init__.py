"""Fixture plugins, loaded for every test through `pytest_plugins` in tests/conftest.py.

A test asks for a fixture by name (`def test_x(meta_app, fake_meta)`) and never imports it;
the drivers and helpers the tests call directly live in tests/channel_drivers.py,
tests/twilio_drivers.py and tests/inbox_drivers.py.
"""
