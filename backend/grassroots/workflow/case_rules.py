"""The case state machine: which action moves a case from which statuses to which.

Role and scope checks for each action live in workflow.cases, beside the action itself.
"""

from __future__ import annotations

from enum import StrEnum

from ..models.enums import CaseStatus as S
from .errors import ErrorCode, WorkflowError


class Action(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    MERGE = "merge"
    WHISTLE = "whistle"
    CLAIM = "claim"
    HANDLE = "handle"
    ARRIVE = "arrive"
    RESOLVE = "resolve"
    RATE = "rate"
    REOPEN = "reopen"
    CLOSE = "close"
    ESCALATE = "escalate"
    COMMENT = "comment"


ALLOWED_FROM: dict[Action, frozenset[S]] = {
    Action.ACCEPT: frozenset({S.REPORTED}),
    Action.REJECT: frozenset({S.REPORTED, S.ACCEPTED}),
    Action.MERGE: frozenset({S.REPORTED, S.ACCEPTED}),
    Action.WHISTLE: frozenset({S.ACCEPTED, S.DISPATCHED}),
    # Assisting departments may still report for duty once the lead has claimed.
    Action.CLAIM: frozenset({S.DISPATCHED, S.IN_PROGRESS}),
    # The community handles the case itself instead of whistling.
    Action.HANDLE: frozenset({S.ACCEPTED}),
    Action.ARRIVE: frozenset({S.IN_PROGRESS}),
    Action.RESOLVE: frozenset({S.IN_PROGRESS}),
    Action.RATE: frozenset({S.RESOLVED}),
    Action.REOPEN: frozenset({S.RESOLVED, S.CLOSED}),
    Action.CLOSE: frozenset({S.RESOLVED}),
    Action.ESCALATE: frozenset({S.ACCEPTED, S.DISPATCHED}),
    Action.COMMENT: frozenset(S),
}


def check_transition(action: Action, status: S) -> None:
    if status not in ALLOWED_FROM[action]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED_FROM[action]))
        raise WorkflowError(
            ErrorCode.INVALID_TRANSITION,
            f"Cannot {action.value} a case that is {status.value} (only from {allowed})",
            "caseId",
        )
