import { fitTokens } from '../../guard/tokens.js';
import type { Alert, Forecast } from './nws.js';

/** One alert as a compact text line (plus its headline), the form the model reads. */
export function alertLine(a: Alert): string {
  const until = a.expires ? ` until ${a.expires}` : '';
  return `- [${a.severity}] ${a.event}${until}: ${a.area}${a.headline ? `\n  ${a.headline}` : ''}`;
}

/**
 * The alerts that fit in `budget` tokens (o200k_base), most severe first,
 * each counted once as its JSON (structured content) plus its text line
 * (counted only when their bytes exceed the budget).
 */
export function fitAlerts(alerts: readonly Alert[], budget: number): Alert[] {
  const sorted = [...alerts].sort((a, b) => rank(a.severity) - rank(b.severity));
  // A token is at least one byte: when the bytes fit, the tokens do, and nothing needs counting.
  const bytes = sorted.reduce((n, a) => n + Buffer.byteLength(JSON.stringify(a)) + Buffer.byteLength(alertLine(a)), 0);
  if (bytes <= budget) return sorted;
  const keep = fitTokens(sorted, (a) => [JSON.stringify(a), alertLine(a)], 0, budget, 1);
  return sorted.slice(0, keep);
}

const SEVERITY = ['Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown'];

export function rank(severity: string): number {
  const i = SEVERITY.indexOf(severity);
  return i === -1 ? SEVERITY.length : i;
}

export function forecastText(f: Forecast): string {
  const where = f.location ? ` near ${f.location}` : '';
  const lines = f.periods.map(
    (p) => `- ${p.name}: ${p.temperature ?? '?'}°${p.temperature_unit}, wind ${p.wind || 'n/a'}. ${f.hourly ? p.short_forecast : p.detailed_forecast}`,
  );
  return [`${f.hourly ? 'Hourly forecast' : 'Forecast'} for ${f.latitude},${f.longitude}${where}:`, ...lines].join('\n');
}
