"""The monthly phases of :meth:`sandbox.model.SandboxModel.step`, one module each.

Every phase module has a function ``run(m)`` whose docstring's first line says what it reads and
writes, and module constants ``READS`` and ``WRITES`` that declare the same as data (checked by
``tests/test_phases.py``). Names in them: ``res.<column>`` a resident column, ``acc.<key>`` a key of
the month's row of flows (``acc.*``: all of them), ``levers.<group>`` levers of a group,
``teams.<attribute>`` / ``hospitals.<attribute>`` / ``fund.<attribute>`` an agent attribute, and a
bare name a model attribute.
"""

from . import care, experience, illness, payment, record, referral, settlement, signing

# the order in which SandboxModel.step() runs them
ORDER = (illness, signing, care, referral, payment, experience, settlement, record)

__all__ = ["ORDER", "care", "experience", "illness", "payment", "record", "referral", "settlement", "signing"]
