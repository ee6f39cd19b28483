/**
 * Runs a hot read command (read-commands.ts) without oclif, for bin/run.js. It only takes command
 * lines it understands completely: anything else (--help, an unknown flag, a missing or malformed
 * value) returns false, and oclif runs the command instead, with its own messages. Output and errors
 * follow RtccCommand: one JSON document under --json, errors rendered on stderr with their exit code.
 */
import {parseArgs, type ParseArgsConfig} from 'node:util'

import {errorJson, renderError, toRtccError} from './errors.js'
import {dashboardCommand, type ReadCommand, registryNearCommand, whoamiCommand} from './read-commands.js'
import {printJson, red} from './terminal.js'

const COMMANDS: Record<string, ReadCommand<never>> = {
  whoami: whoamiCommand,
  'registry near': registryNearCommand as ReadCommand<never>,
  dashboard: dashboardCommand as ReadCommand<never>,
}

/** The global flags every RtccCommand takes (base-command.ts baseFlags). */
const GLOBAL = {profile: 'RTCC_PROFILE', server: 'RTCC_SERVER'}

/** The command a command line names, if it is one of the hot ones. */
export function leanCommandId(argv: string[]): string | undefined {
  return [argv.slice(0, 2).join(' '), argv[0]].find((id) => id !== undefined && id in COMMANDS)
}

/** The flags of a command line, or undefined when oclif should be the one to read it. */
function parse(command: ReadCommand<never>, argv: string[]): Record<string, unknown> | undefined {
  const options: NonNullable<ParseArgsConfig['options']> = {profile: {type: 'string'}, server: {type: 'string'}}
  if (command.json) options.json = {type: 'boolean'}
  for (const [name, spec] of Object.entries(command.flags)) options[name] = {type: 'string', multiple: spec.multiple === true, ...(spec.char ? {short: spec.char} : {})}
  let values: Record<string, unknown>
  try {
    values = parseArgs({args: argv, options, strict: true, allowPositionals: false}).values
  } catch {
    return undefined
  }
  for (const [name, variable] of Object.entries(GLOBAL)) values[name] ??= process.env[variable] || undefined
  for (const [name, spec] of Object.entries(command.flags)) {
    const value = values[name] ?? spec.default
    if (value === undefined) {
      if (spec.required) return undefined
      continue
    }
    if (spec.kind === 'integer' && typeof value === 'string') {
      if (!/^-?\d+$/.test(value)) return undefined
      const number = Number(value)
      if ((spec.min !== undefined && number < spec.min) || (spec.max !== undefined && number > spec.max)) return undefined
      values[name] = number
    } else values[name] = value
  }
  return values
}

/** Runs the command line if it is a hot read command written plainly; false if oclif should. */
export async function runLean(argv: string[]): Promise<boolean> {
  const id = leanCommandId(argv)
  if (id === undefined) return false
  const command = COMMANDS[id]!
  const flags = parse(command, argv.slice(id.split(' ').length))
  if (!flags) return false
  const json = flags.json === true
  try {
    const result = await command.run(
      {
        json,
        out: (text) => json || process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
        note: (text) => process.stderr.write(text.endsWith('\n') ? text : text + '\n'),
        jsonApi: async () => (await import('../client/session.js')).connectJson({profile: flags.profile as string | undefined, server: flags.server as string | undefined}),
      },
      flags as never,
    )
    if (json) printJson(result)
  } catch (error) {
    const cliError = toRtccError(error)
    if (json) printJson(errorJson(cliError))
    process.stderr.write(renderError(cliError, (s) => red(s, process.stderr)))
    process.exitCode = cliError.exitCode
  }
  return true
}
