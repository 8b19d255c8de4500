"""What a sync counted: one type for every Partner Center sync (customers, subscriptions, orders,
entitlements, invoices). A sync with more to say subclasses it with its own counters and lead."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


@dataclass(kw_only=True)
class SyncCounts:
    created: int = 0  # new in the mirror
    updated: int = 0  # changed
    unchanged: int = 0
    gone: int = 0  # no longer listed by Partner Center (marked inactive)
    skipped: list[str] = field(default_factory=list)  # records that do not fit, reported

    def __add__(self, other: SyncCounts) -> SyncCounts:
        """Counters and lists add up; anything else (a market, a view) is kept from the left."""
        if type(other) is not type(self):
            return NotImplemented
        values = {}
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            summable = isinstance(mine, (int, float, list)) and not isinstance(mine, bool)
            values[f.name] = mine + theirs if summable else mine
        return type(self)(**values)

    def lead(self) -> str:
        """The sentence before the skipped records; subclasses say what they counted."""
        return _("%(new)d new, %(updated)d updated, %(gone)d no longer listed") % {
            "new": self.created,
            "updated": self.updated,
            "gone": self.gone,
        }

    def skipped_text(self) -> str:
        """ "; 2 skipped: <the first>" or nothing."""
        if not self.skipped:
            return ""
        return ngettext(
            "; %(n)d skipped: %(first)s", "; %(n)d skipped: %(first)s", len(self.skipped)
        ) % {"n": len(self.skipped), "first": self.skipped[0]}

    def summary(self) -> str:
        """The user's sentence: what changed, then how many records were skipped and the first."""
        return self.lead() + self.skipped_text()

    def __str__(self) -> str:
        return self.summary()
