"""No mainland mobile number in clear in any log line: a logging filter masks them (138****5678).

It is installed on the root, `uvicorn`, `uvicorn.error` and `uvicorn.access` loggers and on their handlers (a
logger's own filters do not see records propagated from its children; its handlers do). It rewrites the message
and its arguments in place, so uvicorn's access formatter still gets its five arguments.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

# 11 digits starting 13-19, alone (not part of a longer number), with an optional +86/86 prefix and the
# separators a person or a URL puts in a number: '13812345678', '138 1234 5678', '138-1234-5678',
# '138%201234%205678', '%2B8613812345678'.
_SEP = r"(?:\s|-|%20|\+)?"
MOBILE = re.compile(rf"(?<![0-9])(?:(?:\+|%2B)?86{_SEP})?(1[3-9][0-9]){_SEP}([0-9]{{4}}){_SEP}([0-9]{{4}})(?![0-9])")
LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access")


def mask_mobiles(text: str) -> str:
    return MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_mobiles(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    text = str(value)
    masked = mask_mobiles(text)
    return value if masked == text else masked


class MaskMobiles(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_mobiles(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_masked(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _masked(arg) for key, arg in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_mobiles(record.exc_text)
        return True


MASK = MaskMobiles()


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration with the mask on each of its handlers (for `lianmeng serve`)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"mask_mobiles": {"()": "lianmeng.kit.logmask.MaskMobiles"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["mask_mobiles"]
    return config


def install() -> None:
    """Mask mobiles on the loggers that write our lines and on their handlers (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if MASK not in logger.filters:
            logger.addFilter(MASK)
        for handler in logger.handlers:
            if MASK not in handler.filters:
                handler.addFilter(MASK)
