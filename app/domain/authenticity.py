"""Which webhooks are authentic: the instance, token and owner a body names, against the deployment's.

Uazapi signs nothing. What proves a body comes from one of our instances is the instance
token it carries (``token``, the secret Uazapi also expects on every call), for the instance
it names (``instanceName``), and the business number it names (``owner``). The rule is pure:
the parser reads those three fields into a :class:`WebhookOrigin`, the container builds the
:class:`Authenticity` from the settings, and :meth:`Authenticity.check` says yes or no with a
reason that names the instance, never a token.

With no instance configured (the offline default, the simulator) every body is authentic.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from app.domain.messages import mask_digit_runs, mask_phone
from app.domain.validation import clip

ANY_INSTANCE = "*"  # one token configured without an instance name: it speaks for any name
AUTH_SOURCE = "auth"  # the dead-letter source of bodies rejected as not authentic


@dataclass(frozen=True, slots=True)
class WebhookOrigin:
    """Where a body says it comes from. ``message``: the event is a new message (not a receipt…)."""

    instance: str = ""
    owner: str = ""
    token: str = field(default="", repr=False)
    message: bool = False


@dataclass(frozen=True, slots=True)
class Instance:
    """One Uazapi instance the deployment serves: its name, token and (optionally) owner number."""

    name: str
    token: str = field(repr=False)
    owner: str = ""


@dataclass(frozen=True, slots=True)
class Verdict:
    authentic: bool
    reason: str = ""
    instance: str = ""


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison (any text: bytes, so non-ASCII input cannot raise)."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


@dataclass(frozen=True, slots=True)
class Authenticity:
    instances: tuple[Instance, ...] = ()

    @property
    def enabled(self) -> bool:
        return bool(self.instances)

    def instance(self, name: str) -> Instance | None:
        for candidate in self.instances:
            if candidate.name == name:
                return candidate
        return next((i for i in self.instances if i.name == ANY_INSTANCE), None)

    def check(self, origin: WebhookOrigin | None) -> Verdict:
        """Whether a body with this origin may act. ``None``: the body's origin could not be read."""
        if not self.enabled:
            return Verdict(True, "no instance token configured", origin.instance if origin else "")
        if origin is None:
            return Verdict(False, "webhook rejected: its instance and token cannot be read")
        name = mask_digit_runs(clip(origin.instance or "(none)", 64))  # a number is named masked
        configured = self.instance(origin.instance)
        if configured is None:
            return Verdict(False, f"webhook rejected: unknown instance {name!r}", name)
        if not origin.token:
            return Verdict(False, f"webhook rejected: no token for instance {name!r}", name)
        if not _same(origin.token, configured.token):
            return Verdict(False, f"webhook rejected: wrong token for instance {name!r}", name)
        if configured.owner and (origin.owner or origin.message) and origin.owner != configured.owner:
            given = mask_digit_runs(clip(origin.owner, 30)) if origin.owner else "no owner"
            return Verdict(
                False,
                f"webhook rejected: instance {name!r} names owner {given!r}, "
                f"not {mask_phone(configured.owner)!r}",
                name,
            )
        return Verdict(True, f"authentic webhook of instance {name!r}", name)
