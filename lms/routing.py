"""Every app's websocket routes, gathered for lms.asgi."""

from classrooms.routing import websocket_urlpatterns as classroom_routes

websocket_urlpatterns = [*classroom_routes]
