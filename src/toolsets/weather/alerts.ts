import type { RequestContext } from '../../server/context.js';
import { ToolError } from '../../toolkit/errors.js';
import { weatherOf } from './deps.js';
import { fitAlerts } from './format.js';
import type { Alert } from './nws.js';
import { isStateCode } from './states.js';

/** Active alerts of a state as the tool, the resource and the prompt return them. */
export interface ActiveAlerts {
  state: string;
  total: number;
  alerts: Alert[];
  truncated: boolean;
}

/**
 * Active alerts for `state` (upper-case two letters), optionally of one
 * severity, cut to `budget` tokens (most severe first).
 * @throws ToolError `invalid_input` on `state` for a code NWS does not serve; the NWS client's errors.
 */
export async function activeAlerts(ctx: RequestContext, state: string, opts: { severity?: string; budget: number }): Promise<ActiveAlerts> {
  if (!isStateCode(state)) {
    throw new ToolError('invalid_input', `No US state or territory has the code ${JSON.stringify(state)}.`, {
      fields: [{ field: 'state', message: 'must be a two-letter US state or territory code, e.g. CA, TX, DC, PR' }],
    });
  }
  const all = await weatherOf(ctx).nws.alerts(state, ctx.signal);
  const matching = opts.severity ? all.filter((a) => a.severity === opts.severity) : all;
  const alerts = fitAlerts(matching, opts.budget);
  return { state, total: matching.length, alerts, truncated: alerts.length < matching.length };
}
