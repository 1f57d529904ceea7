import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxq.settings")
application = get_wsgi_application()

# each web worker loads this module once: what it loaded stays out of the collector's walks
# (docs/performance.md#pauses-of-the-garbage-collector)
from cxq.lib.gc import freeze_startup  # noqa: E402

freeze_startup()
