// GET /metrics: Prometheus text format. Off unless METRICS_TOKEN is set (then Bearer METRICS_TOKEN
// is required from anywhere) or the request comes from this machine.
import { timingSafeEqual } from 'node:crypto';
import { Router, type Request } from 'express';
import { bearerToken } from '../auth/bearer.ts';
import type { Config } from '../config.ts';
import type { Metrics } from '../metrics/registry.ts';

function fromLoopback(req: Request, trustProxy: boolean): boolean {
  // Behind a reverse proxy on this host every request comes from loopback: trust its X-Forwarded-For then.
  const address = (trustProxy ? req.ip : req.socket.remoteAddress) ?? '';
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function metricsRouter(metrics: Metrics, config: Config): Router {
  const r = Router();
  r.get('/metrics', async (req, res) => {
    const allowed = config.metricsToken ? sameSecret(bearerToken(req), config.metricsToken) : fromLoopback(req, config.trustProxy);
    if (!allowed) {
      if (config.metricsToken) res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      res.status(config.metricsToken ? 401 : 403).type('text/plain').send(config.metricsToken ? 'Send Authorization: Bearer <METRICS_TOKEN>\n' : 'Metrics are served to this machine only (set METRICS_TOKEN to scrape from elsewhere)\n');
      return;
    }
    let text: string;
    try {
      text = await metrics.text();
    } catch (e) {
      // A cluster worker that does not answer in time (it is restarting).
      res.status(503).type('text/plain').send(`metrics are not available right now: ${e instanceof Error ? e.message : String(e)}\n`);
      return;
    }
    res.status(200).type(metrics.contentType).send(text);
  });
  return r;
}
