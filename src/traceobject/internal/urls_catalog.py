"""Back-office URLs of the catalogue; internal/urls.py adds them to the "internal" namespace."""

from django.urls import URLPattern, path

from traceobject.internal import views_catalog as views

_OBJ = "objects/<str:ref>/"

urlpatterns: list[URLPattern] = [
    path("objects/", views.object_list, name="objects"),
    path("objects/new/", views.object_new, name="object-new"),
    path(_OBJ, views.object_detail, name="object"),
    path(_OBJ + "texts/", views.object_texts, name="object-texts"),
    path(_OBJ + "settings/", views.object_settings, name="object-settings"),
    path(_OBJ + "images/", views.object_image_upload, name="object-image-upload"),
    path(_OBJ + "images/<int:pk>/<int:width>.jpg", views.object_image, name="object-image"),
    path(_OBJ + "images/<int:pk>/remove/", views.object_image_remove,
         name="object-image-remove"),
    path(_OBJ + "images/<int:pk>/move/", views.object_image_move, name="object-image-move"),
    path(_OBJ + "submit/", views.object_submit, name="object-submit"),
    path(_OBJ + "approve/", views.object_approve, name="object-approve"),
    path(_OBJ + "reject/", views.object_reject, name="object-reject"),
    path(_OBJ + "withdraw/", views.object_withdraw, name="object-withdraw"),
    path(_OBJ + "identified/", views.object_identified, name="object-identified"),
    path("review/", views.review_queue, name="review-queue"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_new, name="campaign-new"),
    path("campaigns/<slug:slug>/", views.campaign_edit, name="campaign"),
    path("campaigns/<slug:slug>/launch/", views.campaign_launch, name="campaign-launch"),
    path("campaigns/<slug:slug>/end/", views.campaign_end, name="campaign-end"),
    path("campaigns/<slug:slug>/move/", views.campaign_move, name="campaign-move"),
]
