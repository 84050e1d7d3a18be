// Builds every domain service over one context. Faces receive this object and nothing else.
import type { DomainContext } from './context.ts';
import { LoginFailureService } from './loginFailures.ts';
import { SystemService } from './system.ts';
import { UserService } from './users.ts';

export interface Domain {
  readonly ctx: DomainContext;
  readonly users: UserService;
  readonly loginFailures: LoginFailureService;
  readonly system: SystemService;
}

export function createDomain(ctx: DomainContext): Domain {
  return {
    ctx,
    users: new UserService(ctx),
    loginFailures: new LoginFailureService(ctx),
    system: new SystemService(ctx),
  };
}
