import pytest


@pytest.mark.django_db
def test_pages_render(client, published):
    for url in ["/en/", f"/en/objects/{published.ref}/", f"/en/objects/{published.ref}/tip/",
                "/en/mailbox/", "/en/identified/", "/en/statistics/", "/en/privacy/"]:
        response = client.get(url)
        assert response.status_code == 200, url
