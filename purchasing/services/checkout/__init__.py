"""Checkout: review (re-validation, duplicates, approval rules), submit, reconcile, group retry.

Modules: ``review`` (what the review page shows), ``submit`` (the one checkout row, the approval
gate, the first call), ``outcome`` (recording failed / unknown / ordered), ``recovery`` (reconcile,
group retry), ``approval`` (deciding), ``transitions`` (every state change: ``checkout_transition``
updates, audits and refreshes in one place; ``checkout_claim`` for workers).

The state machine (``Checkout.State``)::

    draft ─┬─> awaiting_approval ─> (approved) draft ─> submitting | rejected
           └─> submitting ─┬─> submitted | partially_submitted | failed
                           └─> outcome_unknown ─(reconcile, same MS-RequestId)─> submitted | ...

Why it cannot buy twice:
- one ``Checkout`` row per cart (``OneToOneField``): concurrent submits of a cart meet on it;
- work is claimed with a conditional ``UPDATE ... WHERE state IN (...) AND claim expired``, so only
  one process talks to Partner Center for a checkout at a time;
- the ``MS-RequestId`` is stored with the row before the first call and every retry (including a
  reconcile after a crash) reuses it, so Partner Center replays instead of buying again;
- a checkout whose outcome is unknown is never retried with a new id: it is reconciled.
"""

from purchasing.services.checkout.approval import approval_decide
from purchasing.services.checkout.recovery import (
    checkout_reconcile,
    checkout_retry_failed_groups,
    checkouts_due_for_reconcile,
)
from purchasing.services.checkout.review import (
    Review,
    approval_reasons,
    checkout_confirm_changes,
    checkout_review,
    duplicate_orders,
    line_totals,
)
from purchasing.services.checkout.submit import (
    checkout_execute,
    checkout_queue,
    checkout_submit,
    checkouts_queued_and_stale,
)
from purchasing.services.checkout.transitions import checkout_claim, checkout_transition

__all__ = [
    "Review",
    "approval_decide",
    "approval_reasons",
    "checkout_claim",
    "checkout_confirm_changes",
    "checkout_execute",
    "checkout_queue",
    "checkout_reconcile",
    "checkout_retry_failed_groups",
    "checkout_review",
    "checkout_submit",
    "checkout_transition",
    "checkouts_due_for_reconcile",
    "checkouts_queued_and_stale",
    "duplicate_orders",
    "line_totals",
]
