from tests.core.locales import compiled_locales, use_compiled_locales  # noqa: F401
