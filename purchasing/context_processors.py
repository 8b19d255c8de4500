"""Navigation badges: lines in the open carts the user started (sales), and the user's unread
in-portal notifications (everyone signed in; the bell in the top bar)."""

from portal.shared.roles import Role, has_role
from purchasing.selectors import cart_line_count, unread_notifications


def cart(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    unread = unread_notifications(user)
    context = {
        # One COUNT per page; the list itself is lazy (queried only by a template that shows it).
        "purchasing_notification_count": unread.count(),
        "purchasing_notifications": unread.order_by("-created_at", "-id")[:5],
    }
    if has_role(user, Role.SALES):
        context["cart_line_count"] = cart_line_count(user)
    return context
