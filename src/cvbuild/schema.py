"""The profile's JSON Schema, generated from the Pydantic models."""

from __future__ import annotations

from typing import Any

from cvbuild.model import Profile

SCHEMA_ID = "https://github.com/cvbuild/cvbuild/schema/profile.schema.json"


def profile_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) a profile must match, with every field described."""
    schema = Profile.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
