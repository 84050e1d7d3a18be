#!/usr/bin/python3
"""Reads objects the way another program would: Debian's python3-icalendar parses each (strictly
enough that a malformed line fails) and python3-recurring-ical-events expands it in a window.

stdin:  {"objects": ["<ics>", ...], "start": "YYYYMMDD", "end": "YYYYMMDD"}
stdout: [[{"uid": ..., "start": key, "summary": ..., "rid": key or null}, ...] per object]
        or [{"error": "..."}] for an object the libraries cannot read.
A key is the instance's DTSTART in UTC ("YYYYMMDDTHHMMSSZ"), or "YYYYMMDD" for a date."""
import datetime, json, sys
import icalendar
import recurring_ical_events as rie

UTC = datetime.timezone.utc


def key(v):
    if isinstance(v, datetime.datetime):
        return (v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return v.strftime("%Y%m%d")


def day(s):
    return datetime.date(int(s[0:4]), int(s[4:6]), int(s[6:8]))


def main():
    req = json.load(sys.stdin)
    out = []
    for text in req["objects"]:
        try:
            cal = icalendar.Calendar.from_ical(text)
            items = []
            for ev in rie.of(cal).between(day(req["start"]), day(req["end"])):
                rid = ev.get("RECURRENCE-ID")
                items.append({
                    "uid": str(ev.get("UID")),
                    "start": key(ev.get("DTSTART").dt),
                    "summary": str(ev.get("SUMMARY", "")),
                    "rid": key(rid.dt) if rid is not None else None,
                })
            items.sort(key=lambda i: i["start"])
            out.append(items)
        except Exception as e:  # the test reports what could not be read
            out.append({"error": f"{type(e).__name__}: {e}"})
    json.dump(out, sys.stdout)


main()
