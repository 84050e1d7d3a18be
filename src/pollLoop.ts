// The loop of a background worker (the push worker, the mail worker): take one step after another
// while there is work, wait between looks when there is none, and stop cleanly (the step running
// finishes; the wait is cut short).
export class PollLoop {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  /** `step` does one piece of work and says whether there was any; a throw is logged by `onError`, and the loop goes on. */
  constructor(
    private readonly step: () => Promise<boolean>,
    private readonly onError: (err: unknown) => void,
    private readonly pollMs: number,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Takes steps until one finds no work (or `max` did): tests and `calendula worker --once`. */
  async drain(max = 10_000): Promise<number> {
    let n = 0;
    while (n < max && (await this.step())) n++;
    return n;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let worked = false;
      try {
        worked = await this.step();
      } catch (err) {
        this.onError(err);
      }
      if (!worked && this.running) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.pollMs);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    }
  }
}
