/**
 * The Core's local files, all in one directory readable only by the Core's user:
 *   core.json      identity facts, the pinned server certificate, the cameras and their credentials
 *   identity.key   the Ed25519 private key
 *   policies.json  the owner's sharing policy per camera (the source of truth the Core enforces)
 *   state.json     what `rtcc core run` last saw (for `rtcc core status`)
 * Writes are atomic (temp file + rename) with mode 0600, so a crash never leaves half a file.
 */
import {chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {CoreConfig} from '../domain/core.js'
import {RtccError} from '../errors.js'

export function coreConfigDir(flag?: string): string {
  if (flag) return flag
  if (process.env.RTCC_CORE_DIR) return process.env.RTCC_CORE_DIR
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'rtcc-core')
}

export function corePaths(dir: string) {
  return {
    dir,
    config: join(dir, 'core.json'),
    identity: join(dir, 'identity.key'),
    policies: join(dir, 'policies.json'),
    state: join(dir, 'state.json'),
  }
}

export function writePrivateFile(file: string, data: string): void {
  const partial = `${file}.${process.pid}.partial`
  writeFileSync(partial, data, {mode: 0o600})
  chmodSync(partial, 0o600)
  renameSync(partial, file)
}

export function ensureCoreDir(dir: string): void {
  mkdirSync(dir, {recursive: true, mode: 0o700})
}

export const isProvisioned = (dir: string): boolean => existsSync(corePaths(dir).config)

/** Reads a JSON file of the Core's, naming the file and field that is wrong. */
export function readJsonFile<T>(file: string, schema: {safeParse(v: unknown): {success: true; data: T} | {success: false; error: {issues: {path: PropertyKey[]; message: string}[]}}}, what: string): T {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
    throw new RtccError(missing ? `no ${what} here` : `cannot read ${what}: ${(error as Error).message}`, {
      code: missing ? 'not_provisioned' : 'unreadable',
      where: file,
      hint: missing ? 'Provision this Core first (`rtcc core provision`), or pass --config-dir.' : 'Check the file permissions (the Core user must own it).',
    })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new RtccError(`${what} is not JSON: ${(error as Error).message}`, {code: 'invalid_file', where: file})
  }
  const result = schema.safeParse(json)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  throw new RtccError(`${what} is invalid: ${issue.message}`, {code: 'invalid_file', where: `${file}:${issue.path.map(String).join('.') || '(root)'}`})
}

export const readCoreConfig = (dir: string): CoreConfig => readJsonFile(corePaths(dir).config, CoreConfig, 'Core config')

export function writeCoreConfig(dir: string, config: CoreConfig): void {
  ensureCoreDir(dir)
  writePrivateFile(corePaths(dir).config, JSON.stringify(CoreConfig.parse(config), null, 2) + '\n')
}

export function readIdentityPem(dir: string): string {
  try {
    return readFileSync(corePaths(dir).identity, 'utf8')
  } catch (error) {
    throw new RtccError(`cannot read the Core's identity key: ${(error as Error).message}`, {code: 'not_provisioned', where: corePaths(dir).identity, hint: 'Provision this Core first (`rtcc core provision`).'})
  }
}
