// Builds the Express app and mounts the faces under BASE_PATH.
import express, { type NextFunction, type Request, type Response } from 'express';
import { adminRouter } from '../api/admin-v1/router.ts';
import { eventsRouter } from '../api/events-v2/router.ts';
import { feedsRouter } from '../api/feeds.ts';
import { healthRouter } from '../api/health.ts';
import { metricsRouter } from '../api/metrics.ts';
import { notificationsRouter } from '../api/notifications-v0/router.ts';
import { provisioningRouter } from '../api/provisioning-v0/router.ts';
import { tokensRouter } from '../api/tokens/router.ts';
import type { BasicAuthenticator } from '../auth/basic.ts';
import type { Config } from '../config.ts';
import { davRouter } from '../dav/router.ts';
import type { Domain } from '../domain/index.ts';
import type { LoopWatch } from '../http/loopWatch.ts';
import type { Metrics } from '../metrics/registry.ts';
import { requestLog } from '../http/requestLog.ts';
import { webRouter } from '../web/router.ts';
import { VERSION } from '../version.ts';
import type { Logger } from '../logger.ts';

export interface AppDeps {
  config: Config;
  domain: Domain;
  log: Logger;
  auth: BasicAuthenticator;
  /** True once shutdown began: responses then ask clients to close their connections. */
  draining?: () => boolean;
  /** Keeps the requests in flight for event-loop stall reports. */
  loop?: LoopWatch;
  /** Prometheus metrics (GET /metrics). */
  metrics?: Metrics;
}

export function createApp(deps: AppDeps): express.Express {
  const { config, log } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'extended');
  app.use(requestLog(log));
  if (deps.loop) app.use(deps.loop.track());
  if (deps.metrics) app.use(deps.metrics.middleware());
  const draining = deps.draining;
  if (draining) {
    app.use((_req: Request, res: Response, next: NextFunction) => {
      if (draining()) res.setHeader('Connection', 'close');
      next();
    });
  }

  const mount = express.Router();
  mount.use(healthRouter(deps.domain.system));
  if (deps.metrics) mount.use(metricsRouter(deps.metrics, config));
  mount.use(davRouter({ domain: deps.domain, config, auth: deps.auth, log }));
  mount.use(adminRouter({ domain: deps.domain, config, log }));
  mount.use(tokensRouter({ domain: deps.domain, config, log, auth: deps.auth }));
  mount.use(notificationsRouter({ domain: deps.domain, config, log }));
  mount.use(provisioningRouter({ domain: deps.domain, config, log }));
  mount.use(feedsRouter(deps.domain));
  mount.use(eventsRouter({ domain: deps.domain, config, log }));
  if (config.web.enabled) mount.use(webRouter({ domain: deps.domain, config, auth: deps.auth, log, loop: deps.loop, version: VERSION }));
  app.use(config.basePath || '/', mount);

  app.use((_req: Request, res: Response) => {
    res.status(404).type('text/plain').send('Not Found\n');
  });
  // Last resort: faces map their own errors; anything reaching here is a bug, logged with its id.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = httpStatusOf(err);
    if (status && status < 500) {
      res.status(status).type('text/plain').send(`${status === 413 ? 'Request body too large' : 'Bad request'}\n`);
      return;
    }
    log.error({ err, reqId: res.locals.requestId, method: req.method }, 'unhandled error');
    if (!res.headersSent) res.status(500).type('text/plain').send('Internal Server Error\n');
  });
  return app;
}

function httpStatusOf(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number') {
    return err.status;
  }
  return undefined;
}
