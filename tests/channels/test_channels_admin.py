"""Client keys, the registry listing and the delivery log, for administrators and staff."""
from __future__ import annotations

import channels_support  # noqa: F401  the channels' environment (app name, secrets)
from sqlmodel import select

from channels.models import ChannelClient
from tests.conftest import wait_until
from tests.helpers import auth, new_call


def test_only_admins_create_keys_and_the_key_is_shown_once_stored_hashed(client, tokens,
                                                                         session):
    body = {"channel": "app", "name": "城市App 生产"}
    assert client.post("/api/v1/channels/clients", json=body,
                       headers=auth(tokens["city_dispatcher"])).status_code == 403
    r = client.post("/api/v1/channels/clients", json=body, headers=auth(tokens["admin"]))
    assert r.status_code == 201
    key = r.json()["api_key"]
    session.expire_all()
    row = session.exec(select(ChannelClient).where(ChannelClient.id == r.json()["id"])).one()
    assert key not in (row.key_hash, row.key_id) and row.key_hash != ""
    listed = client.get("/api/v1/channels/clients", headers=auth(tokens["admin"])).json()
    assert all("api_key" not in c for c in listed)


def test_keys_exist_only_for_channels_that_use_them(client, tokens):
    r = client.post("/api/v1/channels/clients", json={"channel": "wechat", "name": "x"},
                    headers=auth(tokens["admin"]))
    assert r.status_code == 422 and "does not use API keys" in r.json()["message"]


def test_registry_lists_every_door_with_its_endpoint_and_auth(client, tokens):
    rows = {c["name"]: c for c in client.get("/api/v1/channels",
                                             headers=auth(tokens["admin"])).json()}
    assert set(rows) == {"cti", "police", "wechat", "weibo", "app", "grid", "website", "cppcc",
                         "open311"}
    assert rows["open311"]["endpoint"] == "/open311/v2/requests.{format}"
    assert rows["cti"]["channels"] == ["12345", "12328", "12319"]
    assert rows["wechat"]["endpoint"] == "/api/v1/channels/wechat"
    assert rows["app"]["label"] == "我的永州" and rows["app"]["auth"] == "api_key"
    assert rows["weibo"]["configured"] is True


def test_delivery_log_is_for_staff_who_see_the_order(client, tokens):
    oid = new_call(client, tokens["county_operator"])["order_id"]
    r = client.get("/api/v1/channels/deliveries", params={"order_id": oid},
                   headers=auth(tokens["village_handler"]))
    assert r.status_code == 403
    outside = client.get("/api/v1/channels/deliveries", params={"order_id": oid},
                         headers=auth(tokens["dept_handler"]))
    assert outside.status_code == 403

    def city_log():
        r = client.get("/api/v1/channels/deliveries", params={"order_id": oid},
                       headers=auth(tokens["city_operator"]))
        return r.status_code == 200 and r.json()
    # the acceptance notice is planned by the routing job, which may run in another process
    assert wait_until(city_log, timeout=30)[0]["kind"] == "accepted"


def test_cli_creates_a_working_key_and_revokes_it(client, capsys, seeded):
    from channels.cli import main

    main(["create-key", "--channel", "website", "--name", "市长信箱（CLI）"])
    out = capsys.readouterr().out
    key = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("X-Api-Key"))
    client_id = int(out.split()[1])
    letter = {"letter_id": f"cli-{client_id}", "submitted_at": "2025-03-01T08:00:00+08:00",
              "content": "CLI 建的密钥能用"}
    ok = client.post("/api/v1/channels/website/letters", json=letter, headers={"X-Api-Key": key})
    assert ok.status_code == 201
    main(["list-keys"])
    assert f"hk_{key.split('_')[1]}_…" in capsys.readouterr().out
    main(["revoke-key", str(client_id)])
    refused = client.post("/api/v1/channels/website/letters", json=letter,
                          headers={"X-Api-Key": key})
    assert refused.status_code == 401
