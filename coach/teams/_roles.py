"""Who may see and do what. Pure rules over ids and roles; the service looks up what
they need (which trainees a supervisor leads) and applies them to every request.

- A trainee sees only their own sessions and assignments.
- A supervisor sees their own sessions and those of the members of the teams they lead,
  never another team's; they assign, review, override and comment within those teams.
- An admin manages users and teams and can see everything.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

TRAINEE, SUPERVISOR, ADMIN = "trainee", "supervisor", "admin"


class Person(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def role(self) -> str: ...


def a_role(role: str) -> str:
    """The role with its article, as a sentence says it: "a trainee", "an admin"."""
    return f"an {role}" if role[:1] in "aeiou" else f"a {role}"


def is_admin(user: Person) -> bool:
    return user.role == ADMIN


def supervises(user: Person) -> bool:
    """Supervisors and admins: who gets the supervisor's screens and commands."""
    return user.role in (SUPERVISOR, ADMIN)


def may_see(viewer: Person, owner_id: int, led_members: Collection[int]) -> bool:
    """May ``viewer`` see a session (or the indicators) of user ``owner_id``?
    ``led_members`` are the members of the teams ``viewer`` leads."""
    if viewer.id == owner_id or is_admin(viewer):
        return True
    return viewer.role == SUPERVISOR and owner_id in led_members


def may_review(viewer: Person, owner_id: int, led_members: Collection[int]) -> bool:
    """May ``viewer`` override codes in another person's session? Never their own: the
    human verdict that stands above the machine's is a second person's."""
    if viewer.id == owner_id:
        return False
    return is_admin(viewer) or (viewer.role == SUPERVISOR and owner_id in led_members)
