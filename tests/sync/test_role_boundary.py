"""The edge is a process that cannot reach the evidence, the triage store or the back office:
started as the edge and driven through every public page and API, it has loaded none of their
modules and has no setting for the private key or the evidence store."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.sync.nodes import REPO

FORBIDDEN = (
    "traceobject.evidence", "traceobject.routing", "traceobject.clues", "traceobject.geo",
    "traceobject.internal", "traceobject.accounts", "traceobject.audit", "traceobject.exports",
    "traceobject.vision", "traceobject.search", "traceobject.demo", "traceobject.tips.services",
    "traceobject.tips.analysis", "traceobject.tips.tasks", "traceobject.tips.clustering",
    "traceobject.tips.retention", "traceobject.tips.selectors", "traceobject.catalog.services",
    "traceobject.catalog.staff_selectors", "traceobject.sync.core", "traceobject.api.internal",
    "django_otp", "django_tasks",
)
# (Django's own admin package is imported, not installed, by django-stubs-ext's type patch,
# and the test client imports the session machinery; neither is an app of the edge.)

SCRIPT = r'''
import json, sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from django.conf import settings
from django.test import Client
from nacl.public import PrivateKey
from traceobject.catalog.models import ObjectText, TracedObject

key = PrivateKey.generate()
obj = TracedObject.objects.create(ref="TAO-2026-0007", category="packaging",
                                  status="published", origin="core",
                                  intake_key=bytes(key.public_key).hex())
ObjectText.objects.create(object=obj, language="en", title="Shop bag")
c = Client()
seen = {}
for url in ["/en/", "/de/", "/en/objects/TAO-2026-0007/", "/en/objects/TAO-2026-0007/tip/",
            "/en/mailbox/", "/en/identified/", "/en/statistics/", "/en/privacy/", "/healthz",
            "/api/v1/objects", "/api/v1/objects/TAO-2026-0007", "/api/v1/openapi.json",
            "/internal/", "/internal/admin/", "/api/internal/v1/tips", "/en/nothing/"]:
    seen[url] = c.get(url).status_code
r = c.post("/api/v1/objects/TAO-2026-0007/tips", {"text": "Sold in Poznan"},
           content_type="application/json")
seen["tip"] = r.status_code
receipt = r.json()["receipt"]
seen["mailbox"] = c.get("/api/v1/mailbox", HTTP_X_RECEIPT=receipt).status_code
seen["reply"] = c.post("/api/v1/mailbox/replies", {"text": "More"},
                       content_type="application/json", HTTP_X_RECEIPT=receipt).status_code
page = c.get("/en/objects/TAO-2026-0007/tip/")
import re
html = page.content.decode()
token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
once = re.search(r'name="form_token" value="([^"]+)"', html).group(1)
seen["form"] = c.post("/en/objects/TAO-2026-0007/tip/",
                      {"csrfmiddlewaretoken": token, "form_token": once,
                       "text": "At a market stall"}).status_code
seen["sync"] = c.post("/sync/v1/", b"{}", content_type="application/json").status_code
print("RESULT " + json.dumps({
    "status": seen,
    "modules": sorted(m for m in sys.modules if m.startswith(("traceobject", "django"))),
    "settings": {name: hasattr(settings, name) for name in (
        "INTAKE_PRIVATE_KEY_FILE", "INTAKE_PUBLIC_KEY_FILE")},
    "storages": sorted(settings.STORAGES),
    "apps": list(settings.INSTALLED_APPS),
}))
'''


def test_an_edge_process_loads_nothing_of_the_core(tmp_path):
    env = {"TRACEOBJECT_ROLE": "edge", "TRACEOBJECT_HOME": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "traceobject.settings", "PYTHONPATH": str(REPO),
           "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-4000:]
    result = json.loads(lines[-1][7:])
    status = result["status"]
    # The public side works...
    for url in ("/en/", "/de/", "/en/objects/TAO-2026-0007/", "/en/objects/TAO-2026-0007/tip/",
                "/en/mailbox/", "/en/statistics/", "/healthz", "/api/v1/objects",
                "/api/v1/objects/TAO-2026-0007", "/api/v1/openapi.json", "mailbox"):
        assert status[url] == 200, (url, status[url])
    assert status["tip"] == 201 and status["reply"] in (201, 204), status
    assert status["form"] == 303, status  # post/redirect/get to the receipt page
    # ...nothing internal is routed, and the sync endpoint wants a signed message.
    for url in ("/internal/", "/internal/admin/", "/api/internal/v1/tips", "/en/nothing/"):
        assert status[url] == 404, (url, status[url])
    assert status["sync"] == 403
    loaded = [m for m in result["modules"] if m.startswith(FORBIDDEN)]
    assert loaded == [], f"the edge loaded core modules: {loaded}"
    assert result["settings"] == {"INTAKE_PRIVATE_KEY_FILE": False,
                                  "INTAKE_PUBLIC_KEY_FILE": False}
    assert "evidence" not in result["storages"]
    assert not any(app.startswith(FORBIDDEN) for app in result["apps"]), result["apps"]
