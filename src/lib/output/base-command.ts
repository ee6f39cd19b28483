import {Command, Errors, Flags, Interfaces} from '@oclif/core'

import {RtccError} from '../errors.js'
import {errorJson, renderError, toRtccError} from './errors.js'
import type {CommandIo, FlagSpec} from './read-commands.js'
import {isInteractive, printJson, red} from './terminal.js'

export type CommandFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof RtccCommand)['baseFlags'] & T['flags']>
export type CommandArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/**
 * Every rtcc command extends this. It gives `--json`, `--profile`, `--server`, one JSON document on
 * stdout under `--json` (run() returns it), messages on stderr, and the documented exit codes.
 */
export abstract class RtccCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true
  static override baseFlags = {
    profile: Flags.string({description: 'Config profile to use.', env: 'RTCC_PROFILE', helpGroup: 'GLOBAL'}),
    server: Flags.string({description: 'Server URL (overrides the profile).', env: 'RTCC_SERVER', helpGroup: 'GLOBAL'}),
  }

  protected flags!: CommandFlags<T>
  protected args!: CommandArgs<T>

  public override async init(): Promise<void> {
    await super.init()
    const ctor = this.ctor as typeof RtccCommand
    const {args, flags} = await this.parse({
      args: ctor.args,
      baseFlags: ctor.baseFlags,
      enableJsonFlag: ctor.enableJsonFlag,
      flags: ctor.flags,
      strict: ctor.strict,
    })
    this.flags = flags as CommandFlags<T>
    this.args = args as CommandArgs<T>
  }

  /** Human output only: silent under --json. */
  protected out(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(text.endsWith('\n') ? text : text + '\n')
  }

  /** Progress and notes for humans, always on stderr so stdout stays clean for data. */
  protected note(text: string): void {
    process.stderr.write(text.endsWith('\n') ? text : text + '\n')
  }

  protected interactive(): boolean {
    return isInteractive() && !this.jsonEnabled()
  }

  /** Connect to the server as the current profile (lazy: the client is not loaded by every command). */
  protected async api() {
    const {connect} = await import('../client/session.js')
    return connect({profile: this.flags.profile, server: this.flags.server})
  }

  /** The lean client, for commands that only send and read JSON (starts faster than api()). */
  protected async jsonApi() {
    const {connectJson} = await import('../client/session.js')
    return connectJson({profile: this.flags.profile, server: this.flags.server})
  }

  /** This command as the surroundings of a read command (read-commands.ts). */
  protected io(): CommandIo {
    return {json: this.jsonEnabled(), out: (text) => this.out(text), note: (text) => this.note(text), jsonApi: () => this.jsonApi()}
  }

  public override logJson(json: unknown): void {
    printJson(json)
  }

  protected override async catch(error: Error & {exitCode?: number}): Promise<never> {
    if (error instanceof Errors.ExitError) throw error
    const cliError: RtccError = toRtccError(error)
    if (this.jsonEnabled()) this.logJson(errorJson(cliError))
    process.stderr.write(renderError(cliError, (s) => red(s, process.stderr)))
    throw new Errors.ExitError(cliError.exitCode)
  }
}

/** oclif flags from a read command's specs (read-commands.ts), so both paths take the same flags. */
export function oclifFlags(specs: Record<string, FlagSpec>) {
  return Object.fromEntries(
    Object.entries(specs).map(([name, {kind, ...spec}]) => [name, kind === 'integer' ? Flags.integer(spec as Parameters<typeof Flags.integer>[0]) : Flags.string(spec as Parameters<typeof Flags.string>[0])]),
  )
}
