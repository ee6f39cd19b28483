/**
 * `rtcc server unlock`: the break-glass path when no admin can log in. It needs the data dir (so only
 * whoever runs the server machine can use it), works with the server stopped or running, and is
 * audited as a local action.
 */
import {existsSync} from 'node:fs'
import {join} from 'node:path'

import type {UserView} from '../domain/auth.js'
import {RtccError} from '../errors.js'
import {toUserView} from '../store/users.js'
import {withLocalServer} from './local-action.js'

export interface LocalUnlock {
  user: UserView
  /** What was lifted. */
  lockedByAdmin: boolean
  lockedOutUntil: string | null
}

export async function unlockLocally(dataDir: string, username: string, database?: string): Promise<LocalUnlock> {
  if (!existsSync(join(dataDir, 'evidence-master.key')) && !existsSync(join(dataDir, 'rtcc.db')))
    throw new RtccError(`no rtcc server in ${dataDir}`, {code: 'not_found', where: dataDir, hint: 'Pass the --data-dir (and --database) the server runs with.'})
  return withLocalServer(dataDir, ({audited}) =>
    audited('server.unlock', async (store, now) => {
      const user = await store.users.findUserByName(username)
      if (!user) throw new RtccError(`no user "${username}" in ${dataDir}`, {code: 'not_found', where: dataDir, hint: 'Check the spelling; `rtcc user list` shows the accounts.'})
      const lockedOutUntil = (await store.users.lockedUntil(user.username, now)) ?? null
      await store.users.clearLockout(user.username)
      await store.users.updateUser(user.id, {locked_at: null})
      const lifted = {lockedByAdmin: user.locked_at !== null, lockedOutUntil}
      return {
        result: {user: toUserView((await store.users.findUserById(user.id))!, now), ...lifted},
        record: {target: user.id, detail: {dataDir, username: user.username, ...lifted}},
      }
    }),
    database,
  )
}
