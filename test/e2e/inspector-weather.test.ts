import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../harness.js';
import { type FakeNws, startFakeNws } from '../weather/fake-nws.js';
import { inspect as inspectCli } from './inspector-cli.js';

/**
 * The MCP Inspector CLI runs the weather tutorial's flow against the built server over stdio, with the weather
 * toolset pointed at a fake NWS on loopback that replays recorded responses: list tools, get_alerts CA, read
 * alerts://CA/active, get emergency_summary.
 */
describe('MCP Inspector CLI: the weather tutorial flow (stdio)', () => {
  const tmp = tempDir();
  let fake: FakeNws;
  beforeAll(async () => {
    fake = await startFakeNws();
  });
  afterAll(async () => {
    await fake.close();
    tmp.cleanup();
  });

  const inspect = (args: string[]) =>
    inspectCli(
      [
        '--db',
        join(tmp.dir, 'weather.db'),
        '--toolsets',
        'tasks,weather',
        '--weather-api-url',
        fake.url,
        '--weather-user-agent',
        'taskwire-inspector-test/1 (ops@example.com)',
      ],
      args,
      tmp.dir,
    );

  it('lists the weather tools, gets CA alerts, reads alerts://CA/active and gets emergency_summary', { timeout: 600_000 }, async () => {
    const tools = await inspect(['--method', 'tools/list', '--strict']);
    expect(tools.code).toBe(0);
    expect((tools.json.tools as Array<{ name: string }>).map((t) => t.name)).toEqual(expect.arrayContaining(['get_alerts', 'get_forecast']));
    expect(tools.stderr).not.toMatch(/[1-9]\d* warnings?/);

    const alerts = await inspect(['--method', 'tools/call', '--tool-name', 'get_alerts', '--tool-arg', 'state=CA']);
    expect(alerts.code).toBe(0);
    expect((alerts.json.structuredContent as { total: number }).total).toBe(3);

    const read = await inspect(['--method', 'resources/read', '--uri', 'alerts://CA/active']);
    const contents = read.json.contents as Array<{ text: string }>;
    expect(JSON.parse(contents[0]?.text as string)).toMatchObject({ state: 'CA', total: 3 });

    const prompt = await inspect(['--method', 'prompts/get', '--prompt-name', 'emergency_summary', '--prompt-args', 'state=CA']);
    const messages = prompt.json.messages as Array<{ content: { text: string } }>;
    expect(messages[0]?.content.text).toMatch(/three-sentence executive summary/);
    expect(fake.requests.every((r) => r.headers['user-agent'] === 'taskwire-inspector-test/1 (ops@example.com)')).toBe(true);
  });
});
