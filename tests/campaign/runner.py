"""Running one seed's schedule against a real bridge (Radicale + plugin over HTTP, push on)
and the emulator, judging every answer by Google's state the moment it is given."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tests.campaign.workload import (Resource, Schedule, Step, caldav_view, google_summaries,
                                     google_truth, ical, unreported)

UNKNOWN = "could not be asked whether it holds it"     # bridge/write/errors.py


@dataclass
class Figures:
    answers: Counter = field(default_factory=Counter)       # "PUT 201", "DELETE 503", ...
    faults: Counter = field(default_factory=Counter)        # fault kinds added

    def line(self) -> str:
        return (f"answers {dict(sorted(self.answers.items()))} "
                f"faults {dict(sorted(self.faults.items()))}")


class Runner:
    def __init__(self, server, control, emulator, calendar: str, schedule: Schedule):
        self.server, self.control, self.emulator = server, control, emulator
        self.calendar, self.schedule = calendar, schedule
        self.url = server.calendar_url(calendar)
        self.model: dict[str, str] = {}         # uid -> summary Google must hold
        self.figures = Figures()
        self.baseline: tuple[str, dict[str, str]] | None = None
        self._uids = 0

    # --- driving ------------------------------------------------------------------------------

    def run(self) -> Figures:
        for number, step in enumerate(self.schedule.steps):
            self._inject(step.fault)
            getattr(self, step.action)(step)
            self.check_no_duplicates(f"after step {number} ({step.action})")
        return self.figures

    def _inject(self, fault: dict | None) -> None:
        if fault is None:
            return
        if "push" in fault:
            self.control.post("/push/faults", fault["push"])
            self.figures.faults["push " + next(iter(fault["push"]))] += 1
        else:
            self.control.post("/faults", fault)
            self.figures.faults[fault["kind"] + (f" {fault['status']}" if "status" in fault
                                                 else "")] += 1

    # --- client steps -------------------------------------------------------------------------

    def create(self, step: Step) -> None:
        self._uids += 1
        uid = f"campaign-{self.schedule.seed}-{self._uids}"
        answer = self._put(f"{uid}.ics", uid, step.summary, {"If-None-Match": "*"})
        self.judge("PUT", answer, uid, step.summary)

    def modify(self, step: Step) -> None:
        target = self._pick(step)
        if target is not None:
            answer = self._put(target.href.rsplit("/", 1)[-1], target.uid, step.summary, {})
            self.judge("PUT", answer, target.uid, step.summary)

    def delete(self, step: Step) -> None:
        target = self._pick(step)
        if target is not None:
            answer = self.server.session.delete(self.url + target.href.rsplit("/", 1)[-1])
            self.judge("DELETE", answer, target.uid, None)

    def read(self, step: Step) -> None:
        status, _ = caldav_view(self.server.session, self.url)
        self._count("REPORT", status)
        token, changes = self.server.sync_collection(self.url, "")
        self._count("sync-collection", changes.get("status", 207) if not token else 207)
        if token:       # a client in sync as of now; judged at the end
            self.baseline = (token, {h: e for h, e in changes.items() if e != 404})

    def _put(self, name: str, uid: str, summary: str, headers: dict):
        hour = 8 + sum(map(ord, uid)) % 10
        return self.server.session.put(self.url + name, data=ical(uid, summary, hour).encode(),
                                       headers={"Content-Type": "text/calendar", **headers})

    def _pick(self, step: Step) -> Resource | None:
        status, view = caldav_view(self.server.session, self.url)
        self._count("REPORT", status)
        if not view:
            return None
        return sorted(view, key=lambda r: r.href)[int(step.pick * len(view))]

    def _count(self, method: str, status: int) -> None:
        self.figures.answers[f"{method} {status}"] += 1
        assert status < 500 or status in (502, 503, 504), f"{method} answered {status}"

    def judge(self, method: str, answer, uid: str, wanted: str | None) -> None:
        """A success means Google holds the change now; any other answer that it holds what
        it held before."""
        self._count(method, answer.status_code)
        held = google_summaries(google_truth(self.emulator, self.calendar)).get(uid)
        if answer.status_code == 503 and UNKNOWN in answer.text:
            # Google left the outcome open and could not be asked: the answer says just that
            # (true either way); counted, and what Google holds is what happened.
            self.figures.answers[f"{method} 503 outcome unknown"] += 1
            self._adopt(uid, held)
        elif 200 <= answer.status_code < 300:
            assert held == wanted, (f"{method} {uid} answered {answer.status_code}, but "
                                    f"Google holds {held!r} instead of {wanted!r}")
            self._adopt(uid, wanted)
        else:
            assert held == self.model.get(uid), (
                f"{method} {uid} answered {answer.status_code} ({answer.text[:200]!r}), yet "
                f"Google changed: it holds {held!r}, it held {self.model.get(uid)!r}")

    def _adopt(self, uid: str, summary: str | None) -> None:
        if summary is None:
            self.model.pop(uid, None)
        else:
            self.model[uid] = summary

    # --- Google-side steps (the control API: another device, never faulted) ----------------

    def google_insert(self, step: Step) -> None:
        made = self.control.post(f"/calendars/{self.calendar}/events", {
            "summary": step.summary, "start": {"dateTime": "2026-06-02T09:00:00Z"},
            "end": {"dateTime": "2026-06-02T10:00:00Z"}})
        self.model[made["iCalUID"]] = step.summary

    def google_patch(self, step: Step) -> None:
        target = self._google_pick(step)
        if target is not None:
            uid, event_id = target
            self.control.patch(f"/calendars/{self.calendar}/events/{event_id}",
                               {"summary": step.summary})
            self.model[uid] = step.summary

    def google_delete(self, step: Step) -> None:
        target = self._google_pick(step)
        if target is not None:
            uid, event_id = target
            self.control.delete(f"/calendars/{self.calendar}/events/{event_id}")
            self.model.pop(uid, None)

    def _google_pick(self, step: Step) -> tuple[str, str] | None:
        truth = sorted((uid, events[0][0]) for uid, events in
                       google_truth(self.emulator, self.calendar).items())
        return truth[int(step.pick * len(truth))] if truth else None

    def invalidate(self, step: Step) -> None:
        self.control.post(f"/calendars/{self.calendar}/invalidate-sync-tokens")

    def expire_tokens(self, step: Step) -> None:
        self.control.post("/tokens/expire")

    def push_fault(self, step: Step) -> None:
        """(The push fault itself was injected before the step.)"""

    # --- the end ------------------------------------------------------------------------------

    def check_no_duplicates(self, when: str) -> None:
        truth = google_truth(self.emulator, self.calendar)
        doubled = {uid: events for uid, events in truth.items() if len(events) > 1}
        assert not doubled, f"duplicated on Google {when}: {doubled}"

    def check_sync_token(self) -> str:
        """The token of the last read reports exactly what changed since (or is refused
        with 403 valid-sync-token)."""
        if self.baseline is None:
            return "no token"
        token, before = self.baseline
        new_token, changes = self.server.sync_collection(self.url, token)
        if not new_token:
            assert changes["status"] == 403 and "valid-sync-token" in changes["body"], changes
            return "token refused"
        _, now = self.server.sync_collection(self.url, "")
        changes, missed = unreported(before, now, changes)
        assert changes == missed, (f"the sync token reported {changes},\n"
                                   f"the changes since are {missed}")
        return f"token reported {len(changes)}"

    def settled(self) -> tuple[bool, str]:
        """Whether clients see exactly Google's events, and Google holds exactly what the
        answers and the Google-side changes say; with the difference when not."""
        status, view = caldav_view(self.server.session, self.url)
        google = google_summaries(google_truth(self.emulator, self.calendar))
        seen = sorted((r.uid, r.summary) for r in view)
        if status == 207 and seen == sorted(google.items()) and google == self.model:
            return True, ""
        return False, (f"REPORT {status}\nclients: {seen}\ngoogle:  {sorted(google.items())}"
                       f"\nmodel:   {sorted(self.model.items())}")
