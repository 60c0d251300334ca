import net from 'node:net';
import { expect, it } from 'vitest';
import { assertPortFree, freePort, PortInUseError } from '../../server/dev-stack/ports.js';

it('names the variable to change when a port is taken', async () => {
  const port = await freePort();
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
  try {
    const attempt = assertPortFree(port, 'HERALD_TEMPORAL_PORT', 'the Temporal dev server');
    await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
    await expect(assertPortFree(port, 'HERALD_TEMPORAL_PORT', 'the Temporal dev server')).rejects.toThrow(
      new RegExp(`Port ${port} for the Temporal dev server is already in use.*set HERALD_TEMPORAL_PORT`),
    );
  } finally {
    blocker.close();
  }
  await expect(assertPortFree(port, 'HERALD_TEMPORAL_PORT', 'the Temporal dev server')).resolves.toBeUndefined();
});
