"""Task lists in the background scheduler: polled under their own key (the Tasks API has no
push), a Google change arriving without any client request, and no push channel for them."""

from __future__ import annotations

from bridge.background.channels import ChannelManager
from bridge.background.scheduler import Intervals, Scheduler
from bridge.model import Kind
from bridge.store.channels import of_account

SCOPES = ["https://www.googleapis.com/auth/calendar", "https://www.googleapis.com/auth/tasks"]


def start(bridge, address=None, **intervals) -> Scheduler:
    scheduler = Scheduler(bridge.store, bridge.engine,
                          ChannelManager(bridge.store, bridge.client_for, address),
                          Intervals(**intervals))
    bridge.scheduler = scheduler
    scheduler.start()
    return scheduler


def task_list(bridge, account_id: int):
    return next(c for c in bridge.store.calendars_of_account(account_id)
                if c.kind is Kind.TASKS)


def test_a_task_list_is_polled_and_google_changes_arrive(bridge, link, new_account, control,
                                                         wait_for):
    account = {**new_account("poll"), "scopes": SCOPES}
    account_id = link(account)
    tasks = task_list(bridge, account_id)
    seen = []
    bridge.engine.observers.append(lambda kind, key, seconds, error: seen.append((kind, key)))
    start(bridge, sync=0.2, calendar_list=3600)
    control.post(f"/accounts/{account['account']}/tasklists/{tasks.google_id}/tasks",
                 {"title": "From the phone"})
    wait_for(lambda: any("SUMMARY:From the phone" in i.text
                         for i in bridge.all_items(tasks.id)), 10, "the polled task")
    wait_for(lambda: (Kind.TASKS, tasks.id) in seen, 10, "the sync under the task list's key")
    assert (Kind.EVENTS, tasks.id) not in seen


def test_no_push_channel_watches_a_task_list(bridge, link, new_account, webhook, wait_for):
    account_id = link({**new_account("push"), "scopes": SCOPES})
    tasks = task_list(bridge, account_id)
    start(bridge, address=webhook)
    watched = wait_for(lambda: [c for c in of_account(bridge.store, account_id)
                                if c.state == "active" and c.kind is Kind.EVENTS],
                       10, "the calendar's channel")
    assert tasks.id not in {c.calendar_id for c in watched}
    assert all(c.kind is not Kind.TASKS for c in of_account(bridge.store, account_id))
