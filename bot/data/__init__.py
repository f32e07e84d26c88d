"""Data files shipped with the bot (read with importlib.resources)."""

import yaml

# yaml.safe_load's loader, in C where libyaml is installed (PyYAML's wheels bring it): the data files here load
# in a few milliseconds instead of a third of a second, which the bot's start-up waits for.
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
