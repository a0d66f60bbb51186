"""Django's TextChoices, declared so that mypy sees what it is: an enum whose members are str.

mypy reads Django as untyped (the project runs it without django-stubs, whose plugin reports
dozens of unrelated errors here), so in `class Kind(models.TextChoices)` a member such as
`CREDIT = "credit", "Credit"` would read as a `tuple[str, str]`. At run time this module hands
out Django's own class unchanged; only the type checker reads the declaration below.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:

    class TextChoices(enum.StrEnum):
        """What Django's metaclass makes of a TextChoices subclass, as far as this code uses it."""

        choices: ClassVar[list[tuple[str, str]]]
        labels: ClassVar[list[str]]
        names: ClassVar[list[str]]
        values: ClassVar[list[str]]

        @property
        def label(self) -> str: ...

else:
    from django.db.models import TextChoices

__all__ = ["TextChoices"]
