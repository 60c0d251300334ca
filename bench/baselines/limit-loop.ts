import { createHmac, randomBytes } from 'node:crypto';
import pg from 'pg';
import { Agent, request } from 'undici';

/**
 * L, the limit: what a delivery must do at minimum — sign, POST, insert one attempt row — in a bare Node loop at
 * the given concurrency, with no Temporal. Run as its own process, like Herald's worker.
 * argv: databaseUrl receiverUrl count concurrency
 */
const [databaseUrl, receiverUrl, countArg, concurrencyArg] = process.argv.slice(2);
const count = Number(countArg);
const concurrency = Number(concurrencyArg);

const pool = new pg.Pool({ connectionString: databaseUrl, max: Math.min(concurrency, 50) });
const agent = new Agent({ keepAliveTimeout: 30_000 });
const secret = `whsec_${randomBytes(32).toString('base64')}`;

await pool.query(`CREATE TABLE IF NOT EXISTS limit_attempts (
  id text PRIMARY KEY, delivery_id text NOT NULL, attempt_number integer NOT NULL, outcome text NOT NULL,
  requested_at timestamptz NOT NULL, completed_at timestamptz NOT NULL DEFAULT now(), duration_ms integer, status_code integer)`);
await pool.query('TRUNCATE limit_attempts');

let next = 0;
const started = performance.now();
async function loop() {
  while (next < count) {
    const n = next++;
    const requestedAt = new Date();
    const t0 = performance.now();
    const body = JSON.stringify({
      id: `evt_limit_${n}`,
      type: 'bench.limit',
      createdAt: requestedAt.toISOString(),
      data: { n, orderId: `ord_${n}` },
    });
    const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    const response = await request(`${receiverUrl}/ok/limit`, {
      method: 'POST',
      body,
      dispatcher: agent,
      headers: {
        'content-type': 'application/json',
        'x-webhook-id': `evt_limit_${n}`,
        'x-webhook-attempt': '1',
        'x-webhook-signature': signature,
      },
    });
    await response.body.text();
    await pool.query(
      'INSERT INTO limit_attempts (id, delivery_id, attempt_number, outcome, requested_at, duration_ms, status_code) VALUES ($1, $2, 1, $3, $4, $5, $6)',
      [
        `att_limit_${n}`,
        `del_limit_${n}`,
        response.statusCode === 200 ? 'succeeded' : 'failed',
        requestedAt,
        Math.round(performance.now() - t0),
        response.statusCode,
      ],
    );
  }
}
await Promise.all(Array.from({ length: concurrency }, loop));
const seconds = (performance.now() - started) / 1000;
const { rows } = await pool.query("SELECT count(*)::int AS n FROM limit_attempts WHERE outcome = 'succeeded'");
process.stdout.write(`${JSON.stringify({ deliveries: rows[0].n, seconds, rate: rows[0].n / seconds })}\n`);
await pool.end();
await agent.close();
