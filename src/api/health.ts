// GET /health (no auth): 200 {"status":"OK"} when the database answers, 503 otherwise.
import { Router } from 'express';
import type { SystemService } from '../domain/system.ts';

export function healthRouter(system: SystemService): Router {
  const r = Router();
  r.get('/health', async (_req, res) => {
    const ok = await system.databaseAnswers();
    res.status(ok ? 200 : 503).json(ok ? { status: 'OK' } : { status: 'ERROR', message: 'database unavailable' });
  });
  return r;
}
