"""python3-caldav (Debian's package) against Calendula: prints one JSON object of findings.

Usage: caldav_roundtrip.py <base-url> <username> <password>
"""
import json
import sys
from datetime import datetime, timezone

import caldav

base, username, password = sys.argv[1:4]
out = {}

client = caldav.DAVClient(url=base + "/dav/", username=username, password=password)
principal = client.principal()
out["principal"] = str(principal.url)
out["home"] = str(principal.calendar_home_set.url)
out["addresses"] = principal.calendar_user_address_set()

events = principal.make_calendar(name="Py Events", cal_id="py-events", supported_calendar_component_set=["VEVENT"])
tasks = principal.make_calendar(name="Py Tasks", cal_id="py-tasks", supported_calendar_component_set=["VTODO"])
notes = principal.make_calendar(name="Py Notes", cal_id="py-notes", supported_calendar_component_set=["VJOURNAL"])
out["calendars"] = sorted(str(c.name) for c in principal.calendars())
out["components"] = {
    "events": events.get_supported_components(),
    "tasks": tasks.get_supported_components(),
}

weekly = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//python-caldav test//EN
BEGIN:VEVENT
UID:py-weekly
DTSTAMP:20260101T000000Z
DTSTART:20260105T090000Z
DTEND:20260105T100000Z
RRULE:FREQ=WEEKLY;COUNT=6
EXDATE:20260119T090000Z
SUMMARY:Weekly
END:VEVENT
BEGIN:VEVENT
UID:py-weekly
DTSTAMP:20260101T000000Z
RECURRENCE-ID:20260126T090000Z
DTSTART:20260126T140000Z
DTEND:20260126T150000Z
SUMMARY:Weekly (moved)
END:VEVENT
END:VCALENDAR
"""
# python-caldav 0.11 cannot derive the id of an object with overrides itself: give it.
caldav.Event(client, data=weekly, parent=events, id="py-weekly").save()
def vcal(comp, uid, *lines):
    body = "\n".join(lines)
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//python-caldav test//EN\nBEGIN:{comp}\nUID:{uid}\nDTSTAMP:20260101T000000Z\n{body}\nEND:{comp}\nEND:VCALENDAR\n"


# python-caldav 0.11 mangles UIDs passed as keywords: objects are given as text with their id.
def save(cls, cal, comp, uid, *lines):
    obj = cls(client, data=vcal(comp, uid, *lines), parent=cal, id=uid)
    obj.save()
    return obj


save(caldav.Event, events, "VEVENT", "py-lunch", "DTSTART:20260220T120000Z", "DTEND:20260220T130000Z", "SUMMARY:Lunch")

found = events.date_search(datetime(2026, 1, 18, tzinfo=timezone.utc), datetime(2026, 1, 27, tzinfo=timezone.utc))
out["date_search"] = sorted(str(e.icalendar_instance.walk("VEVENT")[0]["UID"]) for e in found)
empty = events.date_search(datetime(2026, 1, 19, tzinfo=timezone.utc), datetime(2026, 1, 20, tzinfo=timezone.utc))
out["date_search_exdate"] = len(empty)
expanded = events.date_search(
    datetime(2026, 1, 10, tzinfo=timezone.utc), datetime(2026, 2, 3, tzinfo=timezone.utc), expand=True
)
starts = []
for e in expanded:
    for comp in e.icalendar_instance.walk("VEVENT"):
        starts.append(comp["DTSTART"].dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M"))
out["expanded_starts"] = sorted(starts)

save(caldav.Todo, tasks, "VTODO", "py-open", "SUMMARY:Open task")
done = save(caldav.Todo, tasks, "VTODO", "py-done", "SUMMARY:Done task")
done.complete()
out["todos_open"] = sorted(str(t.icalendar_instance.walk("VTODO")[0]["SUMMARY"]) for t in tasks.todos())
out["todos_all"] = len(tasks.todos(include_completed=True))

save(caldav.Journal, notes, "VJOURNAL", "py-note", "DTSTART;VALUE=DATE:20260102", "SUMMARY:A note")
out["journals"] = [str(j.icalendar_instance.walk("VJOURNAL")[0]["SUMMARY"]) for j in notes.journals()]

# sync tokens
first = events.objects_by_sync_token(load_objects=False)
out["sync_initial"] = len(list(first))
lunch = events.event_by_uid("py-lunch")
lunch.icalendar_instance.walk("VEVENT")[0]["SUMMARY"] = "Long lunch"
lunch.save()
save(caldav.Event, events, "VEVENT", "py-new", "DTSTART:20260301T120000Z", "DTEND:20260301T130000Z", "SUMMARY:New")
changed = events.objects_by_sync_token(sync_token=first.sync_token, load_objects=True)
out["sync_changed"] = sorted(str(o.icalendar_instance.walk("VEVENT")[0]["UID"]) for o in changed)
lunch.delete()
after_delete = events.objects_by_sync_token(sync_token=changed.sync_token, load_objects=False)
out["sync_after_delete"] = len(list(after_delete))

fb = events.freebusy_request(datetime(2026, 2, 1, tzinfo=timezone.utc), datetime(2026, 3, 2, tzinfo=timezone.utc))
periods = []
for comp in fb.icalendar_instance.walk("VFREEBUSY"):
    for p in comp.get("FREEBUSY", []) if isinstance(comp.get("FREEBUSY"), list) else [comp.get("FREEBUSY")]:
        if p is not None:
            periods.append(p.to_ical().decode())
out["freebusy"] = periods

print(json.dumps(out))
