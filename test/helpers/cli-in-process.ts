/**
 * Runs a command of the built CLI (dist/) inside the test process as bin/run.js does: the lean runner for
 * the hot read commands, else oclif's own `execute` with its own error handling; stdout, stderr and the
 * exit code are captured instead of a process's. A spawn costs 0.3–1 s of Node and oclif start-up (3–5 s
 * on a loaded machine); this costs the command's own work. Each command family keeps at least one test
 * through the real binary (./cli.ts), so bin/run.js and the process boundary stay tested.
 */
import {Console} from 'node:console'
import {Readable} from 'node:stream'
import {fileURLToPath} from 'node:url'

import {execute} from '@oclif/core'
import {Exit} from '@oclif/core/handle'

import type {CliResult, runCli} from './cli.js'

/** runCli's options; `timeoutMs` is not needed here: the test's own timeout bounds the command. */
type Options = NonNullable<Parameters<typeof runCli>[1]>

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
const LEAN_RUNNER = new URL('../../dist/lib/output/lean-runner.js', import.meta.url).href

// One command at a time: it borrows the process's env, stdin, stdout, stderr and console.
let queue: Promise<unknown> = Promise.resolve()

export function runInProcess(args: string[], options: Options = {}): Promise<CliResult> {
  if (['--version', '-v', 'version'].includes(args[0]!)) throw new Error('bin/run.js prints the version itself: use runCli')
  const result = queue.then(() => run(args, options))
  queue = result.catch(() => {})
  return result
}

async function run(args: string[], options: Options): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  let code: number | undefined
  const env = {NO_COLOR: '1', CI: '1', ...options.env}
  const savedEnv = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
  const saved = {argv: process.argv, stdin: process.stdin, out: process.stdout.write, err: process.stderr.write, console: globalThis.console, exit: Exit.exit, exitCode: process.exitCode}
  const capture = (append: (text: string) => void) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined
      callback?.()
      return true
    }) as typeof process.stdout.write
  for (const [k, v] of Object.entries(env)) setEnv(k, v)
  // oclif's error handler reads the command line from process.argv (to show help after a usage error).
  process.argv = [process.execPath, BIN, ...args]
  Object.defineProperty(process, 'stdin', {value: Readable.from([Buffer.from(options.input ?? '')]), configurable: true})
  process.stdout.write = capture((t) => (stdout += t))
  process.stderr.write = capture((t) => (stderr += t))
  globalThis.console = new Console(process.stdout, process.stderr)
  // oclif's handler ends with Exit.exit(code): the code is what a process would have exited with.
  Exit.exit = ((exitCode = 0) => {
    code = exitCode
  }) as typeof Exit.exit
  process.exitCode = undefined
  try {
    const {runLean} = (await import(/* @vite-ignore */ LEAN_RUNNER)) as {runLean(argv: string[]): Promise<boolean>}
    if (!(await runLean(args))) await execute({args, dir: BIN})
    code ??= typeof process.exitCode === 'number' ? process.exitCode : 0
  } finally {
    for (const [k, v] of Object.entries(savedEnv)) setEnv(k, v)
    process.argv = saved.argv
    Object.defineProperty(process, 'stdin', {value: saved.stdin, configurable: true})
    process.stdout.write = saved.out
    process.stderr.write = saved.err
    globalThis.console = saved.console
    Exit.exit = saved.exit
    process.exitCode = saved.exitCode
  }
  return {code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T}
}

function setEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name]
  else process.env[name] = value
}
