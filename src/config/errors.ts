/** A configuration problem, reported as one line and a non-zero exit. */
export class ConfigError extends Error {}
