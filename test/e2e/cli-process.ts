import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The built CLI (`npm run build`); end-to-end tests drive exactly what users run. */
export const CLI = resolve(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm test does)`);
}

/** A child's stdout and stderr, as collected so far. */
function collectOutput(child: ChildProcess): { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  return { stdout: () => out, stderr: () => err };
}

export interface Served {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** Start `taskwire serve --port 0` and wait (bounded) for the URL it prints on stderr. */
export async function startHttp(dir: string, extra: string[] = [], env: Record<string, string> = {}): Promise<Served> {
  assertBuilt();
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--db', join(dir, 'http.db'), ...extra], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 15 s:\n${output.stderr()}`)), 15_000);
    const check = () => {
      const m = /serving MCP over Streamable HTTP at (http:\/\/\S+\/mcp)/.exec(output.stderr());
      if (m?.[1]) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    };
    child.stderr?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output.stderr()}`));
    });
  });
  return {
    child,
    url,
    stderr: () => output.stderr() + output.stdout(),
    stop: (signal = 'SIGTERM') =>
      new Promise((done) => {
        if (child.exitCode !== null) return done(child.exitCode);
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', (code) => {
          clearTimeout(timer);
          done(code);
        });
        child.kill(signal);
      }),
  };
}

/** The built CLI over raw stdio: its output so far, a line writer, and closing stdin to end it. */
export interface Piped {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Write one line: a message as JSON, or a string as it is (garbage input). */
  send: (msg: unknown) => void;
  /** Close stdin (the client leaving) and wait for the process to exit; its exit code. */
  end: () => Promise<number | null>;
}

/** Start `taskwire` on stdio with `args`, collecting stdout and stderr, for tests that speak raw JSON-RPC lines. */
export function startStdio(args: string[]): Piped {
  assertBuilt();
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  return {
    child,
    ...collectOutput(child),
    send: (msg) => child.stdin?.write(`${typeof msg === 'string' ? msg : JSON.stringify(msg)}\n`),
    end: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done(child.exitCode);
        child.once('exit', (code) => done(code));
        child.stdin?.end();
      }),
  };
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run any command to completion (bounded by `timeoutMs`, then SIGKILL and reject) and capture its output. */
export function run(command: string, args: string[], env: Record<string, string> = {}, timeoutMs = 15_000): Promise<Finished> {
  return new Promise((done, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = collectOutput(child);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish in ${timeoutMs} ms:\n${output.stderr()}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout: output.stdout(), stderr: output.stderr() });
    });
  });
}

/** Run the built CLI to completion (bounded) and capture its output. */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 15_000): Promise<Finished> {
  assertBuilt();
  return run(process.execPath, [CLI, ...args], env, timeoutMs);
}
