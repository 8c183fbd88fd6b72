import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load.js';
import { createApp } from '../../src/server/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { call, ERAS, type Harness, harness, ok, readText, testConfig } from '../harness.js';
import { type FakeNws, startFakeNws } from './fake-nws.js';

let fake: FakeNws;
beforeAll(async () => {
  fake = await startFakeNws();
});
afterAll(() => fake.close());

const weatherFlags = () => ({
  toolsets: 'tasks,weather',
  'weather-api-url': fake.url,
  'weather-user-agent': 'taskwire-test/1 (ops@example.com)',
  'weather-retries': '2',
});

describe('weather toolset: start-up', () => {
  it('refuses to start without a User-Agent', () => {
    expect(() => createApp(TOOLSETS, testConfig({ toolsets: 'tasks,weather', 'weather-api-url': fake.url }), silentLogger)).toThrow(ConfigError);
    expect(() => createApp(TOOLSETS, testConfig({ toolsets: 'tasks,weather', 'weather-api-url': fake.url }), silentLogger)).toThrow(/--weather-user-agent/);
  });

  it('is off by default: no weather tools without --toolsets', async () => {
    const h = await harness('legacy');
    try {
      const { tools } = await h.client.listTools();
      expect(tools.map((t) => t.name)).not.toContain('get_alerts');
    } finally {
      await h.close();
    }
  });
});

describe.each(ERAS)('weather toolset through a real client (%s era)', (era) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(era, weatherFlags());
  });
  afterAll(() => h.close());

  it('lists get_alerts and get_forecast as read-only, open-world tools', async () => {
    const { tools } = await h.client.listTools();
    for (const name of ['get_alerts', 'get_forecast']) {
      const tool = tools.find((t) => t.name === name);
      expect(tool?.annotations).toMatchObject({ readOnlyHint: true, openWorldHint: true, destructiveHint: false });
      expect(tool?.outputSchema).toBeDefined();
    }
  });

  it('get_alerts returns the recorded California alerts, most severe first', async () => {
    const r = await ok<{ state: string; total: number; alerts: Array<Record<string, unknown>> }>(h.client, 'get_alerts', { state: 'ca' });
    expect(r.state).toBe('CA');
    expect(r.total).toBe(3);
    expect(r.alerts[0]).toMatchObject({ event: 'Extreme Heat Warning', severity: 'Severe' });
    for (const a of r.alerts)
      expect(Object.keys(a).sort()).toEqual(['area', 'certainty', 'effective', 'event', 'expires', 'headline', 'id', 'instruction', 'severity', 'urgency']);
  });

  it('an empty state is a clear "no active alerts", not an error', async () => {
    const r = await call(h.client, 'get_alerts', { state: 'TX' });
    expect(r.isError).toBe(false);
    expect(r.text).toBe('No active alerts for TX.');
    expect(r.structured).toMatchObject({ total: 0, alerts: [] });
  });

  it('a code NWS does not serve is invalid_input on state', async () => {
    const r = await call(h.client, 'get_alerts', { state: 'ZZ' });
    expect(r.error).toMatchObject({ code: 'invalid_input', fields: [{ field: 'state' }] });
    const shape = await call(h.client, 'get_alerts', { state: 'California' });
    expect(shape.error.code).toBe('invalid_input');
  });

  it('get_forecast follows the point to its forecast, rounding to 4 decimals', async () => {
    const r = await ok<{ latitude: number; office: string; periods: Array<Record<string, unknown>> }>(h.client, 'get_forecast', {
      latitude: 35.70541234,
      longitude: -78.79629876,
    });
    expect(r).toMatchObject({ latitude: 35.7054, longitude: -78.7963, office: 'RAH', hourly: false });
    expect(r.periods).toHaveLength(6);
    expect(r.periods[0]).toMatchObject({ temperature: expect.any(Number), temperature_unit: 'F' });
    expect(String(r.periods[0]?.detailed_forecast).length).toBeGreaterThan(10);
    // The forecast link in the recorded body names api.weather.gov: it was followed on the configured base instead.
    expect(fake.count('/gridpoints/RAH/67,53/forecast')).toBeGreaterThan(0);
  });

  it('reads the 2019 /points format (no gridId)', async () => {
    const r = await ok<{ office: string; periods: unknown[] }>(h.client, 'get_forecast', { latitude: 39.7456, longitude: -97.0892, periods: 2 });
    expect(r.office).toBe('TOP');
    expect(r.periods).toHaveLength(2);
  });

  it('a point outside coverage is invalid_input naming latitude and longitude', async () => {
    for (const point of [
      { latitude: 51.5074, longitude: -0.1278 }, // /points 404
      { latitude: 30, longitude: -85 }, // the gridpoint forecast's 404 InvalidPoint
    ]) {
      const r = await call(h.client, 'get_forecast', point);
      expect(r.error.code).toBe('invalid_input');
      expect(r.error.fields).toEqual([expect.objectContaining({ field: 'latitude' }), expect.objectContaining({ field: 'longitude' })]);
      expect(r.text).not.toMatch(/correlationId|problems\/InvalidPoint/);
    }
  });

  it('a latitude out of range is refused by the schema rule before any request', async () => {
    const r = await call(h.client, 'get_forecast', { latitude: 91, longitude: 0 });
    expect(r.error).toMatchObject({ code: 'invalid_input', fields: [expect.objectContaining({ field: 'latitude' })] });
  });

  it('an upstream outage is a structured, retryable upstream_unavailable with nothing of the upstream body', async () => {
    const state = era === 'legacy' ? 'AK' : 'HI'; // a path no earlier call cached
    fake.failNext(`/alerts/active/area/${state}`, ...Array(3).fill({ status: 503, file: 'error-503-UnavailableWebService.json' }));
    const r = await call(h.client, 'get_alerts', { state });
    expect(r.error).toMatchObject({ code: 'upstream_unavailable', retryable: true });
    expect(r.text).not.toMatch(/correlationId|UnavailableWebService|Unavailable Resource/);
    expect(fake.count(`/alerts/active/area/${state}`)).toBe(3);
  });

  it('alerts://{state}/active reads the alerts and completes state codes', async () => {
    const body = JSON.parse(await readText(h.client, 'alerts://CA/active'));
    expect(body).toMatchObject({ state: 'CA', total: 3 });
    const { resourceTemplates } = await h.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('alerts://{state}/active');
    const completion = await h.client.complete({ ref: { type: 'ref/resource', uri: 'alerts://{state}/active' }, argument: { name: 'state', value: 'N' } });
    expect(completion.completion.values).toEqual(['NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND']);
  });

  it('weather://config shows the effective settings', async () => {
    const body = JSON.parse(await readText(h.client, 'weather://config'));
    expect(body).toMatchObject({ api_url: fake.url, user_agent: 'taskwire-test/1 (ops@example.com)', connect_timeout_ms: 5000, response_timeout_ms: 15000, retries: 2 });
    expect(body.circuit.state).toBe('closed');
  });

  it('emergency_summary groups the alerts by severity for a county manager', async () => {
    const prompt = await h.client.getPrompt({ name: 'emergency_summary', arguments: { state: 'CA' } });
    const text = ((prompt.messages[0]?.content ?? {}) as { text?: string }).text ?? '';
    expect(text).toMatch(/three-sentence executive summary/);
    expect(text).toMatch(/## Severe/);
    expect(text).toMatch(/Extreme Heat Warning/);
  });
});
