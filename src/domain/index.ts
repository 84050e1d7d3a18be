// Builds every domain service over one context. Faces receive this object and nothing else.
import { CalendarService } from './calendars.ts';
import type { DomainContext } from './context.ts';
import { LoginFailureService } from './loginFailures.ts';
import { ObjectService } from './objects.ts';
import { SharingService } from './sharing.ts';
import { SystemService } from './system.ts';
import { UserService } from './users.ts';

export interface Domain {
  readonly ctx: DomainContext;
  readonly users: UserService;
  readonly calendars: CalendarService;
  readonly objects: ObjectService;
  readonly sharing: SharingService;
  readonly loginFailures: LoginFailureService;
  readonly system: SystemService;
}

export function createDomain(ctx: DomainContext): Domain {
  return {
    ctx,
    users: new UserService(ctx),
    calendars: new CalendarService(ctx),
    objects: new ObjectService(ctx),
    sharing: new SharingService(ctx),
    loginFailures: new LoginFailureService(ctx),
    system: new SystemService(ctx),
  };
}
