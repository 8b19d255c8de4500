from portal.shared.navigation import nav_for
from portal.shared.roles import ROLE_LABELS, user_roles


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_items": nav_for(user, request.path),
        "user_roles": [ROLE_LABELS[r] for r in sorted(user_roles(user))],
    }
