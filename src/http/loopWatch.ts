// Watching the event loop. One loop serves every user, so a stall shows as delay for everyone:
// the delay is sampled (perf_hooks) for metrics and benchmarks, and a delay longer than
// LOOP_DELAY_WARN_MS is logged with the requests in flight when it happened, the ones that held it.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { NextFunction, Request, Response } from 'express';
import { redactPath, type Logger } from '../logger.ts';

interface InFlight {
  method: string;
  path: string;
  started: number;
}

export class LoopWatch {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly inFlight = new Map<string, InFlight>();
  private timer: NodeJS.Timeout | undefined;
  /** Delays seen above the threshold since the start. */
  stalls = 0;

  constructor(
    private readonly log: Logger,
    private readonly warnMs: number,
  ) {}

  start(): void {
    this.histogram.enable();
    const tick = Math.max(10, Math.min(100, Math.floor(this.warnMs / 2)));
    let expected = performance.now() + tick;
    this.timer = setInterval(() => {
      const now = performance.now();
      const delay = now - expected;
      expected = now + tick;
      if (delay < this.warnMs) return;
      this.stalls++;
      const requests = [...this.inFlight.values()].map((r) => ({ method: r.method, path: r.path, runningMs: Math.round(now - r.started) }));
      this.log.warn({ delayMs: Math.round(delay), requests }, 'the event loop was held');
    }, tick);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.histogram.disable();
  }

  /** Express middleware that keeps the list of requests in flight. */
  track() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const id = String(res.locals.requestId ?? Math.random());
      this.inFlight.set(id, { method: req.method, path: redactPath(req.originalUrl).slice(0, 200), started: performance.now() });
      res.on('close', () => this.inFlight.delete(id));
      next();
    };
  }

  /** Delay percentiles in milliseconds since the last reset. */
  snapshot(): { p50: number; p99: number; max: number; mean: number } {
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    return { p50: ms(this.histogram.percentile(50)), p99: ms(this.histogram.percentile(99)), max: ms(this.histogram.max), mean: ms(this.histogram.mean) };
  }

  reset(): void {
    this.histogram.reset();
  }
}
