/** `rtcc server init`: create the first admin, once, as a local action on the data dir. */
import type {UserView} from '../domain/auth.js'
import {RtccError} from '../errors.js'
import {toUserView} from '../store/users.js'
import {withLocalServer} from './local-action.js'
import {hashPassword, passwordProblem} from './passwords.js'

/** `database`: a PostgreSQL URL (default: RTCC_DATABASE_URL, else SQLite in the data dir). */
export async function initServer(dataDir: string, admin: {username: string; password: string}, database?: string): Promise<{admin: UserView; dataDir: string; fingerprint: string}> {
  return withLocalServer(dataDir, async ({secrets, audited}) => {
    const problem = await passwordProblem(admin.password, {username: admin.username})
    if (problem) throw new RtccError(problem, {code: 'weak_password', hint: 'Choose a longer passphrase: several uncommon words, not your user name.'})
    const passwordHash = await hashPassword(admin.password)
    const user = await audited('server.init', async (store) => {
      if ((await store.users.countUsers()) > 0)
        throw new RtccError(`the server in ${dataDir} is already initialised`, {code: 'already_initialised', hint: 'Log in as an admin and use `rtcc user add`.'})
      const row = await store.users.insertUser({username: admin.username, role: 'admin', passwordHash})
      return {result: row, record: {actor: {id: row.id, name: row.username, role: 'admin'}, target: row.id, detail: {dataDir}}}
    })
    return {admin: toUserView(user), dataDir, fingerprint: secrets.fingerprint}
  }, database)
}
