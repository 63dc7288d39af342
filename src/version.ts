import pkg from '../package.json' with { type: 'json' };

const info = pkg as { version: string; homepage?: string };

/** certops' version, from package.json, so the CLI, the actions and SARIF never disagree. */
export const VERSION: string = info.version;
/** package.json's `homepage`, when it has one. */
export const HOMEPAGE: string | undefined = info.homepage;
