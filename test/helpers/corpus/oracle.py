#!/usr/bin/python3
"""The independent recurrence engine of the corpus test: Debian's python3-icalendar and
python3-recurring-ical-events (dateutil's rrule underneath), run as one process per test run.

stdin:  {"objects": [{"id": ..., "type": "VEVENT"|"VTODO", "ics": ...}]}
stdout: {"<id>": {"windows": [[start, end], ...], "results": [{"match": bool, "instances": [key, ...]}]}
         or {"<id>": {"error": "..."}} when the engine cannot read the object.

Windows are UTC "YYYYMMDDTHHMMSSZ": from the day before the first instance to a week after it,
four weeks a year later, and June 2035. Whether an instance overlaps a window is decided here by RFC 4791 §9.9
(not by the library's own rule, which differs for zero-length and all-day components); floating
times and dates are read in UTC, as the server does for a calendar without calendar-timezone.
An instance key is its DTSTART in UTC ("YYYYMMDDTHHMMSS"), or "YYYYMMDD" for a date."""
import datetime, json, re, sys
import icalendar
import icalendar.prop
import recurring_ical_events as rie

UTC = datetime.timezone.utc
DAY = datetime.timedelta(days=1)
PAD = 2 * DAY

# icalendar 4.0.3 reads one ordinal digit in BYDAY, so BYDAY=20MO (RFC 5545 §3.3.10 allows
# 1 to 53) made it drop the whole RRULE silently; dateutil itself handles it.
icalendar.prop.WEEKDAY_RULE = re.compile(r"(?P<signal>[+-]?)(?P<relative>\d{0,2})(?P<weekday>\w{2})$")

# Keep the source component and the computed bounds on each instance the library returns.
_as_vevent = rie.Repetition.as_vevent
def _as_vevent_with_source(self):
    ev = _as_vevent(self)
    ev._src, ev._start, ev._stop = self.source, self.start, self.stop
    return ev
rie.Repetition.as_vevent = _as_vevent_with_source


def utc(v):
    if isinstance(v, datetime.datetime):
        return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)
    return datetime.datetime(v.year, v.month, v.day, tzinfo=UTC)


def key(v):
    if isinstance(v, datetime.datetime):
        return utc(v).strftime("%Y%m%dT%H%M%S")
    return v.strftime("%Y%m%d")


def fmt(d):
    return d.strftime("%Y%m%dT%H%M%SZ")


def windows_for(comps):
    master = next((c for c in comps if "RECURRENCE-ID" not in c), comps[0])
    base = None
    for name in ("DTSTART", "DUE"):
        if name in master:
            base = utc(master[name].dt)
            break
    if base is None:
        base = datetime.datetime(2026, 1, 1, tzinfo=UTC)
    day = base.replace(hour=0, minute=0, second=0, microsecond=0)
    year = day + 365 * DAY
    return [
        (day - DAY, day + 7 * DAY),
        (year - 14 * DAY, year + 14 * DAY),
        (datetime.datetime(2035, 6, 1, tzinfo=UTC), datetime.datetime(2035, 7, 1, tzinfo=UTC)),
    ]


def event_overlaps(src, s, e, ws, we):
    """RFC 4791 §9.9, VEVENT."""
    su = utc(s)
    if "DTEND" in src:
        return ws < utc(e) and we > su
    if "DURATION" in src:
        if src["DURATION"].dt > datetime.timedelta(0):
            return ws < utc(e) and we > su
        return ws <= su and we > su
    if not isinstance(s, datetime.datetime):
        return ws < su + DAY and we > su
    return ws <= su and we > su


def todo_overlaps(src, s, e, ws, we):
    """RFC 4791 §9.9, VTODO (a task with DTSTART or DUE; the dateless rows are in todo_without_dates)."""
    su, eu = utc(s), utc(e)
    if "DTSTART" in src and "DURATION" in src:
        return ws <= eu and (we > su or we >= eu)
    if "DTSTART" in src and "DUE" in src:
        return (ws < eu or ws <= su) and (we > su or we >= eu)
    if "DTSTART" in src:
        return ws <= su and we > su
    return ws < su and we >= su  # DUE only: the library starts the instance at DUE


def todo_without_dates(src, ws, we):
    co = utc(src["COMPLETED"].dt) if "COMPLETED" in src else None
    cr = utc(src["CREATED"].dt) if "CREATED" in src else None
    if co and cr:
        return (ws <= cr or ws <= co) and (we >= cr or we >= co)
    if co:
        return ws <= co and we >= co
    if cr:
        return we > cr
    return True


# Properties that do not decide when an instance happens.
UNTIMED = {"DTSTAMP", "LAST-MODIFIED"}


def take_periods(comps):
    """RDATE;VALUE=PERIOD: the library wants plain starts; each period's own end is kept here
    (RFC 5545 §3.8.5.2: the instance lasts the period, not the master's duration)."""
    ends = {}
    for c in comps:
        rdates = c.get("RDATE", [])
        for rd in (rdates if isinstance(rdates, list) else [rdates]):
            for v in rd.dts:
                if isinstance(v.dt, tuple):
                    start, end = v.dt
                    if isinstance(end, datetime.timedelta):
                        end = start + end
                    v.dt = start
                    ends[utc(start)] = end
    return ends


def evaluate(obj):
    cal = icalendar.Calendar.from_ical(obj["ics"])
    kind = obj["type"]
    comps = [c for c in cal.walk(kind)]
    for c in cal.walk():
        # The library records what it could not parse and goes on without it: that would
        # compare the server with a different object when the property decides timing.
        timing = [e for e in getattr(c, "errors", []) if e[0] not in UNTIMED]
        if timing:
            raise ValueError(f"unparsed properties: {timing}")
    period_ends = take_periods(comps)
    if not comps:
        raise ValueError("no component")
    wins = windows_for(comps)
    results = []
    if kind == "VTODO" and all("DTSTART" not in c and "DUE" not in c for c in comps):
        for ws, we in wins:
            m = any(todo_without_dates(c, ws, we) for c in comps)
            results.append({"match": m, "instances": []})
        return {"windows": [[fmt(a), fmt(b)] for a, b in wins], "results": results, "dateless": True}
    # The library's own entry point (of) first rewrites X-WR-TIMEZONE, a non-standard property the
    # server rightly ignores; the calendar is unfolded without it.
    unfolded = rie.UnfoldableCalendar(cal, components=[kind])
    for ws, we in wins:
        found = unfolded.between(ws - PAD, we + PAD)
        keys = []
        for inst in found:
            src, s, e = inst._src, inst._start, inst._stop
            if "RECURRENCE-ID" not in src and isinstance(s, datetime.datetime) and utc(s) in period_ends:
                e = period_ends[utc(s)]
                ok = ws < utc(e) and we > utc(s) if kind == "VEVENT" else (ws < utc(e) or ws <= utc(s)) and (we > utc(s) or we >= utc(e))
                if ok:
                    keys.append(key(s))
                continue
            ok = event_overlaps(src, s, e, ws, we) if kind == "VEVENT" else todo_overlaps(src, s, e, ws, we)
            if ok:
                keys.append(key(s))
        results.append({"match": bool(keys), "instances": sorted(keys)})
    return {"windows": [[fmt(a), fmt(b)] for a, b in wins], "results": results}


def main():
    data = json.load(sys.stdin)
    out = {}
    for obj in data["objects"]:
        try:
            out[obj["id"]] = evaluate(obj)
        except Exception as exc:  # the engine cannot read it: reported, not compared
            out[obj["id"]] = {"error": f"{type(exc).__name__}: {exc}".strip()[:300]}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
