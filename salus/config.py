"""One typed settings object (pydantic-settings); every value can come from ``SALUS_*``."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///salus.db"


class Settings(BaseSettings):
    """Salus settings: ``SALUS_DATABASE_URL``, ``SALUS_SUPPRESSION_THRESHOLD``…"""

    model_config = SettingsConfigDict(env_prefix="SALUS_")

    database_url: str = DEFAULT_DATABASE_URL
    suppression_threshold: int = 5
    language: str = "en"


def settings() -> Settings:
    return Settings()
