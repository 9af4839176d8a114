from django.contrib import admin

from traceobject.accounts.models import StaffProfile

admin.site.register(StaffProfile)
