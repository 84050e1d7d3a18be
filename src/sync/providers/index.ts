// The synchronization types this server knows. Adding a provider is one module implementing
// Provider (see types.ts) and one line here. MyTimetable's ews, o365 and googlecalendar need
// Microsoft's or Google's cloud and have no provider here.
import { caldavProvider } from './caldav.ts';
import type { Provider } from './types.ts';

const PROVIDERS: ReadonlyMap<string, Provider> = new Map([[caldavProvider.type, caldavProvider]]);

export function providerFor(type: string): Provider | undefined {
  return PROVIDERS.get(type);
}

export function knownTypes(): string[] {
  return [...PROVIDERS.keys()];
}
