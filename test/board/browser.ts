import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

/** Debian's chromium (`apt-get install -y chromium`, see .ci/run); override with TASKWIRE_CHROMIUM. */
export const CHROMIUM = process.env.TASKWIRE_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Launch headless Chromium with a fresh profile and the flags that keep it off the network
 * (no background requests, component updates, sync or QUIC: there is no internet here).
 * @throws Error naming the install command when the binary is missing.
 */
export async function launchBrowser(): Promise<{ browser: Browser; context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set TASKWIRE_CHROMIUM)`);
  const profile = mkdtempSync(join(tmpdir(), 'taskwire-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 860 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
  const browser = context.browser() as Browser;
  return {
    browser,
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
