"""The channels' own settings (secrets, outbound URLs), read lazily from HOTLINE_* variables.

Kept apart from the core Settings so tests and deployments can change one channel's secret
without touching the rest; `get_channel_settings.cache_clear()` re-reads the environment.
A channel whose secret is not set answers 503 and stores nothing.
"""
from __future__ import annotations

from functools import lru_cache

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dispatch.city import DEFAULT_CITY, load_city


class ChannelSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    city: str = DEFAULT_CITY
    centre_name: str = Field("", description="how replies name the centre (default: city.toml's)")
    app_name: str = Field("", description="the city app's name (default: city.toml's app_name)")
    # body limits are the core's (dispatch.config: max_body_bytes, max_upload_body_bytes)
    signature_tolerance_seconds: int = 300    # HMAC timestamps older or newer than this: 401
    # hotline call centre (CTI) and Weibo relay: shared secrets for HMAC-SHA256
    cti_secret: str | None = None
    weibo_secret: str | None = None
    # WeChat official account
    wechat_token: str | None = None
    wechat_aes_key: str | None = None         # EncodingAESKey (43 chars): enables safe mode
    wechat_app_id: str | None = None
    wechat_app_secret: str | None = None
    wechat_api_base: str = "https://api.weixin.qq.com/cgi-bin/"
    wechat_query_menu_key: str = Field("QUERY_ORDER", description="the EventKey of the account's "
                                       "查询 menu button (a CLICK button): answers the sender's "
                                       "most recent orders")
    # 110: where results of handed-over incidents go, where our hand-overs go, our credential there
    police_result_url: str | None = None
    police_handover_url: str | None = None
    police_outbound_token: str | None = None
    # citizen notifications
    sms_gateway_url: str | None = None
    sms_gateway_key: str | None = None
    app_push_url: str | None = None
    app_push_secret: str | None = None
    outbound_timeout_seconds: float = 5.0
    public_url: str = Field("", description="the centre's public address, e.g. https://12345.example.cn: "
                            "the closure notice links to its rating page (no link while unset)")
    repeat_window_days: int = 30              # "recent" orders of a repeat caller

    @model_validator(mode="after")
    def _names_from_the_city(self) -> "ChannelSettings":
        city = load_city(self.city)
        self.centre_name = self.centre_name or city.centre_name
        self.app_name = self.app_name or city.app_name
        return self


@lru_cache
def get_channel_settings() -> ChannelSettings:
    return ChannelSettings()
