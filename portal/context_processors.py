from portal.navigation import nav_for
from portal.roles import user_roles


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_items": nav_for(user, request.path),
        "user_roles": sorted(r.value for r in user_roles(user)),
    }
