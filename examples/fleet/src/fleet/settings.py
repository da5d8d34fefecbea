"""Project settings.

Only what this project depends on is set here; the rest are Kedro defaults.
"""

from kedro.config import OmegaConfigLoader

# ``conf/base`` is committed; ``conf/local`` is for machine-specific overrides
# and secrets and is the environment a plain ``kedro run`` uses.
CONF_SOURCE = "conf"
CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
}
