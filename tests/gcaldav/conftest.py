"""The gcaldav application's tests run a real bridge server, as the plugin's tests do."""

import logging

import pytest

from gcaldav.quiet_logs import REPEATED_LOGGERS, RepeatFilter
from tests.radicale_plugin.conftest import *  # noqa: F401,F403 (fixtures)


@pytest.fixture(autouse=True)
def _no_rate_limit_left_behind():
    """``gcaldav serve`` (cli main, serve_logging) rate-limits warnings process-wide: a test
    that runs it in-process must not leave that to the next test, which may count them."""
    yield
    for name, _ in REPEATED_LOGGERS:
        logger = logging.getLogger(name)
        for each in [f for f in logger.filters if isinstance(f, RepeatFilter)]:
            logger.removeFilter(each)
