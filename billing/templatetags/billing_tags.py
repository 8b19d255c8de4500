from django import template

from billing.models import ReconciliationNote

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ counts|get_item:key }}``: dict lookup by a variable key."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def note_status_label(value):
    """``{{ r.note_status|note_status_label }}``: a note status code in the reader's language."""
    if value in ReconciliationNote.Status.values:
        return ReconciliationNote.Status(value).label
    return value or ""
