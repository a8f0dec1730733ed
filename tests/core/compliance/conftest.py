"""The compliance tests use the clinical tests' seeded store and actors."""

from tests.core.clinical.conftest import demo, front_desk, injector, manager, store  # noqa: F401
