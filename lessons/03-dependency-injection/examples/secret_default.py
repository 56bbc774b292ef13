from typing import Literal, Self

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "clinic-development-secret-never-in-production"


class Careless(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLINIC_")

    environment: Literal["development", "production"] = "development"
    token_secret: str = DEVELOPMENT_SECRET


# --8<-- [start:careful]
class Careful(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLINIC_")

    environment: Literal["development", "production"] = "development"
    token_secret: SecretStr | None = None

    @model_validator(mode="after")
    def a_secret_of_its_own_in_production(self) -> Self:
        if self.environment == "production":
            if self.token_secret is None or not self.token_secret.get_secret_value():
                raise ValueError("CLINIC_TOKEN_SECRET is required in production")
            if self.token_secret.get_secret_value() == DEVELOPMENT_SECRET:
                raise ValueError("CLINIC_TOKEN_SECRET is the development secret")
        elif self.token_secret is None:
            self.token_secret = SecretStr(DEVELOPMENT_SECRET)
        return self
# --8<-- [end:careful]
