/**
 * Area codes the NWS alerts API serves as `/alerts/active/area/{code}`: the 50
 * states, DC, and the territories (AS American Samoa, GU Guam, MP Northern
 * Mariana Islands, PR Puerto Rico, VI U.S. Virgin Islands). Marine areas are
 * not states and are left out.
 */
export const STATE_CODES = [
  'AL',
  'AK',
  'AZ',
  'AR',
  'CA',
  'CO',
  'CT',
  'DE',
  'FL',
  'GA',
  'HI',
  'ID',
  'IL',
  'IN',
  'IA',
  'KS',
  'KY',
  'LA',
  'ME',
  'MD',
  'MA',
  'MI',
  'MN',
  'MS',
  'MO',
  'MT',
  'NE',
  'NV',
  'NH',
  'NJ',
  'NM',
  'NY',
  'NC',
  'ND',
  'OH',
  'OK',
  'OR',
  'PA',
  'RI',
  'SC',
  'SD',
  'TN',
  'TX',
  'UT',
  'VT',
  'VA',
  'WA',
  'WV',
  'WI',
  'WY',
  'DC',
  'AS',
  'GU',
  'MP',
  'PR',
  'VI',
] as const;

export type StateCode = (typeof STATE_CODES)[number];

const KNOWN = new Set<string>(STATE_CODES);

export function isStateCode(value: string): value is StateCode {
  return KNOWN.has(value);
}

/** Codes starting with `prefix` (case-insensitive), for completion. */
export function completeState(prefix: string): string[] {
  const p = prefix.trim().toUpperCase();
  return STATE_CODES.filter((code) => code.startsWith(p));
}
