"""Every channel adapter, listed explicitly: adding a door means adding a line here."""
from __future__ import annotations

from channels.adapters.app import AppAdapter
from channels.adapters.grid import GridAdapter
from channels.adapters.hotline import CtiAdapter
from channels.adapters.open311 import Open311Adapter
from channels.adapters.police import PoliceAdapter
from channels.adapters.web import CppccAdapter, WebsiteAdapter
from channels.adapters.wechat import WeChatAdapter
from channels.adapters.weibo import WeiboAdapter
from channels.base import ChannelAdapter

cti = CtiAdapter()
police = PoliceAdapter()
wechat = WeChatAdapter()
weibo = WeiboAdapter()
app = AppAdapter()
grid = GridAdapter()
website = WebsiteAdapter()
cppcc = CppccAdapter()
open311 = Open311Adapter()

REGISTRY: dict[str, ChannelAdapter] = {a.name: a for a in (cti, police, wechat, weibo, app, grid,
                                                           website, cppcc, open311)}


def get_adapter(name: str) -> ChannelAdapter:
    return REGISTRY[name]
