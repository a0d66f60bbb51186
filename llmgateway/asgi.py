"""ASGI entry point: HTTP through Django (the billed model endpoints through the ASGI front),
WebSocket through Channels (`/v1/ws`)."""

import os

from django.conf import settings
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "llmgateway.settings")

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from llmgateway.asgi_threads import SharedThreadForAsyncViews, async_view_paths  # noqa: E402
from llmgateway.routing import websocket_urlpatterns  # noqa: E402
from llmgateway.static_cors import SdkStaticCorsMiddleware  # noqa: E402
from proxy.transports.asgi_front import BilledEndpointsFront  # noqa: E402
from proxy.urls import urlpatterns as gateway_urlpatterns  # noqa: E402

platform = ProtocolTypeRouter(
    {
        # /static/ (admin, dashboard, the browser SDK) is answered from the app's static folders
        # so that the ASGI server alone is the whole platform; every other path goes straight to
        # Django. A CDN or reverse proxy in front can take /static/ over (docs/operations.md).
        "http": SdkStaticCorsMiddleware(
            ASGIStaticFilesHandler(
                # The OpenAI-compatible endpoints (proxy/urls.py, every one an async view).
                SharedThreadForAsyncViews(
                    django_asgi_app, paths=async_view_paths(gateway_urlpatterns)
                )
            )
        ),
        "websocket": URLRouter(websocket_urlpatterns),
    }
)
# The billed model endpoints skip Django's handler under a real server
# (proxy/transports/asgi_front.py).
application = BilledEndpointsFront(platform) if settings.GATEWAY_ASGI_FRONT else platform
