/**
 * `rtcc server unlock`: the break-glass path when no admin can log in. It needs the data dir (so only
 * whoever runs the server machine can use it), works with the server stopped or running (SQLite
 * serialises the writes; a running server's audit tree catches up from committed records), and is
 * audited as a local action.
 */
import {existsSync} from 'node:fs'
import {userInfo} from 'node:os'
import {join} from 'node:path'

import {appendWithSqlite, AuditLog} from '../audit/log.js'
import type {UserView} from '../domain/auth.js'
import {CliError} from '../output/errors.js'
import {openDatabase} from '../store/db.js'
import {SqliteStore} from '../store/sqlite-store.js'
import * as users from '../store/users.js'
import {prepareDataDir} from './data-dir.js'

export interface LocalUnlock {
  user: UserView
  /** What was lifted. */
  lockedByAdmin: boolean
  lockedOutUntil: string | null
}

export async function unlockLocally(dataDir: string, username: string): Promise<LocalUnlock> {
  if (!existsSync(join(dataDir, 'rtcc.db')))
    throw new CliError(`no rtcc server database in ${dataDir}`, {code: 'not_found', where: dataDir, hint: 'Pass the --data-dir the server runs with.'})
  const secrets = await prepareDataDir(dataDir)
  const db = openDatabase(secrets.dbFile)
  try {
    const audit = await AuditLog.open(new SqliteStore(db), {origin: secrets.origin, signer: {name: secrets.origin, privateKey: secrets.signingKey, publicKey: secrets.publicKey}})
    const result = db.transaction(() => {
      const user = users.findUserByName(db, username)
      if (!user) return undefined
      const now = new Date()
      const lockedOutUntil = users.lockedUntil(db, user.username, now) ?? null
      users.clearLockout(db, user.username)
      users.updateUser(db, user.id, {locked_at: null})
      const lifted = {lockedByAdmin: user.locked_at !== null, lockedOutUntil}
      appendWithSqlite(db, {
        time: now.toISOString(),
        actorName: `local:${userInfo().username}`,
        action: 'server.unlock',
        target: user.id,
        outcome: 'allowed',
        source: 'local',
        bytesIn: 0,
        bytesOut: 0,
        detail: {dataDir, username: user.username, ...lifted},
      })
      return {user: users.toUserView(users.findUserById(db, user.id)!, now), ...lifted}
    })()
    if (!result) throw new CliError(`no user "${username}" in ${dataDir}`, {code: 'not_found', where: dataDir, hint: 'Check the spelling; `rtcc user list` shows the accounts.'})
    await audit.afterCommit()
    return result
  } finally {
    db.close()
  }
}
