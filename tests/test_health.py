"""/healthz: what a load balancer or a monitor asks."""

from django.db import OperationalError


def test_healthy_when_the_database_and_the_index_answer(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    report = response.json()
    assert {key: report[key] for key in ("status", "database", "index")} == {
        "status": "ok",
        "database": "ok",
        "index": "ok",
    }
    assert report["node"]["unapplied_changes"] == 0 and report["node"]["name"]
    assert "Cookie" not in response.get("Vary", "") and not response.cookies
    assert "no-cache" in response["Cache-Control"]


def test_unavailable_without_an_index(client, db, search_index):
    (search_index / "current").unlink()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert "rebuild_index" in response.json()["index"]


def test_unavailable_without_the_database(client, db, monkeypatch):
    from django.db.backends.base.base import BaseDatabaseWrapper

    def refuse(self):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patched:
        patched.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable (OperationalError)"
