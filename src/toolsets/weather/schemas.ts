import { z } from 'zod';

export const SEVERITIES = ['Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown'] as const;

export const StateArg = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'must be a two-letter code')
  .transform((s) => s.toUpperCase())
  .describe('Two-letter US state or territory code: CA, NY, DC, PR, GU, VI, AS, MP');

export const AlertOut = z.object({
  id: z.string(),
  event: z.string(),
  severity: z.string(),
  urgency: z.string(),
  certainty: z.string(),
  headline: z.string().nullable(),
  area: z.string(),
  effective: z.string().nullable(),
  expires: z.string().nullable(),
  instruction: z.string().nullable(),
});

export const AlertsOut = z.object({
  state: z.string(),
  /** Active alerts matching, before the token budget cut. */
  total: z.number().int(),
  alerts: z.array(AlertOut),
  truncated: z.boolean(),
});

export const PeriodOut = z.object({
  name: z.string(),
  start: z.string(),
  temperature: z.number().nullable(),
  temperature_unit: z.string(),
  wind: z.string(),
  short_forecast: z.string(),
  detailed_forecast: z.string(),
});

export const ForecastOut = z.object({
  latitude: z.number(),
  longitude: z.number(),
  location: z.string().nullable(),
  office: z.string().nullable(),
  hourly: z.boolean(),
  periods: z.array(PeriodOut),
});
