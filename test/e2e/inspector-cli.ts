import { assertBuilt, CLI, run } from './cli-process.js';

/** The Inspector CLI version the end-to-end tests run (`INSPECTOR_VERSION` overrides). It needs Node >= 22: `npx -p node@22`. */
export const INSPECTOR = process.env.INSPECTOR_VERSION ?? '2.12.0';

/**
 * Run `mcp-inspector --cli` once against the built server over stdio, launched with this Node's absolute path (the
 * native addon is built for it, as `taskwire install` advises) and `serverArgs`, then `args` (the Inspector's
 * `--method ...`). Returns its exit code, its JSON output and stderr. Bounded at 180 s.
 * @throws Error when the Inspector printed no JSON.
 */
export async function inspect(serverArgs: string[], args: string[], home: string): Promise<{ code: number | null; json: Record<string, unknown>; stderr: string }> {
  assertBuilt();
  const quoted = [process.execPath, CLI, ...serverArgs, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const npxArgs = ['-y', '-p', 'node@22', '-p', `@modelcontextprotocol/inspector@${INSPECTOR}`, '-c', `mcp-inspector --cli ${quoted}`];
  const { code, stdout, stderr } = await run('npx', npxArgs, { HOME: home }, 180_000);
  try {
    return { code, json: JSON.parse(stdout), stderr };
  } catch {
    throw new Error(`inspector printed no JSON (exit ${code}):\n${stdout}\n${stderr}`);
  }
}
