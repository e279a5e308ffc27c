"""JSON responses rendered with orjson: several times faster than the standard library's encoder on our bodies,
and byte-for-byte the same compact JSON as Starlette's JSONResponse (no spaces, Chinese unescaped as UTF-8)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import JSONResponse

OPTIONS = orjson.OPT_NON_STR_KEYS  # json.dumps turns int keys into strings too


class FastJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content, option=OPTIONS)
        except orjson.JSONEncodeError:  # what orjson does not take (an integer beyond 64 bits): the standard way
            return super().render(content)
