from tests.courses.conftest import world  # noqa: F401 - the lesson world, for routing tests
