from django.urls import path

from cxq.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="list"),
    path("new/", views.endpoint_new, name="new"),
    path("<uuid:uuid>/", views.endpoint_detail, name="detail"),
    path("<uuid:uuid>/test/", views.endpoint_test, name="test"),
    path("<uuid:uuid>/delete/", views.endpoint_delete, name="delete"),
    path("deliveries/<uuid:uuid>/resend/", views.delivery_resend, name="resend"),
]
