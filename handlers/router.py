"""Where one message goes: registration, a command of the table, the current dialog, or a question.

The unit of work (handlers/dispatch.py) has claimed the update, locked and loaded the sender's dialog
state and found who is writing; the router decides what answers, and never writes on its own account
(the handlers it calls do, inside the unit of work's transaction). Commands come from one table
(handlers/command_table.py): the router checks where each may run and who may use it there, and
tells a refused asker why. Groups are not chatted with: there only commands are answered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.commune_periods import names_a_period
from conversations.engine import Dialog, Outcome, State
from conversations.indicator_import import IndicatorImportDialog, is_indicator_file
from conversations.plan_import import PlanImportDialog
from conversations.report_intents import month_number_in
from conversations.units_import import UnitsImportDialog, is_units_sheet
from conversations.vocabulary import says, starts_with
from handlers.command_table import COMMANDS
from handlers.commands import PRIVATE, Call, Command, CommandTable, audiences_of, split_command
from handlers.group_commands import no_groups, not_bound, outsider
from handlers.help import greeting_reply, help_reply, not_understood, thanks_reply
from handlers.indicator_sets import file_on_zalo
from handlers.linking import answer_link_request
from handlers.private_commands import context_of, start_report
from handlers.registration import how_to_register, register
from handlers.reminders import language
from handlers.report_view import view_report
from locales.i18n import _
from locales.messages import Incoming, Reply
from locales.profiles import profile_of
from locales.vietnamese import nfc
from storage.cache import ConfigCache
from storage.models import GroupBinding
from storage.people import Member, looks_like_code

# (session, incoming, member, now) -> replies, or None when the text is not for it.
TextHandler = Callable[[AsyncSession, Incoming, Member | None, dt.datetime], Awaitable[list[Reply] | None]]
QuestionHandler = Callable[[AsyncSession, str, Member, dt.date], Awaitable[tuple[str, list[Reply]]]]
# Commands someone not registered may send with a code: it registers them (an invite) or links them.
_GUEST_COMMANDS = ("start", "link")


@dataclass
class Router:
    """Routes one message of a registered or unregistered sender to what answers it."""

    dialogs: Mapping[str, Dialog]
    timezone: ZoneInfo
    cache: ConfigCache
    questions: QuestionHandler | None = None
    # Free-text handlers tried before the dialog and the questions (questions about reports); they
    # are not commands: a command is an entry of the table.
    text_handlers: Sequence[TextHandler] = ()
    commands: CommandTable = COMMANDS

    async def route(self, session: AsyncSession, incoming: Incoming, member: Member | None,
                    state: State[Any] | None, now: dt.datetime) -> Outcome:
        """What a private chat's message does: its replies, the next dialog state, the effects asked for."""
        text = nfc(incoming.text or "").strip()
        word, argument = split_command(text)
        command = self.commands.find(word)
        if member is None:
            return await self._guest(session, incoming, command, argument, text, now)
        call = Call(session=session, incoming=incoming, member=member, argument=argument, now=now, place=PRIVATE,
                    state=state, dialogs=self.dialogs, timezone=self.timezone, cache=self.cache)
        if command is None and word is None and (command := self.commands.for_button(incoming.button)):
            call = replace(call, argument="")  # a button stands for the bare command
        if command is not None:
            answered = await self._run_private(command, call)
            if answered is not None:
                return answered
        if word is None and incoming.file is None and state is None:
            # The original account's yes or no to linking another messenger's account (handlers/linking.py).
            # Inside a dialog "có" answers the dialog (and costs no lookup): the request waits until it ends.
            linked = await answer_link_request(session, incoming, member, incoming.button or text, now)
            if linked is not None:
                return Outcome(linked, state)
        if incoming.file is not None:
            if is_indicator_file(incoming.file.name, incoming.file.content):  # before the hamlet sheet: also .xlsx
                return await IndicatorImportDialog().start_with_file(context_of(call), incoming.file.name,
                                                                     incoming.file.content)
            if is_units_sheet(incoming.file.name, incoming.file.content):  # a hamlet sheet, not a plan
                return await UnitsImportDialog().start_with_file(context_of(call), incoming.file.name,
                                                                 incoming.file.content)
            return await PlanImportDialog().start_with_file(context_of(call), incoming.file.name,
                                                            incoming.file.content)
        if not text and incoming.button is None and not profile_of(incoming.transport).documents:
            # Nothing readable on a messenger that passes no files (Zalo's "unsupported" message): an admin
            # who sent the indicator sheet learns where to send it instead.
            on_zalo = file_on_zalo(member)
            if on_zalo is not None:
                return Outcome(on_zalo, state)
        if word is None:
            for handler in self.text_handlers:
                handled = await handler(session, incoming, member, now)
                if handled is not None:
                    return Outcome(handled, state)
        if state is not None and word is None:
            dialog = self.dialogs[state.dialog]
            answer = incoming.button if incoming.button is not None else text
            return await dialog.step(context_of(call), state, answer, incoming.button is not None)
        if word is not None:
            return Outcome([help_reply(member, self.commands)], state)
        if not text and incoming.button and " " in incoming.button:
            # Answers to questions carry their follow-up as words ("chi tiết Công an xã"): pressing the
            # button is typing them. Internal data of an ended dialog ("confirm") is not words.
            text = incoming.button
        return await self._free_text(replace(call, argument=""), text)

    async def route_group(self, session: AsyncSession, incoming: Incoming, member: Member | None,
                          now: dt.datetime) -> list[Reply]:
        """What a group chat's message gets: a command's answer, or nothing (groups are not chatted with)."""
        word, argument = split_command(nfc(incoming.text or "").strip())
        command = self.commands.find(word)
        if command is None or not command.in_groups():
            return []
        if command.needs_groups and not profile_of(incoming.transport).groups:
            return [no_groups(incoming.transport)]
        binding = await session.scalar(select(GroupBinding).where(
            GroupBinding.transport == incoming.transport, GroupBinding.chat_id == incoming.chat_id))
        place = binding.purpose if binding is not None else "unbound"
        if command.runs_in("unbound"):
            # A command about the group itself (binding it): the group's commune is not asked.
            return await self._run_group(command, session, incoming, member, argument, now, place, binding)
        if binding is None:
            # No commune, no data: anyone is told how to connect it.
            return [not_bound()]
        if member is None:
            # Someone not registered: no answer at all (a group's strangers learn nothing, not even the commune).
            return []
        refused = outsider(binding, member)  # a commune's group: its members; a province's: its leaders
        if refused is not None:
            return [refused]
        with language(binding.language):
            return await self._run_group(command, session, incoming, member, argument, now, place, binding)

    async def _run_group(self, command: Command, session: AsyncSession, incoming: Incoming, member: Member | None,
                         argument: str, now: dt.datetime, place: str, binding: GroupBinding | None) -> list[Reply]:
        if member is None or not any(command.allows(a, place) for a in audiences_of(member)):
            return [self._refusal(command, place, member)]
        call = Call(session=session, incoming=incoming, member=member, argument=argument, now=now, place=place,
                    binding=binding, dialogs=self.dialogs, timezone=self.timezone, cache=self.cache)
        answered = await command.handler(call)
        return answered.replies if isinstance(answered, Outcome) else answered or []

    async def _run_private(self, command: Command, call: Call) -> Outcome | None:
        """Run a command in a private chat; ``None`` when it is no command here (the router goes on)."""
        if command.needs_groups and not profile_of(call.incoming.transport).groups:
            return Outcome([no_groups(call.incoming.transport)], call.state)
        if not command.runs_in(PRIVATE):
            return None  # a group's command typed privately: as any unknown command, the help
        if not any(command.allows(a, PRIVATE) for a in audiences_of(call.member)):
            return Outcome([self._refusal(command, PRIVATE, call.member)], call.state)
        answered = await command.handler(call)
        if answered is None or isinstance(answered, Outcome):
            return answered
        return Outcome(answered, call.state)

    @staticmethod
    def _refusal(command: Command, place: str, member: Member | None) -> Reply:
        if command.refusal is not None:
            return Reply(command.refusal(place, member))
        return Reply(_("This command is not for you here."))

    async def _guest(self, session: AsyncSession, incoming: Incoming, command: Command | None, argument: str,
                     text: str, now: dt.datetime) -> Outcome:
        """Someone not registered: a code registers them (or links their account); nothing else is answered."""
        is_guest_command = command is not None and command.name in _GUEST_COMMANDS
        code = argument if is_guest_command and argument else (text if looks_like_code(text) else "")
        if code:
            self.cache.forget_member(incoming.transport, incoming.user_id)
            return Outcome(await register(session, incoming, code, now), None)
        return Outcome([how_to_register()], None)

    async def _free_text(self, call: Call, text: str) -> Outcome:
        member = call.member
        if says(text, "start_report"):
            return await start_report(call)
        month = starts_with(text, "start_report")
        # "báo cáo tháng 11", "báo cáo quý 4", "bao cao nam": that period, no picker.
        if month and (month_number_in(month) or names_a_period(month)):
            return await start_report(replace(call, argument=month))
        if says(text, "units_template"):  # the words for /maumau: the same command, the same access check
            answered = await self._run_private(self.commands["template"], call)
            if answered is not None:
                return answered
        if says(text, "greeting"):
            return Outcome([greeting_reply(member)], None)
        if says(text, "thanks") or says(text, "ack"):
            return Outcome([thanks_reply()], None)
        if says(text, "view_report"):
            return Outcome(await view_report(call.session, member, "", self.timezone, call.now), None)
        if says(text, "help"):
            return Outcome([help_reply(member, self.commands)], None)
        if says(text, "cancel"):
            return Outcome([Reply(_("Nothing to cancel."))], None)
        if self.questions is not None and text:
            today = call.now.astimezone(self.timezone).date()
            intent, replies = await self.questions(call.session, text, member, today)
            if intent == "start_report":
                return await start_report(call)
            return Outcome(replies, None)
        return Outcome([not_understood()], None)

