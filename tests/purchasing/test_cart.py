"""Cart service against the sandbox: validation, PC cart create/update/remove, groups, expiry."""

from __future__ import annotations

import pytest

from portal.shared.errors import PortalError
from purchasing.models import Cart
from purchasing.services.cart import CartValidationError, cart_remove_line, cart_update_line
from tests.purchasing.conftest import WINDOWS, add_line


def test_add_line_creates_partner_center_cart_with_order_group(world, sales_user, sandbox):
    line = add_line(world["contoso"], sales_user)
    cart = line.cart
    cart.refresh_from_db()
    assert cart.pc_cart_id and cart.in_step
    assert line.order_group == "0" and line.pc_line_id == 0 and not line.error_code
    pc_cart = sandbox.client().get_cart(str(world["contoso"].tenant_id), cart.pc_cart_id)
    assert [(li.catalog_item_id, li.quantity) for li in pc_cart.line_items] == [
        (line.catalog_item_id, 2)
    ]


def test_quantity_outside_sku_limits_is_refused_in_words(world, sales_user):
    with pytest.raises(CartValidationError) as err:
        add_line(world["contoso"], sales_user, title=WINDOWS, quantity=1)
    assert "Quantity must be between 8 and 500" in err.value.errors["quantity"][0]
    assert not Cart.objects.exists()


def test_update_and_remove_lines_follow_in_partner_center(world, sales_user, sandbox):
    first = add_line(world["contoso"], sales_user)
    second = add_line(world["contoso"], sales_user, title=WINDOWS, quantity=8)
    cart_update_line(line=first, user=sales_user, quantity=5)
    cart = Cart.objects.get()
    pc = sandbox.client().get_cart(str(world["contoso"].tenant_id), cart.pc_cart_id)
    assert sorted(li.quantity for li in pc.line_items) == [5, 8]
    with pytest.raises(CartValidationError):
        cart_update_line(line=second, user=sales_user, quantity=501)
    cart_remove_line(line=first, user=sales_user)
    pc = sandbox.client().get_cart(str(world["contoso"].tenant_id), cart.pc_cart_id)
    assert [li.catalog_item_id for li in pc.line_items] == [second.catalog_item_id]
    from portal.models import AuditEvent

    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert {"cart.line_added", "cart.line_changed", "cart.line_removed"} <= set(actions)


def test_reservation_needs_registered_subscription_and_scope(world, sales_user):
    from portal.models import AzureSubscription

    legacy = AzureSubscription.objects.get(customer=world["contoso"], offer_id="MS-AZR-0145P")
    title = "App Service, Premium v3 P1v3, US East, 3 Years"
    with pytest.raises(CartValidationError) as err:
        add_line(world["contoso"], sales_user, title=title, quantity=1, context={})
    assert "Azure subscription is required" in err.value.errors["ctx_subscriptionid"][0]
    with pytest.raises(CartValidationError) as err:
        add_line(world["contoso"], sales_user, title=title, quantity=1,
                 context={"subscriptionId": str(legacy.subscription_id), "scope": "shared",
                          "duration": "3Year"})  # fmt: skip
    assert "not registered for Azure reservations" in err.value.errors["ctx_subscriptionid"][0]
    plan = AzureSubscription.objects.get(customer=world["contoso"], registration_state="registered")
    line = add_line(world["contoso"], sales_user, title=title, quantity=1, scope="AzurePlan",
                    context={"subscriptionId": str(plan.subscription_id), "scope": "shared",
                             "duration": "3Year"})  # fmt: skip
    assert line.order_group == "0" and not line.error_code


def test_vm_reservation_requires_a_passing_inventory_check(world, sales_user):
    from portal.models import AzureSubscription

    plan = AzureSubscription.objects.get(customer=world["contoso"], registration_state="registered")
    title = "Reserved VM Instance, Standard_D2s_v3, US East, 1 Year"
    context = {"subscriptionId": str(plan.subscription_id), "scope": "single", "duration": "1Year"}
    with pytest.raises(CartValidationError) as err:
        add_line(
            world["contoso"],
            sales_user,
            title=title,
            quantity=1,
            context=context,
            scope="AzurePlan",
        )
    assert "inventory check" in err.value.errors["__all__"][0]


def test_expired_partner_center_cart_is_recreated_transparently(world, sales_user, sandbox):
    from purchasing.services.checkout import checkout_submit

    sandbox.configure(cart_ttl=60)
    line = add_line(world["contoso"], sales_user)
    old_id = Cart.objects.get().pc_cart_id
    sandbox.advance_clock(120)
    cart_update_line(line=line, user=sales_user, quantity=3)
    cart = Cart.objects.get()
    assert cart.pc_cart_id != old_id and cart.in_step
    sandbox.advance_clock(120)  # expire again, then check out straight away
    checkout = checkout_submit(cart_id=cart.pk, user=sales_user)
    assert checkout.state == "submitted"
    assert checkout.orders.get().lines.get().quantity == 3


def test_closed_cart_cannot_be_edited(world, sales_user):
    from purchasing.services.checkout import checkout_submit

    line = add_line(world["contoso"], sales_user)
    checkout_submit(cart_id=line.cart_id, user=sales_user)
    with pytest.raises(PortalError):
        cart_update_line(line=line, user=sales_user, quantity=4)
