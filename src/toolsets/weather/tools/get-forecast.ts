import { z } from 'zod';
import { weatherOf } from '../deps.js';
import { forecastText } from '../format.js';
import { ForecastOut } from '../schemas.js';
import { OUTBOUND_READ, WEATHER_READ, WEATHER_TIMEOUT_MS, weatherTool } from './policy.js';

export const getForecast = weatherTool({
  name: 'get_forecast',
  title: 'Weather forecast',
  description:
    'The National Weather Service forecast for a point in the US or its territories: the next periods (name, temperature and unit, wind, short and detailed forecast). hourly: hour-by-hour instead of 12-hour periods. A point outside NWS coverage is invalid_input.',
  input: z.strictObject({
    latitude: z.number().min(-90).max(90).describe('Decimal degrees, rounded to 4 decimals'),
    longitude: z.number().min(-180).max(180).describe('Decimal degrees, rounded to 4 decimals'),
    hourly: z.boolean().optional().describe('Hourly periods (default: 12-hour periods)'),
    periods: z.number().int().min(1).max(48).optional().describe('How many periods (default 6 or 12 hourly)'),
  }),
  output: ForecastOut,
  annotations: OUTBOUND_READ,
  scopes: WEATHER_READ,
  timeoutMs: WEATHER_TIMEOUT_MS,
  handler: async (args, ctx) => {
    const hourly = args.hourly ?? false;
    const forecast = await weatherOf(ctx).nws.forecast(args.latitude, args.longitude, hourly, ctx.signal);
    const shown = { ...forecast, periods: forecast.periods.slice(0, args.periods ?? (hourly ? 12 : 6)) };
    return { structured: shown, text: forecastText(shown) };
  },
});
