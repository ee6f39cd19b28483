import {RtccCommand} from '../../lib/output/base-command.js'
import {configDirFlag} from '../../lib/core/command-flags.js'
import type {CoreStatus} from '../../lib/core/status.js'
import {type Column, renderFields, renderTable} from '../../lib/output/table.js'

const cameraColumns: Column<CoreStatus['cameras'][number]>[] = [
  {header: 'camera', get: (c) => c.id},
  {header: 'name', get: (c) => c.name},
  {header: 'live', get: (c) => c.live},
  {header: 'recorded', get: (c) => c.recorded},
  {header: 'health', get: (c) => (c.health ? `${c.health.status}${c.health.detail ? `: ${c.health.detail}` : ''}` : 'not checked yet')},
  {header: 'stream', get: (c) => c.rtspUrl},
]

export default class CoreStatusCommand extends RtccCommand<typeof CoreStatusCommand> {
  static override summary = 'Show this Core\'s identity, server, link state, cameras and policies (on the Core host; no server needed).'
  static override examples = ['<%= config.bin %> core status', '<%= config.bin %> core status --config-dir /etc/rtcc-core --json']
  static override flags = {'config-dir': configDirFlag}

  async run(): Promise<CoreStatus> {
    const [{coreStatus}, {coreConfigDir}] = await Promise.all([import('../../lib/core/status.js'), import('../../lib/core/config.js')])
    const status = coreStatus(coreConfigDir(this.flags['config-dir']))
    const agent = status.agent
    this.out(
      renderFields([
        ['core', `${status.coreId} "${status.name}"`],
        ['server', `${status.server} (pinned ${status.fingerprint.slice(0, 23)}…)`],
        ['owner', `${status.ownerId}; ${status.ownerKeyId ? `trusts owner key ${status.ownerKeyId}` : 'no owner key: signed policies, panics and approvals cannot be verified (`rtcc core owner-key`)'}`],
        ['agent', agent ? `${agent.running ? `running (pid ${agent.pid})` : 'not running'}; link ${agent.link.state} since ${new Date(agent.link.since).toLocaleString()}: ${agent.link.detail}` : 'never run (`rtcc core run`)'],
        ['relaying', agent?.running && agent.relays.length ? agent.relays.map((r) => `${r.cameraId} (${r.kind}, ${r.viewers} viewer(s))`).join(', ') : 'nothing'],
      ]),
    )
    this.out(renderTable(status.cameras, cameraColumns))
    return status
  }
}
