"""SLA settings, read from the environment (prefix HOTLINE_SLA_) when first asked for."""
from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

from sla.escalation import EscalationSettings


class SlaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_SLA_", env_file=".env", extra="ignore")

    tick_seconds: int = 60              # how often the escalation job runs (or is enqueued)
    reconcile_minutes: int = 10         # how often KPI facts left behind by a failure are redone
    reconcile_lookback_hours: int = 48  # besides open orders: orders received or closed this recently
    chase_fraction: float = 0.25
    chase_lead_hours: float = 4
    criticise_after_working_days: float = 5

    @property
    def escalation(self) -> EscalationSettings:
        return EscalationSettings(chase_fraction=self.chase_fraction,
                                  chase_lead=timedelta(hours=self.chase_lead_hours),
                                  criticise_after_working_days=self.criticise_after_working_days)


@lru_cache
def get_sla_settings() -> SlaSettings:
    return SlaSettings()
