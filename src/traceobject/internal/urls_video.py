"""Back-office URLs of video evidence; internal/urls.py adds them to the "internal"
namespace."""

from django.urls import URLPattern, path

from traceobject.internal import views_video as views

urlpatterns: list[URLPattern] = [
    path("videos/<int:pk>/", views.video_detail, name="video"),
    path("videos/<int:pk>/frames/<int:number>.jpg", views.video_frame, name="video-frame"),
    path("videos/<int:pk>/capture/", views.video_capture, name="video-capture"),
]
