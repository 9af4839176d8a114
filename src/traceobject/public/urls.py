from django.urls import path

from traceobject.public import views, views_site

app_name = "public"

urlpatterns = [
    path("", views.gallery, name="gallery"),
    path("objects/<str:ref>/", views.object_detail, name="object"),
    path("objects/<str:ref>/tip/", views.tip_form, name="tip"),
    path("receipt/<str:handle>/", views.receipt, name="receipt"),
    path("mailbox/", views.mailbox, name="mailbox"),
    path("mailbox/reply/", views.mailbox_reply, name="mailbox-reply"),
    path("mailbox/<str:handle>/", views.mailbox_open, name="mailbox-open"),
    path("identified/", views.identified, name="identified"),
    path("statistics/", views.statistics, name="statistics"),
    path("privacy/", views_site.privacy, name="privacy"),
    path("about/", views_site.about, name="about"),
    path("emergency/", views_site.emergency, name="emergency"),
    path("feed.atom", views_site.feed, name="feed"),
    path("embed/", views_site.embed, name="embed"),
]
