"""The cart badge in the navigation: lines in the open carts the user started."""

from portal.roles import Role, has_role


def cart(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not has_role(user, Role.SALES):
        return {}
    from purchasing.selectors import cart_line_count, unread_notifications

    return {
        "cart_line_count": cart_line_count(user),
        "purchasing_notifications": list(unread_notifications(user)[:5]),
    }
