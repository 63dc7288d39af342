// Runs a built bundle the way the GitHub runner does: `node dist/<name>/index.js` with the
// inputs in INPUT_* variables (defaults from action.yml filled in, as the runner does), outputs
// and summary going to files, and the event in GITHUB_EVENT_PATH. Asynchronous, so a server
// in the test's own process (the GitHub double) can answer the action.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface ActionYml {
  inputs: Record<string, { default?: string }>;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  annotations: Annotation[];
}

export interface Annotation {
  level: string;
  properties: Record<string, string>;
  message: string;
}

/** `::error title=x,file=y,line=1,col=2::message`, with the runner's escapes undone. */
export function parseAnnotations(stdout: string): Annotation[] {
  const unescape = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
  const out: Annotation[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const properties: Record<string, string> = {};
    for (const pair of (m[2] ?? '').split(',').filter(Boolean)) {
      const i = pair.indexOf('=');
      properties[pair.slice(0, i)] = unescape(pair.slice(i + 1));
    }
    out.push({ level: m[1]!, properties, message: unescape(m[3]!) });
  }
  return out;
}

/** The GITHUB_OUTPUT file: `name<<delimiter`, the value, the delimiter. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const end = lines.indexOf(m[2]!, i + 1);
    outputs[m[1]!] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return outputs;
}

const inputVar = (name: string) => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;

/**
 * Runs a bundle as a runner step: a clean environment (nothing from the host's GITHUB_* or
 * INPUT_*), every input of the action's action.yml set to its default unless given.
 */
export async function runAction(
  bundle: string,
  actionYml: string,
  opts: { workspace: string; inputs?: Record<string, string>; event?: { name: string; payload: unknown }; env?: Record<string, string> },
): Promise<Run> {
  const scratch = join(opts.workspace, '..', `runner-${Math.random().toString(36).slice(2)}`);
  mkdirSync(scratch, { recursive: true });
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(GITHUB_|INPUT_|RUNNER_|NODE_OPTIONS$)/.test(k)) env[k] = v;
  const action = load(readFileSync(join(ROOT, actionYml), 'utf8')) as ActionYml;
  for (const [name, spec] of Object.entries(action.inputs)) env[inputVar(name)] = spec.default ?? '';
  for (const [name, value] of Object.entries(opts.inputs ?? {})) env[inputVar(name)] = value;
  const outputFile = join(scratch, 'output');
  const summaryFile = join(scratch, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  Object.assign(env, { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: opts.workspace, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, RUNNER_TEMP: scratch });
  if (opts.event) {
    const eventPath = join(scratch, 'event.json');
    writeFileSync(eventPath, JSON.stringify(opts.event.payload));
    Object.assign(env, { GITHUB_EVENT_NAME: opts.event.name, GITHUB_EVENT_PATH: eventPath });
  }
  Object.assign(env, opts.env);
  const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, bundle)], { cwd: opts.workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    outputs: parseOutputs(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    annotations: parseAnnotations(r.stdout),
  };
}

