from tests.core.locales import compiled_locales, use_compiled_locales  # noqa: F401
from tests.routing.conftest import (  # noqa: F401 - fixtures of the internal API tests
    authorities,
    forward,
    forwarding_de,
    forwarding_fr,
    submit_tips,
)
