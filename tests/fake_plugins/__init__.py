"""Small plugin modules for the tests: one correct, the others wrong on purpose.

Each registers ops (or a loss) under names no real plugin uses, and is loaded by module name,
``nanograd.plugins.load(modules=["fake_plugins.wrong_factor"])`` or ``-p``, so the plugin name
the checker reports is the module's name.
"""
