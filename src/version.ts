import { PACKAGE_JSON } from './package-root.js';

/** The package version, from Taskwire's package.json. */
export const VERSION: string = PACKAGE_JSON.version;
