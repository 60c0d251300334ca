/**
 * Shutdown for long-running commands: stop steps run in reverse order of start on SIGINT/SIGTERM or a fatal
 * error, once, and then the process exits with the outcome. It exits explicitly: the Temporal runtime's log
 * forwarding keeps a process alive that has nothing left to do, and a supervisor (systemd, Docker, Kubernetes)
 * waits for the exit. A second Ctrl-C exits at once.
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

  /** Runs every stop step, newest first; resolves with the exit code (non-zero if a step failed). */
  stop(exitCode = 0): Promise<void> {
    this.stopping ??= (async () => {
      for (const step of this.steps.splice(0).reverse()) {
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

  /** Stops everything, then ends the process with the exit code. */
  async stopAndExit(exitCode: number): Promise<never> {
    await this.stop(exitCode);
    process.exit();
  }

  /** Stops everything on SIGINT/SIGTERM, then exits. */
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
      this.say(`\n${signal}: stopping (the worker finishes in-flight deliveries first; Ctrl-C again to force)…`);
      void this.stopAndExit(0);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
}
