import type {CoreView} from '../../lib/domain/core.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {type Column, renderTable} from '../../lib/output/table.js'

const columns: Column<CoreView>[] = [
  {header: 'core', get: (c) => c.id},
  {header: 'site', get: (c) => c.name},
  {header: 'owner', get: (c) => c.ownerName},
  {header: 'state', get: (c) => (c.online ? 'online' : 'offline')},
  {header: 'last heartbeat', get: (c) => (c.lastSeenAt ? new Date(c.lastSeenAt).toLocaleString() : 'never')},
  {header: 'cameras', get: (c) => `${c.cameras.filter((k) => k.status === 'online').length}/${c.cameras.length} online`},
  {header: 'live policies', get: (c) => c.cameras.map((k) => `${k.name}: ${k.liveMode ?? '?'}`).join(', ')},
]

export default class CoreList extends RtccCommand<typeof CoreList> {
  static override summary = 'List Cores: owner, online or offline, last heartbeat, cameras and their health.'
  static override description = 'Agency users see the Cores serving cameras inside their jurisdiction; an owner sees their own. Policies are shown as each Core reports them; only the owner changes them. A camera whose policy on the server differs from what its Core enforces gets a WARNING (and `policyWarning` in --json).'
  static override examples = ['<%= config.bin %> core list', '<%= config.bin %> core list --json']

  async run(): Promise<CoreView[]> {
    const {listCores} = await import('../../lib/client/cores.js')
    const cores = await listCores(await this.api())
    if (cores.length === 0) this.note('no Cores enrolled (admins issue codes with `rtcc core enroll-code`)')
    else this.out(renderTable(cores, columns))
    for (const core of cores)
      for (const camera of core.cameras) if (camera.policyWarning) this.note(`WARNING ${core.name} / ${camera.name}: ${camera.policyWarning}`)
    return cores
  }
}
