/**
 * Runs one command class from src/ in a child process, the way bin/run.js would after a build (same
 * parsing, base command, output and exit codes), so a command test does not depend on dist/ being fresh.
 * Usage: node --import tsx run-command.ts <command module> [args…]
 */
import {handle} from '@oclif/core'
import {pathToFileURL} from 'node:url'

const [module, ...argv] = process.argv.slice(2)
const {default: command} = (await import(pathToFileURL(module!).href)) as {default: {run(argv: string[], root: string): Promise<unknown>}}
await command.run(argv, import.meta.url).catch(handle)
