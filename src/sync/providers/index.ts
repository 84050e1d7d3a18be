// The synchronization types this server knows, handed to the domain by src/boot/server.ts and
// cli.ts. Adding a provider is one module implementing Provider (src/domain/syncProviders.ts) and
// one line here. MyTimetable's ews, o365 and googlecalendar need Microsoft's or Google's cloud and
// have no provider here.
import { caldavProvider } from './caldav.ts';
import type { Provider, ProviderRegistry } from '../../domain/syncProviders.ts';

const PROVIDERS: ProviderRegistry = new Map<string, Provider>([[caldavProvider.type, caldavProvider]]);

export function syncProviders(): ProviderRegistry {
  return PROVIDERS;
}
