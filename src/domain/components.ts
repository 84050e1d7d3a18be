// The component types a calendar can hold, and sabre's CSV storage of them.

export type ComponentType = 'VEVENT' | 'VTODO' | 'VJOURNAL';

/** Davis stores components in this order: events, notes, tasks. */
export const COMPONENT_ORDER: readonly ComponentType[] = ['VEVENT', 'VJOURNAL', 'VTODO'];

/** What a calendar made without a component set accepts: events, tasks and notes. */
export const ALL_COMPONENTS: readonly ComponentType[] = COMPONENT_ORDER;

export function isComponentType(v: string): v is ComponentType {
  return v === 'VEVENT' || v === 'VTODO' || v === 'VJOURNAL';
}

export function componentsToCsv(set: Iterable<ComponentType>): string {
  const s = new Set(set);
  return COMPONENT_ORDER.filter((c) => s.has(c)).join(',');
}

/** A missing or empty list means all three (what clients assume when the set is absent). */
export function componentsFromCsv(csv: string | null | undefined): ComponentType[] {
  const parts = (csv ?? '')
    .split(',')
    .map((p) => p.trim().toUpperCase())
    .filter(isComponentType);
  return parts.length === 0 ? [...COMPONENT_ORDER] : COMPONENT_ORDER.filter((c) => parts.includes(c));
}
