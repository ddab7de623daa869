from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/classes/<int:classroom_id>/", consumers.ClassroomConsumer.as_asgi()),
    path("ws/sessions/<int:session_id>/", consumers.LiveSessionConsumer.as_asgi()),
]
