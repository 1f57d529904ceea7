from django.urls import path

from cxq.scim import protocol, views

app_name = "scim"

urlpatterns = [
    path("admin/scim/", views.tokens, name="tokens"),
    path("admin/scim/<uuid:uuid>/revoke/", views.token_revoke, name="token_revoke"),
    path("scim/v2/Users", protocol.users, name="users"),
    path("scim/v2/Users/.search", protocol.users_search, name="users_search"),
    path("scim/v2/Users/<str:resource_id>", protocol.user, name="user"),
    path("scim/v2/Groups", protocol.groups, name="groups"),
    path("scim/v2/Groups/.search", protocol.groups_search, name="groups_search"),
    path("scim/v2/Groups/<str:resource_id>", protocol.group, name="group"),
    path("scim/v2/ServiceProviderConfig", protocol.service_provider_config, name="service_provider_config"),
    path("scim/v2/Schemas", protocol.schemas, name="schemas"),
    path("scim/v2/Schemas/<str:schema_id>", protocol.schemas, name="schema"),
    path("scim/v2/ResourceTypes", protocol.resource_types, name="resource_types"),
    path("scim/v2/ResourceTypes/<str:name>", protocol.resource_types, name="resource_type"),
    path("scim/v2/<path:rest>", protocol.unsupported, name="unsupported"),
]
