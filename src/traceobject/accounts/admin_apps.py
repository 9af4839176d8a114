"""The admin app with the staff admin site (imported at app loading: keep imports light)."""

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    default_site = "traceobject.accounts.admin_site.StaffAdminSite"
