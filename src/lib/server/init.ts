/** `rtcc server init`: create the first admin directly in the data dir, once. */
import {appendWithSqlite, AuditLog} from '../audit/log.js'
import type {UserView} from '../domain/auth.js'
import {CliError} from '../output/errors.js'
import {openDatabase} from '../store/db.js'
import {SqliteStore} from '../store/sqlite-store.js'
import {countUsers, insertUser, toUserView} from '../store/users.js'
import {prepareDataDir} from './data-dir.js'
import {hashPassword, passwordProblem} from './passwords.js'

export async function initServer(dataDir: string, admin: {username: string; password: string}): Promise<{admin: UserView; dataDir: string; fingerprint: string}> {
  const secrets = await prepareDataDir(dataDir)
  const problem = await passwordProblem(admin.password, {username: admin.username})
  if (problem) throw new CliError(problem, {code: 'weak_password', hint: 'Choose a longer passphrase: several uncommon words, not your user name.'})
  const passwordHash = await hashPassword(admin.password)
  const db = openDatabase(secrets.dbFile)
  try {
    const audit = await AuditLog.open(new SqliteStore(db), {origin: secrets.origin, signer: {name: secrets.origin, privateKey: secrets.signingKey, publicKey: secrets.publicKey}})
    const user = db.transaction(() => {
      if (countUsers(db) > 0) return undefined
      const row = insertUser(db, {username: admin.username, role: 'admin', passwordHash})
      appendWithSqlite(db, {
        time: new Date().toISOString(),
        actorId: row.id,
        actorName: row.username,
        role: 'admin',
        action: 'server.init',
        target: row.id,
        outcome: 'allowed',
        source: 'local',
        requestId: null,
        bytesIn: 0,
        bytesOut: 0,
        detail: {dataDir},
      })
      return row
    })()
    if (!user) throw new CliError(`the server in ${dataDir} is already initialised`, {code: 'already_initialised', hint: 'Log in as an admin and use `rtcc user add`.'})
    await audit.afterCommit()
    return {admin: toUserView(user), dataDir, fingerprint: secrets.fingerprint}
  } finally {
    db.close()
  }
}
