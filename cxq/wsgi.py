import os

from django.core.wsgi import get_wsgi_application

from cxq.lib.gc import freeze_startup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxq.settings")
application = get_wsgi_application()

# each web worker loads this module once: what it loaded stays out of the collector's walks
# (docs/performance.md#pauses-of-the-garbage-collector)
freeze_startup()
