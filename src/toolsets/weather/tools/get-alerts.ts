import { z } from 'zod';
import { activeAlerts } from '../alerts.js';
import { alertLine } from '../format.js';
import { AlertsOut, SEVERITIES, StateArg } from '../schemas.js';
import { OUTBOUND_READ, WEATHER_READ, WEATHER_TIMEOUT_MS, weatherTool } from './policy.js';

export const getAlerts = weatherTool({
  name: 'get_alerts',
  title: 'Active weather alerts',
  description:
    'Active National Weather Service alerts for a US state or territory: event, severity, urgency, certainty, headline, area, effective, expires, instruction. Most severe first; cut to the result budget. No alerts is a normal answer.',
  input: z.strictObject({
    state: StateArg,
    severity: z.enum(SEVERITIES).optional().describe('Only alerts of this severity'),
  }),
  output: AlertsOut,
  annotations: OUTBOUND_READ,
  scopes: WEATHER_READ,
  timeoutMs: WEATHER_TIMEOUT_MS,
  // What --max-result-tokens gave it by default before tools declared their own: a page of alerts like a task page.
  resultBudgetTokens: 8_000,
  handler: async (args, ctx) => {
    const result = await activeAlerts(ctx, args.state, { severity: args.severity, budget: ctx.resultTokens ?? 4_000 });
    const which = args.severity ? `${args.severity.toLowerCase()} ` : '';
    if (result.total === 0) return { structured: result, text: `No active ${which}alerts for ${result.state}.` };
    const cut = result.truncated ? ` (${result.alerts.length} shown to fit the result budget; ask for one severity to see the rest)` : '';
    return { structured: result, text: [`${result.total} active ${which}alert(s) for ${result.state}${cut}:`, ...result.alerts.map(alertLine)].join('\n') };
  },
});
