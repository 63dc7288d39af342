// The github context alone. Imported through this module, rather than as
// `await import('@actions/github')` (whose namespace keeps every export alive), the bundler
// can see that getOctokit and with it octokit are never used, and leave them out.
export { context } from '@actions/github';
