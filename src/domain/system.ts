import type { DomainContext } from './context.ts';

/** Questions about the running system itself. */
export class SystemService {
  constructor(private readonly ctx: DomainContext) {}

  databaseAnswers(): Promise<boolean> {
    return this.ctx.db.ping();
  }
}
