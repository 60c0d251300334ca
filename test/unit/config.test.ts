import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';

describe('configuration', () => {
  it('has working defaults for a development machine', () => {
    const config = loadConfig({});
    expect(config.http.port).toBe(3000);
    expect(config.temporal.devServerPort).toBe(7233);
    expect(config.temporal.devServerUiPort).toBe(8233);
    expect(config.stateDir).toMatch(/\.herald$/);
    expect(config.delivery.attemptTimeoutMs).toBe(5_000);
    expect(config.postgres.url).toBeUndefined();
    expect(config.temporal.address).toBeUndefined();
  });

  it('names every bad variable and its value', () => {
    const attempt = () =>
      loadConfig({
        PORT: 'eighty',
        HERALD_TEMPORAL_PORT: '70000',
        DATABASE_URL: 'mysql://x',
        HERALD_ALLOWED_NETWORKS: '10.0.0.0/99',
      });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      for (const name of [
        'PORT="eighty"',
        'HERALD_TEMPORAL_PORT="70000"',
        'DATABASE_URL="mysql://x"',
        'HERALD_ALLOWED_NETWORKS="10.0.0.0/99"',
      ]) {
        expect(message).toContain(name);
      }
    }
  });

  it('takes the scheduling horizon as a duration, 30 days by default, between 1m and 365d', () => {
    expect(loadConfig({}).schedule.horizonMs).toBe(30 * 86_400_000);
    expect(loadConfig({ HERALD_SCHEDULE_HORIZON: '2h' }).schedule.horizonMs).toBe(7_200_000);
    expect(() => loadConfig({ HERALD_SCHEDULE_HORIZON: '30s' })).toThrow(/HERALD_SCHEDULE_HORIZON="30s": at least 1m/);
    expect(() => loadConfig({ HERALD_SCHEDULE_HORIZON: 'soon' })).toThrow(/HERALD_SCHEDULE_HORIZON="soon"/);
  });

  it('rejects a malformed TEMPORAL_ADDRESS and attempt timeout', () => {
    expect(() => loadConfig({ TEMPORAL_ADDRESS: 'http://temporal' })).toThrow(/TEMPORAL_ADDRESS/);
    expect(() => loadConfig({ HERALD_ATTEMPT_TIMEOUT: 'forever' })).toThrow(/HERALD_ATTEMPT_TIMEOUT/);
  });

  it('keeps payloads as long as the rows unless told otherwise, and never longer', () => {
    expect(loadConfig({ HERALD_RETENTION: '14d' }).retention).toMatchObject({
      eventsMs: 14 * 86_400_000,
      payloadMs: 14 * 86_400_000,
    });
    expect(loadConfig({ HERALD_PAYLOAD_RETENTION: '7d' }).retention).toMatchObject({
      eventsMs: 30 * 86_400_000,
      payloadMs: 7 * 86_400_000,
    });
    expect(() => loadConfig({ HERALD_RETENTION: '7d', HERALD_PAYLOAD_RETENTION: '8d' })).toThrow(
      /HERALD_PAYLOAD_RETENTION="8d": must not be longer than HERALD_RETENTION \(7 days\)/,
    );
  });

  it('adapts rates by default, floor ≤ start < ceiling, and can be turned off', () => {
    expect(loadConfig({}).delivery.adaptive).toEqual({
      startPerSecond: 10,
      floorPerSecond: 0.5,
      stepPerSecond: 0.1,
      ceilingPerSecond: 100,
      decreaseWindowMs: 1_000,
    });
    expect(loadConfig({ HERALD_ADAPTIVE_RATE: 'false' }).delivery.adaptive).toBeUndefined();
    expect(() => loadConfig({ HERALD_ADAPTIVE_FLOOR: '20' })).toThrow(
      /HERALD_ADAPTIVE_FLOOR="20": must not be above HERALD_ADAPTIVE_START \(10\/s\)/,
    );
    expect(() => loadConfig({ HERALD_ADAPTIVE_CEILING: '5' })).toThrow(
      /HERALD_ADAPTIVE_CEILING="5": must be above HERALD_ADAPTIVE_START/,
    );
    expect(() => loadConfig({ HERALD_ADAPTIVE_STEP: '0' })).toThrow(/HERALD_ADAPTIVE_STEP="0"/);
  });

  it('takes a workflow bundle only if the file exists, and says how to build one', () => {
    expect(() => loadConfig({ HERALD_WORKFLOW_BUNDLE: '/nonexistent/workflow-bundle.js' })).toThrow(
      /HERALD_WORKFLOW_BUNDLE=.*herald bundle-workflows/,
    );
    expect(loadConfig({ HERALD_WORKFLOW_BUNDLE: import.meta.filename }).temporal.workflowBundlePath).toBe(
      import.meta.filename,
    );
  });

  it('takes the public URL clients reach Herald at, without a trailing slash, and refuses anything else', () => {
    expect(loadConfig({}).http.publicUrl).toBeUndefined();
    expect(loadConfig({ HERALD_PUBLIC_URL: 'https://herald.example.com/' }).http.publicUrl).toBe(
      'https://herald.example.com',
    );
    expect(loadConfig({ HERALD_PUBLIC_URL: 'http://10.0.0.5:8080/herald' }).http.publicUrl).toBe(
      'http://10.0.0.5:8080/herald',
    );
    for (const bad of ['herald.example.com', 'ftp://herald.example.com', 'https://herald.example.com/?x=1']) {
      expect(() => loadConfig({ HERALD_PUBLIC_URL: bad }), bad).toThrow(/HERALD_PUBLIC_URL=.*expected/);
    }
  });

  it('turns tracing on only for an OTLP endpoint, and finds the traces URL as the OTLP specification says', () => {
    expect(loadConfig({}).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({
      tracesUrl: 'http://collector:4318/v1/traces',
      serviceName: 'herald',
    });
    expect(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/ingest',
        OTEL_SERVICE_NAME: 'herald-eu',
      }).tracing,
    ).toEqual({ tracesUrl: 'https://traces.example.com/ingest', serviceName: 'herald-eu' });
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).tracing,
    ).toBeUndefined();
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT=.*OTLP\/HTTP receiver/,
    );
    expect(() =>
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
    ).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL="grpc".*HTTP port \(4318\)/);
  });
});
