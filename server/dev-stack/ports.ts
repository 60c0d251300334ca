import net from 'node:net';

export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

/**
 * Fails early, naming the variable to change, when a port Herald wants is taken:
 * the usual cause is a second stack on the same machine.
 */
export async function assertPortFree(port: number, variable: string, what: string, host = '127.0.0.1'): Promise<void> {
  if (port === 0) return;
  const free = await new Promise<boolean>((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
  if (!free) {
    throw new PortInUseError(
      `Port ${port} for ${what} is already in use (another Herald stack or server?). ` +
        `Stop it, or set ${variable} to a free port.`,
    );
  }
}

/** Asks the OS for a free port, for tests and benchmarks that run beside other stacks. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host }, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
