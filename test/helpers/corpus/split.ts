// Splits an iCalendar file into CalDAV calendar object resources the way a client does before a
// PUT (RFC 4791 §4.1): one resource per UID with the VTIMEZONEs it references, METHOD removed.
// The text of every line is kept as it was (folds included): the server must see what the file says.

export interface ContentLine {
  /** The physical lines, folds included, without line ends. */
  raw: string[];
  /** The unfolded line. */
  text: string;
  name: string;
}

export interface CorpusObject {
  /** `<file>#<n>`: stable as long as the file does not change. */
  id: string;
  file: string;
  uid: string | undefined;
  /** The first component's type: VEVENT, VTODO or VJOURNAL. */
  type: string;
  ics: string;
}

export interface SplitResult {
  objects: CorpusObject[];
  /** Top-level components that are not calendar objects a calendar collection stores (VFREEBUSY, VAVAILABILITY, …). */
  skippedComponents: string[];
}

const OBJECT_TYPES = new Set(['VEVENT', 'VTODO', 'VJOURNAL']);

export function contentLines(text: string): ContentLine[] {
  const out: ContentLine[] = [];
  for (const physical of text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/)) {
    if (physical === '') continue;
    const last = out[out.length - 1];
    if ((physical[0] === ' ' || physical[0] === '\t') && last) {
      last.raw.push(physical);
      last.text += physical.slice(1);
      continue;
    }
    out.push({ raw: [physical], text: physical, name: '' });
  }
  for (const l of out) l.name = /^[^;:]*/.exec(l.text)![0].toUpperCase();
  return out;
}

interface Block {
  type: string;
  lines: ContentLine[];
}

export function splitCalendarFile(file: string, text: string): SplitResult {
  const lines = contentLines(text);
  const objects: CorpusObject[] = [];
  const skippedComponents: string[] = [];
  let i = 0;
  while (i < lines.length) {
    if (lines[i]!.text.toUpperCase() !== 'BEGIN:VCALENDAR') {
      i++;
      continue;
    }
    i++;
    const calProps: ContentLine[] = [];
    const blocks: Block[] = [];
    while (i < lines.length && lines[i]!.text.toUpperCase() !== 'END:VCALENDAR') {
      const l = lines[i]!;
      if (l.name === 'BEGIN') {
        const type = l.text.slice(6).toUpperCase();
        const start = i;
        let depth = 0;
        for (; i < lines.length; i++) {
          if (lines[i]!.name === 'BEGIN') depth++;
          else if (lines[i]!.name === 'END') depth--;
          if (depth === 0) break;
        }
        blocks.push({ type, lines: lines.slice(start, i + 1) });
        i++;
        continue;
      }
      if (l.name !== 'METHOD') calProps.push(l);
      i++;
    }
    i++;
    const zones = new Map<string, Block>();
    for (const b of blocks) if (b.type === 'VTIMEZONE') zones.set(propValue(b.lines, 'TZID') ?? '', b);
    const groups = new Map<string, Block[]>();
    let anonymous = 0;
    for (const b of blocks) {
      if (b.type === 'VTIMEZONE') continue;
      if (!OBJECT_TYPES.has(b.type)) {
        skippedComponents.push(b.type);
        continue;
      }
      const uid = ownProp(b.lines, 'UID');
      // One resource holds one component type (RFC 4791 §4.1): a VTODO sharing a VEVENT's UID is its own resource.
      const key = uid === undefined ? `\0${anonymous++}` : `${uid}\0${b.type}`;
      const g = groups.get(key);
      if (g) g.push(b);
      else groups.set(key, [b]);
    }
    for (const [key, members] of groups) {
      const used = new Set<string>();
      for (const b of members) for (const l of b.lines) for (const m of l.text.matchAll(/;TZID=("[^"]*"|[^;:,]*)/gi)) used.add(m[1]!.replace(/^"|"$/g, ''));
      const tz = [...used].flatMap((id) => zones.get(id)?.lines ?? []);
      const body = [{ text: 'BEGIN:VCALENDAR', raw: ['BEGIN:VCALENDAR'] }, ...calProps, ...tz, ...members.flatMap((b) => b.lines), { text: 'END:VCALENDAR', raw: ['END:VCALENDAR'] }];
      objects.push({
        id: `${file}#${objects.length}`,
        file,
        uid: key.startsWith('\0') ? undefined : key.split('\0')[0]!,
        type: members[0]!.type,
        ics: body.map((l) => l.raw.join('\r\n')).join('\r\n') + '\r\n',
      });
    }
  }
  return { objects, skippedComponents };
}

/** A property of the component itself (not of a nested VALARM). */
function ownProp(lines: ContentLine[], name: string): string | undefined {
  let depth = 0;
  for (const l of lines) {
    if (l.name === 'BEGIN') depth++;
    else if (l.name === 'END') depth--;
    else if (depth === 1 && l.name === name) return valueOf(l.text);
  }
  return undefined;
}

function propValue(lines: ContentLine[], name: string): string | undefined {
  return ownProp(lines, name);
}

/** The value after the first colon that is not inside a quoted parameter value. */
export function valueOf(text: string): string {
  let quoted = false;
  for (let k = 0; k < text.length; k++) {
    const ch = text[k];
    if (ch === '"') quoted = !quoted;
    else if (ch === ':' && !quoted) return text.slice(k + 1);
  }
  return '';
}
