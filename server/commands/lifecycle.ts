/**
 * Shutdown for long-running commands: stop steps run in reverse order of start on SIGINT/SIGTERM or a fatal
 * error, once. A second Ctrl-C exits at once.
 */
/** Signals closer together than this are one keypress delivered twice. */
const SAME_KEYPRESS_MS = 1_000;

export class Lifecycle {
  private readonly steps: Array<{ name: string; stop: () => Promise<unknown> }> = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly say: (message: string) => void) {}

  add(name: string, stop: () => Promise<unknown>): void {
    this.steps.push({ name, stop });
  }

  stop(exitCode = 0): Promise<void> {
    this.stopping ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step.stop();
        } catch (error) {
          this.say(`Stopping ${step.name} failed: ${(error as Error).message}`);
          exitCode = exitCode || 1;
        }
      }
      process.exitCode = exitCode;
    })();
    return this.stopping;
  }

  /** Stops everything on SIGINT/SIGTERM, then lets the process exit. */
  handleSignals(): void {
    let firstSignalAt: number | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (firstSignalAt !== undefined) {
        // One Ctrl-C under `npm start` arrives twice: from the terminal (to the whole process group) and again
        // forwarded by npm, a few milliseconds apart. Only a press that comes later means "force".
        if (Date.now() - firstSignalAt < SAME_KEYPRESS_MS) return;
        this.say('Stopping immediately.');
        process.exit(130);
      }
      firstSignalAt = Date.now();
      this.say(`\n${signal}: stopping (worker drains in-flight deliveries first; Ctrl-C again to force)…`);
      void this.stop(0);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
}
