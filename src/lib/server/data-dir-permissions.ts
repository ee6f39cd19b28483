/**
 * The data dir holds password hashes, owners' personal data, keys and evidence: it must be readable by
 * the server's user only. Everything the server creates is owner-only (umask 077); at every start the
 * whole tree is checked, and a server whose files someone loosened refuses to start rather than serve
 * from them.
 */
import {readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {RtccError} from '../errors.js'

/** Group and other permission bits: none may be set on anything in the data dir. */
const SHARED_BITS = 0o077

/** From now on, files and folders this process creates are readable and writable by its user only. */
export function createOwnerOnly(): void {
  process.umask(0o077)
}

interface Loose {
  path: string
  mode: number
  directory: boolean
}

function findLoose(path: string, found: Loose[]): void {
  const stat = statSync(path)
  if (stat.mode & SHARED_BITS) found.push({path, mode: stat.mode & 0o777, directory: stat.isDirectory()})
  if (stat.isDirectory()) for (const name of readdirSync(path)) findLoose(join(path, name), found)
}

const octal = (mode: number) => `0${mode.toString(8).padStart(3, '0')}`
const quote = (path: string) => `'${path.replaceAll("'", String.raw`'\''`)}'`

/** Throws, naming each path, its mode and the chmod that fixes it, when anything is open to other users. */
export function checkDataDirPermissions(dir: string): void {
  const loose: Loose[] = []
  findLoose(dir, loose)
  if (loose.length === 0) return
  const shown = loose.slice(0, 10)
  const lines = shown.map((l) => `  ${l.path}: ${l.directory ? 'folder' : 'file'} mode ${octal(l.mode)}, should be ${l.directory ? '0700' : '0600'}`)
  const chmod = (mode: string, folder: boolean) => {
    const paths = loose.filter((l) => l.directory === folder).map((l) => quote(l.path))
    return paths.length > 0 ? [`chmod ${mode} ${paths.join(' ')}`] : []
  }
  const fix = loose.length > shown.length ? `chmod -R go-rwx ${quote(dir)}` : [...chmod('700', true), ...chmod('600', false)].join(' && ')
  if (loose.length > shown.length) lines.push(`  … and ${loose.length - shown.length} more`)
  throw new RtccError(`the data dir ${dir} is open to other users, so the server refuses to start:\n${lines.join('\n')}`, {
    code: 'data_dir_permissions',
    where: dir,
    hint: `It holds password hashes, owners' personal data, keys and evidence: make it owner-only, then start again: ${fix}`,
  })
}
