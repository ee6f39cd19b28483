/** Drives a real terminal for end-to-end tests: a private tmux server, one 80×24 window, keys and screen captures. */
import {execFileSync, spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {setTimeout as sleep} from 'node:timers/promises'

export const hasTmux = (): boolean => spawnSync('tmux', ['-V'], {stdio: 'ignore'}).status === 0

export class Terminal {
  private readonly socket = `rtcc-test-${process.pid}-${randomBytes(4).toString('hex')}`
  private started = false

  constructor(readonly columns = 80, readonly rows = 24) {}

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8'})
  }

  /** Starts `command` in a fresh session (or replaces what the window runs), with only `env` added. */
  run(command: string, env: Record<string, string>): void {
    const vars = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`])
    if (this.started) this.tmux('respawn-pane', '-k', '-t', 'main', ...vars, command)
    else this.tmux('new-session', '-d', '-s', 'main', '-x', String(this.columns), '-y', String(this.rows), ...vars, command)
    this.started = true
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', 'main')
  }

  keys(...keys: string[]): void {
    for (const key of keys) this.tmux('send-keys', '-t', 'main', key)
  }

  async waitFor(predicate: (screen: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    let screen = ''
    const started = Date.now()
    while (Date.now() < deadline) {
      screen = this.screen()
      if (predicate(screen)) {
        if (process.env.RTCC_TEST_TIMING) process.stderr.write(`${what}: ${Date.now() - started} ms\n`)
        return screen
      }
      await sleep(100)
    }
    throw new Error(`timed out waiting for ${what}; the terminal shows:\n${screen}`)
  }

  close(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], {stdio: 'ignore'})
  }
}
