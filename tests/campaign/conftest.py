"""The campaign runs real bridges, as the plugin's tests do."""

from tests.radicale_plugin.conftest import *  # noqa: F401,F403 (fixtures)
