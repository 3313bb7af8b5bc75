"""Every unit's question declarations (modules uNN_*.py); importing this package registers them all."""

import importlib
import pkgutil

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("u")):
    importlib.import_module(f"{__name__}.{_module}")
