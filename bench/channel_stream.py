"""The message stream of bench_channels: one signed, protocol-true request per message of the
mix (CTI, WeChat, app, grid and its batches, Weibo, 110, website, CPPCC), from real texts."""
from __future__ import annotations

import base64
import csv
import json
import random
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from channels.security import sign  # noqa: E402

SECRETS = {"HOTLINE_CTI_SECRET": "bench-cti", "HOTLINE_WEIBO_SECRET": "bench-weibo",
           "HOTLINE_WECHAT_TOKEN": "bench-token", "HOTLINE_WECHAT_APP_ID": "wxbench0000000001",
           "HOTLINE_WECHAT_AES_KEY": base64.b64encode(b"b" * 32).decode().rstrip("="),
           "HOTLINE_WECHAT_APP_SECRET": "bench-app-secret",
           "HOTLINE_SIGNATURE_TOLERANCE_SECONDS": "600"}
# the mix: what share of messages each door carries
MIX = [("cti", 40), ("wechat", 18), ("app", 10), ("grid", 8), ("weibo", 5), ("110", 6),
       ("website", 6), ("cppcc", 2), ("grid_batch", 5)]
BATCH_SIZE = 20
JPEG = base64.b64encode(b"\xff\xd8\xff\xe0" + bytes(2048)).decode()


# ---------- the stream ----------

def texts() -> list[str]:
    with open(ROOT / "bench" / "data" / "taidi2020_unlabeled.csv", encoding="utf-8") as fh:
        return [r["text"][:1500] for r in csv.DictReader(fh) if r.get("text")][:3000]


class Stream:
    """Builds one signed, protocol-true request per message of the mix."""

    def __init__(self, keys: dict[str, str], villages: list[str], corpus: list[str]) -> None:
        from wechatpy.crypto import WeChatCrypto

        self.keys, self.villages, self.corpus = keys, villages, corpus
        self.crypto = WeChatCrypto(SECRETS["HOTLINE_WECHAT_TOKEN"],
                                   SECRETS["HOTLINE_WECHAT_AES_KEY"],
                                   SECRETS["HOTLINE_WECHAT_APP_ID"])
        self.rng = random.Random(12345)

    def _text(self) -> str:
        return self.rng.choice(self.corpus)

    def _signed(self, path: str, payload: dict, secret: str) -> dict:
        body = json.dumps(payload, ensure_ascii=False).encode()
        ts = str(int(time.time()))
        return {"url": path, "content": body, "headers": {
            "Content-Type": "application/json", "X-Timestamp": ts,
            "X-Signature": sign(SECRETS[secret], ts, body)}}

    def _keyed(self, path: str, channel: str, payload: dict) -> dict:
        return {"url": path, "json": payload, "headers": {"X-Api-Key": self.keys[channel]}}

    def _phone(self) -> str:
        return f"139{self.rng.randrange(10**8):08d}"

    def _grid_item(self) -> dict:
        return {"event_id": uuid.uuid4().hex, "reported_at": now(), "worker_id": "gw-1",
                "village_code": self.rng.choice(self.villages), "content": self._text(),
                "settled_on_spot": self.rng.random() < 0.2}

    def _wechat(self) -> dict:
        ts, nonce = str(int(time.time())), uuid.uuid4().hex[:8]
        xml = (f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA["
               f"o{uuid.uuid4().hex[:12]}]]></FromUserName><CreateTime>{ts}</CreateTime>"
               f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{self._text()}]]>"
               f"</Content><MsgId>{uuid.uuid4().int % 10**18}</MsgId></xml>")
        from wechatpy.utils import WeChatSigner

        signer = WeChatSigner()
        signer.add_data(SECRETS["HOTLINE_WECHAT_TOKEN"], ts, nonce)
        params = {"signature": signer.signature, "timestamp": ts, "nonce": nonce}
        # safe mode, as configured (SECRETS has the AES key): plaintext posts would be refused
        from defusedxml.ElementTree import fromstring

        env = fromstring(self.crypto.encrypt_message(xml, nonce, ts))
        params |= {"encrypt_type": "aes", "msg_signature": env.findtext("MsgSignature")}
        xml = f"<xml><Encrypt><![CDATA[{env.findtext('Encrypt')}]]></Encrypt></xml>"
        return {"url": "/api/v1/channels/wechat", "params": params, "content": xml.encode()}

    def make(self, kind: str) -> tuple[dict, int]:
        """One request and how many orders it carries."""
        t = self._text()
        if kind == "cti":
            line = self.rng.choice(["12345"] * 6 + ["12328", "12319"])
            return self._signed("/api/v1/channels/cti/calls", {
                "call_id": uuid.uuid4().hex, "line": line, "caller": self._phone(),
                "agent": "1024", "started_at": now(), "content": t}, "HOTLINE_CTI_SECRET"), 1
        if kind == "wechat":
            return self._wechat(), 1
        if kind == "weibo":
            return self._signed("/api/v1/channels/weibo/messages", {
                "id": uuid.uuid4().hex, "kind": "mention", "created_at": now(),
                "sender_id": "42", "text": t}, "HOTLINE_WEIBO_SECRET"), 1
        if kind == "app":
            with_photo = self.rng.random() < 0.3
            photos = [{"content_type": "image/jpeg", "data": JPEG}] if with_photo else []
            return self._keyed("/api/v1/channels/app/reports", "app", {
                "report_id": uuid.uuid4().hex, "user_id": "u1", "submitted_at": now(),
                "content": t, "latitude": 26.4, "longitude": 111.6, "photos": photos}), 1
        if kind == "grid":
            return self._keyed("/api/v1/channels/grid/events", "grid", self._grid_item()), 1
        if kind == "grid_batch":
            items = [self._grid_item() for _ in range(BATCH_SIZE)]
            return self._keyed("/api/v1/channels/grid/batches", "grid",
                               {"batch_id": uuid.uuid4().hex, "items": items}), BATCH_SIZE
        if kind == "110":
            return self._keyed("/api/v1/channels/110/incidents", "110", {
                "incident_no": uuid.uuid4().hex, "reported_at": now(), "caller": self._phone(),
                "content": t}), 1
        if kind == "website":
            return self._keyed("/api/v1/channels/website/letters", "website", {
                "letter_id": uuid.uuid4().hex, "submitted_at": now(), "phone": self._phone(),
                "content": t}), 1
        return self._keyed("/api/v1/channels/cppcc/items", "cppcc", {
            "item_id": uuid.uuid4().hex, "submitted_at": now(), "member_name": "委员",
            "content": t}), 1


def now() -> str:
    return datetime.now(UTC).isoformat()
