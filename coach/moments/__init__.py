"""Moments: a persona at a point in a conversation (what was said so far, the person's
last words and their state), shipped as validated files under knowledge/moments/, and
the person's reaction to any reply from that state.

    moments = load_moments()                       # packaged moments, checked against the cards
    moment = get_moment("debs_take_him_into_care", moments)
    reaction = Reactor(personas, coder).react(moment, "You sound worn out with it all.")

A reaction depends on the moment and the reply alone: the same reply to the same moment
always gets the same reaction.
"""

from __future__ import annotations

from coach.moments._files import (
    MAX_WORDS_CHARS,
    Moment,
    MomentError,
    MomentState,
    get_moment,
    load_moment,
    load_moments,
)
from coach.moments._reaction import Reaction, Reactor, react

__all__ = [
    "MAX_WORDS_CHARS",
    "Moment",
    "MomentError",
    "MomentState",
    "Reaction",
    "Reactor",
    "get_moment",
    "load_moment",
    "load_moments",
    "react",
]
