"""The same-moment team exercise, as service operations. A supervisor opens a moment (a
curated one, or any turn of a session they may see) for a team they lead; each member
answers once; the results show every reply coded, with the person's reaction to it from
the same state, ranked by that reaction, with two exemplar replies for contrast.

Every rule is checked here, whoever calls (web app or ``coach exercise``): only a
team's leads (or an admin) open and close its exercises; only its members answer; a
member sees the others' replies once they have answered or the exercise is closed; in an
anonymous exercise nobody's name is shown beside a reply.

    exercises = ExerciseService(CoachService(settings))
    view = exercises.open(supervisor, "North", moment_id="debs_take_him_into_care")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from coach.coding import CODE_LABELS, STANCE_LABELS, InvalidReply
from coach.moments import Moment, MomentError
from coach.report import SpreadPoint, spread_png
from coach.service import CoachService, NotAllowed, ServiceError
from coach.store import Exercise, ExerciseNotFound, ExerciseReply, StoreConflict, Team, User
from coach.teams import is_admin
from coach.text import clean_text

# Exemplars for contrast: an outcomes-focused reply and a paperwork-led one with these
# codes (the moves that typically open a person up or close them down), from the nearest
# exemplar moments of another person (another person's, so an exemplar can never name
# something this person has not yet shared).
EXEMPLAR_CODES = {
    "outcomes": ("reflection_complex", "reflection_simple", "open_question", "affirmation"),
    "paperwork": ("confront", "closed_question", "information", "advice"),
}
NEAREST_MOMENTS = 8


@dataclass(frozen=True)
class ReplyView:
    rank: int
    name: str | None  # None in an anonymous exercise
    mine: bool
    text: str
    code: str
    stance: str
    cues: tuple[str, ...]
    outcomes_score: float
    reaction: dict[str, Any]  # receptivity_change, mood, reply, unlocks, act, ended

    @property
    def code_label(self) -> str:
        return CODE_LABELS.get(self.code, self.code)

    @property
    def stance_label(self) -> str:
        return STANCE_LABELS.get(self.stance, self.stance)

    def to_dict(self) -> dict[str, Any]:
        return {"rank": self.rank, "name": self.name, "mine": self.mine, "text": self.text,
                "code": self.code, "stance": self.stance, "cues": list(self.cues),
                "outcomes_score": self.outcomes_score, "reaction": self.reaction}


@dataclass(frozen=True)
class ExerciseView:
    id: int
    team: str
    title: str
    persona_name: str
    conversation: tuple[tuple[str, str], ...]  # (speaker, text) before the last words
    last_words: str
    status: str
    anonymous: bool
    members: int
    answered: int
    leads: bool  # the viewer runs this exercise (a lead of the team, or an admin)
    my_reply: str | None
    shows_replies: bool  # False: the viewer has not answered and it is still open
    replies: tuple[ReplyView, ...] = ()
    exemplars: tuple[ReplyView, ...] = field(default=())  # rank 0; name: what it shows

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "team": self.team, "title": self.title,
                "persona": self.persona_name,
                "conversation": [list(c) for c in self.conversation],
                "last_words": self.last_words, "status": self.status,
                "anonymous": self.anonymous, "members": self.members, "answered": self.answered,
                "shows_replies": self.shows_replies,
                "replies": [r.to_dict() for r in self.replies],
                "exemplars": [r.to_dict() for r in self.exemplars]}


def _ranked(rows: Sequence[tuple[Any, dict[str, Any]]]) -> list[tuple[int, Any, dict[str, Any]]]:
    """Best reaction first: the biggest rise in receptivity, then the most opened up, then
    the visit carrying on, then the more outcomes-focused stance."""
    def key(row: tuple[Any, dict[str, Any]]) -> tuple[float, int, bool, float]:
        reaction = row[1]["reaction"]
        return (-float(reaction["receptivity_change"]), -len(reaction["unlocks"]),
                bool(reaction.get("ended")), -float(row[1]["outcomes_score"]))
    return [(n, *row) for n, row in enumerate(sorted(rows, key=key), 1)]


class ExerciseService:
    def __init__(self, service: CoachService) -> None:
        self.service = service
        self.store = service.store

    # --- moments ---------------------------------------------------------------------

    def moment_choices(self) -> list[tuple[str, str]]:
        """(label, moment id) of the curated moments, by person."""
        cards = self.service.personas
        return [(f"{cards[m.persona].brief.name}: {m.title}", m.id)
                for m in sorted(self.service.parts.moments.values(),
                                key=lambda m: (m.persona, m.id))]

    def moment_from_turn(self, user: User, session_id: str, turn: int) -> Moment:
        """The moment a trainee answered at reply ``turn`` of a session the user may see (one
        meaning of "a turn as a moment" across the product: ``coach.momentmaking``)."""
        from coach.momentmaking import MomentService

        return MomentService(self.service).from_turn(user, session_id, turn)

    # --- running an exercise ----------------------------------------------------------

    def _team(self, name: str) -> Team:
        team = self.store.get_team(name or "")
        if team is None:
            raise NotAllowed(f"There is no team called '{(name or '').strip()}'.")
        return team

    def _exercise(self, user: User, exercise_id: int) -> tuple[Exercise, Team, bool]:
        """The exercise, its team and whether the user leads it; "not found" for anyone
        outside the team."""
        try:
            exercise = self.store.get_exercise(int(exercise_id))
        except (ExerciseNotFound, TypeError, ValueError) as exc:
            raise NotAllowed("That exercise could not be found.") from exc
        team = self._team(exercise.team_name)
        leads = is_admin(user) or team.has_lead(user.id)
        if not leads and not team.has_member(user.id):
            raise NotAllowed("That exercise could not be found.")
        return exercise, team, leads

    def open(self, user: User, team_name: str, *, moment_id: str | None = None,
             session_id: str | None = None, turn: int | None = None,
             anonymous: bool = False) -> ExerciseView:
        """Open a curated moment (``moment_id``) or a session's turn for a team."""
        team = self._team(team_name)
        if not (is_admin(user) or team.has_lead(user.id)):
            raise NotAllowed("Only the team's supervisor can open an exercise for it.")
        if not team.members:
            raise ServiceError(f"The team '{team.name}' has no members to answer.")
        moment: Moment | None
        if session_id:
            moment = self.moment_from_turn(user, session_id, int(turn or 0))
        elif moment_id:
            moment = self.service.parts.moments.get(moment_id)
            if moment is None:
                raise ServiceError(f"There is no moment called '{moment_id}'.")
        else:
            raise ServiceError("Choose a moment, or a session and a turn.")
        exercise = self.store.create_exercise(team.id, user.id, moment.title,
                                              moment.model_dump(mode="json"), bool(anonymous))
        return self.view(user, exercise.id)

    def exercises(self, user: User) -> list[ExerciseView]:
        """The exercises of the user's teams (every team for an admin), newest first."""
        team_ids = None if is_admin(user) else [t.id for t in self.store.teams_of(user.id)]
        return [self.view(user, e.id, with_results=False)
                for e in self.store.list_exercises(team_ids)]

    def answer(self, user: User, exercise_id: int, text: str) -> ExerciseView:
        exercise, team, _ = self._exercise(user, exercise_id)
        if not team.has_member(user.id):
            raise NotAllowed("Only the team's members answer its exercises.")
        message = clean_text(text or "")
        limit = self.service.settings.app.max_message_chars
        if len(message) > limit:
            raise ServiceError(f"Replies are limited to {limit:,} characters (yours has "
                               f"{len(message):,}).")
        if not exercise.is_open:
            raise ServiceError("This exercise has been closed.")
        moment = Moment.model_validate(exercise.moment)
        try:
            reaction = self.service.parts.reactor.react(moment, message)
        except (InvalidReply, MomentError) as exc:
            raise ServiceError(str(exc)) from exc
        result = {"code": reaction.coded.code, "stance": reaction.coded.stance,
                  "cues": list(reaction.coded.cues),
                  "outcomes_score": round(float(reaction.coded.outcomes_score), 4),
                  "reaction": reaction.to_full_dict()}
        try:
            self.store.add_exercise_reply(exercise.id, user.id, reaction.learner, result)
        except StoreConflict as exc:
            raise ServiceError(str(exc)) from exc
        return self.view(user, exercise.id)

    def close(self, user: User, exercise_id: int) -> ExerciseView:
        exercise, _, leads = self._exercise(user, exercise_id)
        if not leads:
            raise NotAllowed("Only the team's supervisor can close an exercise.")
        self.store.close_exercise(exercise.id)
        return self.view(user, exercise.id)

    # --- what each person sees --------------------------------------------------------

    def view(self, user: User, exercise_id: int, with_results: bool = True) -> ExerciseView:
        exercise, team, leads = self._exercise(user, exercise_id)
        moment = Moment.model_validate(exercise.moment)
        replies = self.store.exercise_replies(exercise.id)
        mine = next((r for r in replies if r.author.id == user.id), None)
        shows = leads or mine is not None or not exercise.is_open
        views: tuple[ReplyView, ...] = ()
        exemplars: tuple[ReplyView, ...] = ()
        if shows and with_results:
            views = tuple(self._reply_view(rank, r, result, exercise, user)
                          for rank, r, result in _ranked([(r, r.result) for r in replies]))
            exemplars = self._exemplars(moment)
        return ExerciseView(
            id=exercise.id, team=team.name, title=exercise.title,
            persona_name=self.service.personas[moment.persona].brief.name,
            conversation=tuple((s.speaker, s.text) for s in moment.conversation),
            last_words=moment.last_words, status=exercise.status, anonymous=exercise.anonymous,
            members=len(team.members), answered=len(replies), leads=leads,
            my_reply=mine.text if mine else None, shows_replies=shows, replies=views,
            exemplars=exemplars)

    @staticmethod
    def _reply_view(rank: int, reply: ExerciseReply, result: dict[str, Any],
                    exercise: Exercise, user: User) -> ReplyView:
        name = None if exercise.anonymous else (reply.author.display_name or reply.author.username)
        return ReplyView(rank, name, reply.author.id == user.id, reply.text, result["code"],
                         result["stance"], tuple(result["cues"]), float(result["outcomes_score"]),
                         dict(result["reaction"]))

    def _exemplars(self, moment: Moment) -> tuple[ReplyView, ...]:
        """An outcomes-focused and a paperwork-led exemplar reply, each with the person's
        reaction to it from this moment's state."""
        index = self.service.exemplars
        query = np.asarray(index.embedder.embed([moment.last_words])[0], dtype=np.float32)
        order = np.argsort(-(index.vectors @ query), kind="stable")
        wanted = {"outcomes": None, "paperwork": None}
        for k in order[:NEAREST_MOMENTS * 4]:
            ex = index.moments[int(k)]
            if ex.persona == moment.persona:
                continue
            for reply in ex.replies:
                if "spoken" in reply.tags or reply.stance not in wanted \
                        or wanted[reply.stance] is not None:
                    continue
                if reply.code not in EXEMPLAR_CODES[reply.stance]:
                    continue
                wanted[reply.stance] = reply.text
            if all(wanted.values()):
                break
        out: list[ReplyView] = []
        for stance, label in (("outcomes", "Exemplar: outcomes-focused"),
                              ("paperwork", "For contrast: paperwork-led")):
            text = wanted[stance]
            if text is None:
                continue
            reaction = self.service.parts.reactor.react(moment, text)
            out.append(ReplyView(0, label, False, text, reaction.coded.code, reaction.coded.stance,
                                 tuple(reaction.coded.cues), float(reaction.coded.outcomes_score),
                                 reaction.to_full_dict()))
        return tuple(out)

    def spread(self, user: User, exercise_id: int, path: Path) -> Path | None:
        """The spread plot of the replies the user may see (None before they may)."""
        view = self.view(user, exercise_id)
        if not view.shows_replies:
            return None
        points = [SpreadPoint(r.rank, r.code, r.stance, r.outcomes_score,
                              float(r.reaction["receptivity_change"]))
                  for r in view.replies]
        points += [SpreadPoint(0, e.code, e.stance, e.outcomes_score,
                               float(e.reaction["receptivity_change"]), exemplar=True)
                   for e in view.exemplars]
        return spread_png(points, f"{view.persona_name}: “{view.title}”", path)

    def my_replies(self, user: User) -> list[tuple[ExerciseView, ReplyView]]:
        """The user's own replies across exercises, newest first, for their history."""
        out = []
        for reply in reversed(self.store.exercise_replies(user_id=user.id)):
            exercise = self.store.get_exercise(reply.exercise_id)
            try:
                view = self.view(user, exercise.id, with_results=False)
            except NotAllowed:  # they have left the team since: the exercise is theirs no more
                continue
            out.append((view, self._reply_view(0, reply, reply.result, exercise, user)))
        return out
