"""Project settings.

Only the values this project relies on are set; everything else keeps the
Kedro defaults.
"""

from kedro.config import OmegaConfigLoader

# Configuration lives in ``conf/``: ``base`` is committed, ``local`` holds
# machine-specific overrides and secrets and is the default run environment.
CONF_SOURCE = "conf"
CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
}
