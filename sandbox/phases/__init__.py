"""The monthly phases of :meth:`sandbox.model.SandboxModel.step`, one module each."""

from .care import care_seeking
from .illness import illness
from .payment import payment
from .record import record
from .referral import referral
from .settlement import settlement
from .signing import signing

__all__ = ["illness", "signing", "care_seeking", "referral", "payment", "settlement", "record"]
